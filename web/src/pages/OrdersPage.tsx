import { useApi } from '../app-context';
import type { OrderStatus } from '../api/types';
import { ErrorMessage } from '../components/ErrorMessage';
import { Pager, useCursorPages } from '../components/Pager';
import { StatusBadge } from '../components/Timeline';
import { formatCents, formatTime, STATUS_LABELS } from '../format';
import { useResource, useTitle } from '../hooks';
import { Link, navigate, useLocation } from '../router';

export function OrdersPage() {
  useTitle('My orders');
  const api = useApi();
  const { search } = useLocation();
  const status = (search.get('status') ?? '') as OrderStatus | '';
  const pages = useCursorPages(status);
  const orders = useResource(
    () => api.get('/orders', { query: { limit: 10, cursor: pages.cursor, status: status || undefined } }),
    `${status}|${pages.cursor ?? ''}`,
  );

  return (
    <section>
      <h1>My orders</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="orders-status">Status</label>
          <select id="orders-status" value={status} onChange={(e) => navigate(e.target.value ? `/orders?status=${e.target.value}` : '/orders')}>
            <option value="">Any status</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={orders.error} />
      {orders.loading && !orders.data && <p role="status">Loading your orders…</p>}
      {orders.data && orders.data.items.length === 0 && (
        <p>
          No orders yet. <Link to="/">Browse the catalogue</Link>.
        </p>
      )}
      {orders.data && orders.data.items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Your orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.data.items.map((order) => (
              <tr key={order.id}>
                <td>
                  <Link to={`/orders/${encodeURIComponent(order.id)}`}>Order {order.id.slice(0, 8)}</Link>
                </td>
                <td>{formatTime(order.created_at)}</td>
                <td>{order.items.reduce((n, i) => n + i.quantity, 0)}</td>
                <td>{formatCents(order.total)}</td>
                <td>
                  <StatusBadge status={order.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Order pages" page={pages.page} nextCursor={orders.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}
