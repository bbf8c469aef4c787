import { useEffect, useState } from 'react';
import { useApi } from '../app-context';
import { ApiError } from '../api/errors';
import type { Cart, CartItem } from '../api/types';
import { newIdempotencyKey } from '../cart';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatCents } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { Link, navigate } from '../router';

const KEY_STORAGE = 'shop.checkout_key';

/**
 * The idempotency key of this cart's checkout: one per version of the cart
 * (`updated_at`), kept in sessionStorage so a retry after a lost answer, a
 * double click, or even a reload sends the same key and gets the same order.
 */
function checkoutKey(cart: Cart): string {
  const version = cart.updated_at ?? 'empty';
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY_STORAGE) ?? 'null') as { version: string; key: string } | null;
    if (saved && saved.version === version) return saved.key;
  } catch {
    // A damaged entry: start a new key.
  }
  const key = newIdempotencyKey();
  sessionStorage.setItem(KEY_STORAGE, JSON.stringify({ version, key }));
  return key;
}

const PROBLEMS: Record<string, string> = {
  gone: 'This product is no longer sold.',
  short_of_stock: 'Not enough in stock for this quantity.',
};

export function CartPage() {
  useTitle('Cart');
  const api = useApi();
  const loaded = useResource(() => api.get('/cart'), 'cart');
  const [cart, setCart] = useState<Cart>();
  const current = cart ?? loaded.data;
  const edit = useAction();
  const checkout = useAction();

  const change = async (task: () => Promise<Cart>) => {
    const next = await edit.run(task);
    if (next) setCart(next);
  };

  const placeOrder = async () => {
    if (!current) return;
    const key = checkoutKey(current);
    const result = await checkout.run(() => api.postWithHeaders('/cart/checkout', { headers: { 'Idempotency-Key': key } }));
    if (result) {
      sessionStorage.removeItem(KEY_STORAGE);
      navigate(`/orders/${encodeURIComponent(result.data.id)}?placed=1`);
    }
  };
  const { reload } = loaded;
  useEffect(() => {
    if (checkout.error instanceof ApiError && checkout.error.status === 409) {
      // A line changed under us (price, stock, gone): show the cart as it is
      // now, with the API's words on what changed above the button.
      setCart(undefined);
      reload();
    }
  }, [checkout.error, reload]);

  return (
    <section>
      <h1>Your cart</h1>
      <ErrorMessage error={loaded.error ?? edit.error} waitSeconds={edit.waitSeconds} />
      {!current && loaded.loading && <p role="status">Loading your cart…</p>}
      {current && current.items.length === 0 && (
        <p>
          Your cart is empty. <Link to="/">Browse the catalogue</Link>.
        </p>
      )}
      {current && current.items.length > 0 && (
        <>
          <table className="table">
            <caption className="visually-hidden">Items in your cart</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Unit price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Line total</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {current.items.map((item) => (
                <CartLine key={item.product_id} item={item} busy={edit.busy} onChange={change} />
              ))}
            </tbody>
          </table>
          <p className="total">
            Total: <strong data-testid="cart-total">{formatCents(current.total)}</strong>
          </p>
          <ErrorMessage error={checkout.error} waitSeconds={checkout.waitSeconds} />
          <div className="actions">
            <button type="button" onClick={placeOrder} disabled={checkout.busy || checkout.waitSeconds > 0 || current.items.some((i) => !i.available)}>
              {checkout.busy ? 'Placing your order…' : 'Check out'}
            </button>
            <ConfirmButton label="Empty cart" confirmLabel="Yes, empty it" onConfirm={() => change(() => api.delete('/cart'))} disabled={edit.busy} />
          </div>
        </>
      )}
    </section>
  );
}

function CartLine({ item, busy, onChange }: { item: CartItem; busy: boolean; onChange: (task: () => Promise<Cart>) => void }) {
  const api = useApi();
  const [quantity, setQuantity] = useState(String(item.quantity));
  const inputId = `qty-${item.product_id}`;
  const update = () => {
    const value = Number(quantity);
    if (!Number.isInteger(value) || value === item.quantity) return;
    onChange(() => api.put('/cart/items/{product_id}', { path: { product_id: item.product_id }, body: { quantity: value } }));
  };
  return (
    <tr>
      <td>
        <Link to={`/products/${encodeURIComponent(item.product_id)}`}>{item.name}</Link>
        {item.problem && <p className="field-error">{PROBLEMS[item.problem] ?? item.problem}</p>}
      </td>
      <td>{formatCents(item.unit_price)}</td>
      <td>
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {item.name}
        </label>
        <input id={inputId} className="qty" type="number" min={0} max={1000} value={quantity} onChange={(e) => setQuantity(e.target.value)} />
        <button type="button" className="button-secondary" onClick={update} disabled={busy}>
          Update<span className="visually-hidden"> {item.name}</span>
        </button>
      </td>
      <td>{formatCents(item.line_total)}</td>
      <td>
        <button type="button" className="button-secondary" onClick={() => onChange(() => api.delete('/cart/items/{product_id}', { path: { product_id: item.product_id } }))} disabled={busy}>
          Remove<span className="visually-hidden"> {item.name}</span>
        </button>
      </td>
    </tr>
  );
}
