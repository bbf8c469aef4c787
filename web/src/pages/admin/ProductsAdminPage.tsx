import { useState, type FormEvent } from 'react';
import { useApi } from '../../app-context';
import { ApiError } from '../../api/errors';
import type { Product } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage, Notice } from '../../components/ErrorMessage';
import { Field, OtherFieldErrors } from '../../components/Field';
import { Pager, useCursorPages } from '../../components/Pager';
import { centsToInput, formatCents, parseCents } from '../../format';
import { useAction, useResource, useTitle } from '../../hooks';

interface ProductForm {
  name: string;
  description: string;
  price: string;
  stock: string;
  category: string;
}

const EMPTY: ProductForm = { name: '', description: '', price: '', stock: '0', category: '' };
const FIELDS = ['name', 'description', 'price', 'stock', 'category'];

function toForm(p: Product): ProductForm {
  return { name: p.name, description: p.description, price: centsToInput(p.price), stock: String(p.stock), category: p.category };
}

/** The form as the API's body; a price that is not an amount is refused here, next to its field. */
function toBody(form: ProductForm) {
  const price = parseCents(form.price);
  if (price === null) throw new ApiError(422, 'VALIDATION_FAILED', 'Check the price.', [{ field: 'price', message: 'Enter an amount like 12.50.' }]);
  const stock = Number(form.stock);
  if (!/^\d+$/.test(form.stock.trim())) throw new ApiError(422, 'VALIDATION_FAILED', 'Check the stock.', [{ field: 'stock', message: 'Enter a whole number, 0 or more.' }]);
  return { name: form.name, description: form.description, price, stock, category: form.category.trim() };
}

export default function ProductsAdminPage() {
  useTitle('Products');
  const api = useApi();
  const pages = useCursorPages('admin-products');
  const products = useResource(() => api.get('/products', { query: { limit: 20, cursor: pages.cursor } }), pages.cursor ?? '');
  const [editing, setEditing] = useState<Product | null>(null);
  const [message, setMessage] = useState<string>();

  const done = (text: string) => {
    setMessage(text);
    setEditing(null);
    products.reload();
  };

  return (
    <section>
      <h1>Products</h1>
      {message && <Notice>{message}</Notice>}
      <ProductEditor key={editing?.id ?? 'new'} product={editing} onDone={done} onCancel={() => setEditing(null)} />
      <h2>Catalogue</h2>
      <ErrorMessage error={products.error} />
      {products.data && (
        <table className="table">
          <caption className="visually-hidden">Products in name order</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Category</th>
              <th scope="col">Price</th>
              <th scope="col">Stock</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {products.data.items.map((p) => (
              <ProductRow key={p.id} product={p} onEdit={() => setEditing(p)} onDone={done} />
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Product pages" page={pages.page} nextCursor={products.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}

function ProductRow({ product, onEdit, onDone }: { product: Product; onEdit: () => void; onDone: (message: string) => void }) {
  const api = useApi();
  const action = useAction();
  const [stock, setStock] = useState(String(product.stock));
  const stockId = `stock-${product.id}`;
  const saveStock = async () => {
    const updated = await action.run(() => api.put('/products/{id}', { path: { id: product.id }, body: { stock: Number(stock) } }));
    if (updated) onDone(`${product.name}: ${updated.stock} in stock.`);
  };
  const remove = async () => {
    const deleted = await action.run(() => api.delete('/products/{id}', { path: { id: product.id } }));
    if (deleted) onDone(`Deleted ${product.name}.`);
  };
  return (
    <tr>
      <td>{product.name}</td>
      <td>{product.category}</td>
      <td>{formatCents(product.price)}</td>
      <td>
        <label htmlFor={stockId} className="visually-hidden">
          Stock of {product.name}
        </label>
        <input id={stockId} className="qty" type="number" min={0} value={stock} onChange={(e) => setStock(e.target.value)} aria-invalid={action.error ? true : undefined} />
        <button type="button" className="button-secondary" onClick={saveStock} disabled={action.busy}>
          Set stock<span className="visually-hidden"> of {product.name}</span>
        </button>
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      </td>
      <td className="row-actions">
        <button type="button" className="button-secondary" onClick={onEdit}>
          Edit<span className="visually-hidden"> {product.name}</span>
        </button>
        <ConfirmButton label="Delete" confirmLabel={`Delete ${product.name}`} onConfirm={remove} disabled={action.busy} />
      </td>
    </tr>
  );
}

function ProductEditor({ product, onDone, onCancel }: { product: Product | null; onDone: (message: string) => void; onCancel: () => void }) {
  const api = useApi();
  const [form, setForm] = useState<ProductForm>(product ? toForm(product) : EMPTY);
  const action = useAction();
  const set = (key: keyof ProductForm) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm({ ...form, [key]: e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await action.run(async () => {
      const body = toBody(form);
      return product ? api.put('/products/{id}', { path: { id: product.id }, body }) : api.post('/products', { body });
    });
    if (saved) onDone(product ? `Saved ${saved.name}.` : `Added ${saved.name}.`);
  };
  const descriptionError = action.error instanceof ApiError ? action.error.fieldMessage('description') : undefined;
  return (
    <details className="panel" open={product !== null}>
      <summary>{product ? `Edit ${product.name}` : 'Add a product'}</summary>
      <form onSubmit={submit} noValidate className="grid-form">
        <Field label="Name" name="name" value={form.name} onChange={set('name')} error={action.error} required />
        <Field label="Category" name="category" value={form.category} onChange={set('category')} error={action.error} hint="Lower-case letters, digits and dashes." required />
        <Field label="Price (USD)" name="price" inputMode="decimal" value={form.price} onChange={set('price')} error={action.error} required />
        <Field label="Stock" name="stock" type="number" min={0} value={form.stock} onChange={set('stock')} error={action.error} />
        <div className="field field-wide">
          <label htmlFor="product-description">Description</label>
          <textarea id="product-description" rows={3} value={form.description} onChange={set('description')} aria-invalid={descriptionError ? true : undefined} aria-describedby={descriptionError ? 'product-description-error' : undefined} />
          {descriptionError && (
            <p id="product-description-error" className="field-error">
              {descriptionError}
            </p>
          )}
        </div>
        <OtherFieldErrors error={action.error} shown={FIELDS} />
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            {product ? 'Save product' : 'Add product'}
          </button>
          {product && (
            <button type="button" className="button-secondary" onClick={onCancel}>
              Stop editing
            </button>
          )}
        </div>
      </form>
    </details>
  );
}
