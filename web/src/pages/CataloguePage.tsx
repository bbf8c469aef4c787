import { useState, type FormEvent } from 'react';
import { useApi, useUser } from '../app-context';
import type { Product } from '../api/types';
import { addToCart } from '../cart';
import { ErrorMessage } from '../components/ErrorMessage';
import { Pager, useCursorPages } from '../components/Pager';
import { formatCents } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { Link, navigate, useLocation } from '../router';

const PAGE_SIZE = 6;

/** The categories in the catalogue (one page of up to 100 products is plenty for a filter list). */
let categoriesCache: Promise<string[]> | null = null;

export function CataloguePage() {
  useTitle('Catalogue');
  const api = useApi();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const category = search.get('category') ?? '';
  const pages = useCursorPages(`${q}|${category}`);
  const [query, setQuery] = useState(q);

  const products = useResource(
    () => api.get('/products', { query: { limit: PAGE_SIZE, cursor: pages.cursor, q: q || undefined, category: category || undefined } }),
    `${q}|${category}|${pages.cursor ?? ''}`,
  );
  if (!categoriesCache) {
    categoriesCache = api
      .get('/products', { query: { limit: 100 } })
      .then((page) => [...new Set(page.items.map((p) => p.category))].sort())
      .catch(() => {
        categoriesCache = null;
        return [];
      });
  }
  const categories = useResource(() => categoriesCache ?? Promise.resolve([]), 'categories');

  const apply = (next: { q?: string; category?: string }) => {
    const params = new URLSearchParams();
    const nq = next.q ?? q;
    const nc = next.category ?? category;
    if (nq.trim()) params.set('q', nq.trim());
    if (nc) params.set('category', nc);
    const text = params.toString();
    navigate(text ? `/?${text}` : '/');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({ q: query });
  };

  return (
    <section>
      <h1>Catalogue</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="catalogue-q">Search by name</label>
          <input id="catalogue-q" type="search" value={query} onChange={(e) => setQuery(e.target.value)} maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="catalogue-category">Category</label>
          <select id="catalogue-category" value={category} onChange={(e) => apply({ category: e.target.value })}>
            <option value="">All categories</option>
            {(categories.data ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ErrorMessage error={products.error} />
      {products.loading && !products.data && <p role="status">Loading products…</p>}
      {products.data && products.data.items.length === 0 && <p role="status">No products match.</p>}
      <ul className="product-grid" aria-busy={products.loading}>
        {products.data?.items.map((product) => (
          <li key={product.id}>
            <ProductCard product={product} />
          </li>
        ))}
      </ul>
      <Pager label="Catalogue pages" page={pages.page} nextCursor={products.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}

function ProductCard({ product }: { product: Product }) {
  const api = useApi();
  const user = useUser();
  const action = useAction();
  const [added, setAdded] = useState(false);
  const add = async () => {
    setAdded(false);
    const cart = await action.run(() => addToCart(api, product.id, 1));
    if (cart) setAdded(true);
  };
  return (
    <article className="card">
      <h2>
        <Link to={`/products/${encodeURIComponent(product.id)}`}>{product.name}</Link>
      </h2>
      <p className="muted">{product.category}</p>
      <p className="price">{formatCents(product.price)}</p>
      <p>{product.stock > 0 ? `${product.stock} in stock` : 'Out of stock'}</p>
      {user ? (
        <button type="button" onClick={add} disabled={action.busy || product.stock === 0} aria-label={`Add ${product.name} to cart`}>
          Add to cart
        </button>
      ) : (
        <Link to={`/login?next=${encodeURIComponent('/')}`}>Log in to buy</Link>
      )}
      {added && <p role="status">Added to your cart.</p>}
      <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
    </article>
  );
}
