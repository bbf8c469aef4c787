import { useState } from 'react';
import { useApi, useUser } from '../app-context';
import type { Order, OrderStatus } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorMessage, Notice } from '../components/ErrorMessage';
import { StatusBadge, StatusTimeline } from '../components/Timeline';
import { formatCents, formatTime, NEXT_STATUSES, STATUS_LABELS } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { Link, useLocation } from '../router';

export function OrderDetailPage({ id }: { id: string }) {
  useTitle('Order');
  const api = useApi();
  const user = useUser();
  const { search } = useLocation();
  // The order comes with its timeline: every change, whoever made it.
  const loaded = useResource(() => api.get('/orders/{id}', { path: { id } }), id);
  const [order, setOrder] = useState<Order>();
  const current = order ?? loaded.data;
  const action = useAction();
  const { reload } = loaded;

  const move = async (status: OrderStatus) => {
    const updated = await action.run(() => api.put('/orders/{id}', { path: { id }, body: { status } }));
    if (updated) {
      setOrder(updated);
      reload();
    }
  };

  if (loaded.error) {
    return (
      <section>
        <h1>Order</h1>
        <ErrorMessage error={loaded.error} />
        <Link to="/orders">Back to your orders</Link>
      </section>
    );
  }
  if (!current) return <p role="status">Loading the order…</p>;
  const isOwner = user?.id === current.user_id;
  const isAdmin = user?.role === 'admin';
  const canCancel = current.status === 'pending' || current.status === 'paid';
  const adminMoves = isAdmin ? (NEXT_STATUSES[current.status] ?? []) : [];

  return (
    <section>
      <p>
        <Link to={isOwner ? '/orders' : '/admin/orders'}>← Orders</Link>
      </p>
      <h1>Order {current.id.slice(0, 8)}</h1>
      {search.get('placed') && <Notice>Thank you! Your order is placed.</Notice>}
      <p>
        Status: <StatusBadge status={current.status} /> · placed {formatTime(current.created_at)}
      </p>
      <table className="table">
        <caption className="visually-hidden">Items in this order</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Unit price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Line total</th>
          </tr>
        </thead>
        <tbody>
          {current.items.map((item) => (
            <tr key={item.product_id}>
              <td>{item.name}</td>
              <td>{formatCents(item.unit_price)}</td>
              <td>{item.quantity}</td>
              <td>{formatCents(item.line_total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="total">
        Total: <strong>{formatCents(current.total)}</strong>
      </p>
      <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      <div className="actions">
        {(isOwner || isAdmin) && canCancel && <ConfirmButton label="Cancel order" confirmLabel="Yes, cancel it" onConfirm={() => move('cancelled')} disabled={action.busy} />}
        {adminMoves
          .filter((s) => s !== 'cancelled')
          .map((status) => (
            <button key={status} type="button" onClick={() => move(status as OrderStatus)} disabled={action.busy}>
              Mark as {STATUS_LABELS[status]?.toLowerCase()}
            </button>
          ))}
      </div>
      <h2>Timeline</h2>
      <StatusTimeline changes={loaded.data?.history ?? []} />
    </section>
  );
}
