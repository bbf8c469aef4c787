import { useState } from 'react';
import { useApi } from '../../app-context';
import type { ApiClient } from '../../api/client';
import type { Order, OrderStatus } from '../../api/types';
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

const STATUSES = Object.keys(STATUS_LABELS) as OrderStatus[];

/** Usernames of the orders' owners (one `GET /users/{id}` per distinct owner, in parallel); a deleted owner shows as its id. */
async function withUsernames(api: ApiClient, orders: Order[]): Promise<Row[]> {
  const ids = [...new Set(orders.map((order) => order.user_id))];
  const names = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        names.set(id, (await api.get('/users/{id}', { path: { id } })).username);
      } catch {
        names.set(id, `user ${id.slice(0, 8)}`);
      }
    }),
  );
  return orders.map((order) => ({ order, username: names.get(order.user_id) ?? order.user_id }));
}

/**
 * Every user's orders in one status (`GET /orders/all?status=`, newest first),
 * or with `?user=` one user's orders in any status.
 */
export default function OrdersAdminPage() {
  useTitle('All orders');
  const api = useApi();
  const { search } = useLocation();
  const userId = search.get('user') ?? '';
  const chosen = (search.get('status') ?? '') as OrderStatus | '';
  // The store-wide listing is per status; it opens on the newest pending orders.
  const status: OrderStatus | '' = userId ? chosen : chosen || 'pending';
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
    const page = await api.get('/orders/all', { query: { status: status as OrderStatus, limit: 20, cursor: pages.cursor } });
    const rows = await withUsernames(api, page.items);
    return { rows, next: page.next_cursor, heading: `${STATUS_LABELS[status] ?? status} orders of every user` };
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
            {userId && <option value="">Any status</option>}
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {STATUS_LABELS[value]}
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
      <Pager label="Order pages" page={pages.page} nextCursor={loaded.data?.next} onNext={pages.next} onPrevious={pages.previous} />
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
