import { useState } from 'react';
import { useApi } from '../../app-context';
import type { ApiClient } from '../../api/client';
import type { Order, OrderStatus, User } from '../../api/types';
import { ErrorMessage, Notice } from '../../components/ErrorMessage';
import { Pager, useCursorPages } from '../../components/Pager';
import { StatusBadge } from '../../components/Timeline';
import { formatCents, formatTime, NEXT_STATUSES, STATUS_LABELS } from '../../format';
import { useAction, useResource, useTitle } from '../../hooks';
import { Link, navigate, useLocation } from '../../router';

interface Row {
  order: Order;
  username: string;
}

/**
 * The API lists orders per user (`GET /orders?user_id=`, admins only); it has
 * no store-wide listing. So "all orders" is: one page of users, each user's
 * latest orders fetched in parallel, merged newest first. With `?user=` the
 * page pages through that one user's orders instead.
 */
async function ordersOfUsers(api: ApiClient, users: User[], status: OrderStatus | undefined): Promise<Row[]> {
  const pages = await Promise.all(
    users.map((user) => api.get('/orders', { query: { user_id: user.id, limit: 20, status } }).then((page) => page.items.map((order) => ({ order, username: user.username })))),
  );
  return pages.flat().sort((a, b) => b.order.created_at.localeCompare(a.order.created_at));
}

export default function OrdersAdminPage() {
  useTitle('All orders');
  const api = useApi();
  const { search } = useLocation();
  const userId = search.get('user') ?? '';
  const status = (search.get('status') ?? '') as OrderStatus | '';
  const pages = useCursorPages(`${userId}|${status}`);
  const [message, setMessage] = useState<string>();

  const loaded = useResource(async () => {
    if (userId) {
      const [user, page] = await Promise.all([
        api.get('/users/{id}', { path: { id: userId } }),
        api.get('/orders', { query: { user_id: userId, limit: 20, cursor: pages.cursor, status: status || undefined } }),
      ]);
      return { rows: page.items.map((order) => ({ order, username: user.username })), next: page.next_cursor, heading: `Orders of ${user.username}` };
    }
    const users = await api.get('/users', { query: { limit: 20, cursor: pages.cursor } });
    const rows = await ordersOfUsers(api, users.items, status || undefined);
    return { rows, next: users.next_cursor, heading: 'Latest orders of every user' };
  }, `${userId}|${status}|${pages.cursor ?? ''}`);

  const filter = (next: { status?: string }) => {
    const params = new URLSearchParams();
    if (userId) params.set('user', userId);
    const s = next.status ?? status;
    if (s) params.set('status', s);
    navigate(`/admin/orders${params.toString() ? `?${params}` : ''}`);
  };

  return (
    <section>
      <h1>All orders</h1>
      {userId && (
        <p>
          <Link to="/admin/orders">← Every user's orders</Link>
        </p>
      )}
      <div className="filters">
        <div className="field">
          <label htmlFor="admin-orders-status">Status</label>
          <select id="admin-orders-status" value={status} onChange={(e) => filter({ status: e.target.value })}>
            <option value="">Any status</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {message && <Notice>{message}</Notice>}
      <ErrorMessage error={loaded.error} />
      {loaded.loading && !loaded.data && <p role="status">Loading orders…</p>}
      {loaded.data && (
        <>
          <h2>{loaded.data.heading}</h2>
          {loaded.data.rows.length === 0 ? (
            <p>No orders here.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{loaded.data.heading}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Placed</th>
                  <th scope="col">Total</th>
                  <th scope="col">Status</th>
                  <th scope="col">Change status</th>
                </tr>
              </thead>
              <tbody>
                {loaded.data.rows.map((row) => (
                  <OrderRow
                    key={row.order.id}
                    row={row}
                    onChanged={(text) => {
                      setMessage(text);
                      loaded.reload();
                    }}
                  />
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <Pager label={userId ? 'Order pages' : 'User pages'} page={pages.page} nextCursor={loaded.data?.next} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}

function OrderRow({ row, onChanged }: { row: Row; onChanged: (message: string) => void }) {
  const api = useApi();
  const action = useAction();
  const { order } = row;
  const moves = NEXT_STATUSES[order.status] ?? [];
  const selectId = `move-${order.id}`;
  const move = async (status: OrderStatus) => {
    const updated = await action.run(() => api.put('/orders/{id}', { path: { id: order.id }, body: { status } }));
    if (updated) onChanged(`Order ${order.id.slice(0, 8)} is now ${STATUS_LABELS[updated.status]?.toLowerCase()}.`);
  };
  return (
    <tr>
      <td>
        <Link to={`/orders/${encodeURIComponent(order.id)}`}>Order {order.id.slice(0, 8)}</Link>
      </td>
      <td>
        <Link to={`/admin/orders?user=${encodeURIComponent(order.user_id)}`}>{row.username}</Link>
      </td>
      <td>{formatTime(order.created_at)}</td>
      <td>{formatCents(order.total)}</td>
      <td>
        <StatusBadge status={order.status} />
      </td>
      <td>
        {moves.length === 0 ? (
          <span className="muted">Final</span>
        ) : (
          <>
            <label htmlFor={selectId} className="visually-hidden">
              New status of order {order.id.slice(0, 8)}
            </label>
            <select id={selectId} value="" onChange={(e) => e.target.value && move(e.target.value as OrderStatus)} disabled={action.busy}>
              <option value="">Move to…</option>
              {moves.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </>
        )}
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      </td>
    </tr>
  );
}
