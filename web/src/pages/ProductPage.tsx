import { useState, type FormEvent } from 'react';
import { useApi, useUser } from '../app-context';
import { addToCart } from '../cart';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { formatCents } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { Link } from '../router';

export function ProductPage({ id }: { id: string }) {
  const api = useApi();
  const user = useUser();
  const product = useResource(() => api.get('/products/{id}', { path: { id } }), id);
  useTitle(product.data?.name ?? 'Product');
  const [quantity, setQuantity] = useState('1');
  const [added, setAdded] = useState(false);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(false);
    const cart = await action.run(() => addToCart(api, id, Number(quantity)));
    if (cart) setAdded(true);
  };

  if (product.error) {
    return (
      <section>
        <h1>Product</h1>
        <ErrorMessage error={product.error} />
        <Link to="/">Back to the catalogue</Link>
      </section>
    );
  }
  if (!product.data) return <p role="status">Loading…</p>;
  const p = product.data;
  return (
    <section>
      <p>
        <Link to="/">← Catalogue</Link>
      </p>
      <h1>{p.name}</h1>
      <p className="muted">Category: {p.category}</p>
      <p className="price">{formatCents(p.price)}</p>
      <p>{p.description || 'No description.'}</p>
      <p>{p.stock > 0 ? `${p.stock} in stock` : 'Out of stock'}</p>
      {user ? (
        <form onSubmit={submit} className="inline-form">
          <Field label="Quantity" name="quantity" type="number" min={1} max={1000} value={quantity} onChange={(e) => setQuantity(e.target.value)} error={action.error} />
          <button type="submit" disabled={action.busy || p.stock === 0}>
            Add to cart
          </button>
        </form>
      ) : (
        <p>
          <Link to={`/login?next=${encodeURIComponent(`/products/${id}`)}`}>Log in</Link> to buy.
        </p>
      )}
      {added && (
        <p role="status">
          Added. <Link to="/cart">Go to your cart</Link>.
        </p>
      )}
      <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
    </section>
  );
}
