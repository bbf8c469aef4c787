import { useState } from 'react';
import { useApi } from '../app-context';
import type { Notification } from '../api/types';
import { ErrorMessage } from '../components/ErrorMessage';
import { Pager, useCursorPages } from '../components/Pager';
import { formatTime } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { Link } from '../router';
import { refreshUnread, setUnread } from '../unread';

export function NotificationsPage() {
  useTitle('Notifications');
  const api = useApi();
  const pages = useCursorPages('notifications');
  const [read, setRead] = useState<Set<string>>(new Set());
  const loaded = useResource(async () => {
    const page = await api.get('/notifications', { query: { limit: 20, cursor: pages.cursor } });
    setUnread(page.unread);
    return page;
  }, pages.cursor ?? '');
  const action = useAction();

  const markRead = async (notification: Notification) => {
    const done = await action.run(() => api.put('/notifications/{id}', { path: { id: notification.id }, body: { read: true } }));
    if (done) {
      setRead((s) => new Set(s).add(notification.id));
      void refreshUnread(api);
    }
  };
  const markAll = async () => {
    const done = await action.run(() => api.post('/notifications/read-all'));
    if (done) {
      setUnread(0);
      setRead(new Set(loaded.data?.items.map((n) => n.id)));
    }
  };

  const items = loaded.data?.items ?? [];
  const unreadHere = items.filter((n) => !n.read && !read.has(n.id)).length;
  return (
    <section>
      <h1>Notifications</h1>
      <ErrorMessage error={loaded.error ?? action.error} waitSeconds={action.waitSeconds} />
      {loaded.loading && !loaded.data && <p role="status">Loading notifications…</p>}
      {loaded.data && items.length === 0 && <p>Nothing yet. Orders and account changes show up here.</p>}
      {unreadHere > 0 && (
        <button type="button" className="button-secondary" onClick={markAll} disabled={action.busy}>
          Mark all as read
        </button>
      )}
      <ul className="notifications">
        {items.map((n) => {
          const isRead = n.read || read.has(n.id);
          return (
            <li key={n.id} className={isRead ? 'read' : 'unread'}>
              <h2>
                {!isRead && <span className="badge badge-new">New</span>} {n.title}
              </h2>
              <p>{n.body}</p>
              <p className="muted">
                <time dateTime={n.created_at}>{formatTime(n.created_at)}</time>
                {n.data.order_id && (
                  <>
                    {' · '}
                    <Link to={`/orders/${encodeURIComponent(n.data.order_id)}`}>See the order</Link>
                  </>
                )}
              </p>
              {!isRead && (
                <button type="button" className="button-secondary" onClick={() => markRead(n)} disabled={action.busy}>
                  Mark as read<span className="visually-hidden">: {n.title}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <Pager label="Notification pages" page={pages.page} nextCursor={loaded.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}
