import { useState, type FormEvent } from 'react';
import { useApi } from '../../app-context';
import type { AuditType } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Pager, useCursorPages } from '../../components/Pager';
import { formatTime } from '../../format';
import { useResource, useTitle } from '../../hooks';

const TYPES: AuditType[] = [
  'login.succeeded',
  'login.failed',
  'login.locked',
  'refresh.reused',
  'logout',
  'session.ended',
  'password.changed',
  'role.changed',
  'user.created',
  'user.deleted',
  'product.created',
  'product.updated',
  'product.deleted',
  'order.status_changed',
];

interface Filters {
  type: string;
  user_id: string;
  actor_id: string;
}

export default function AuditAdminPage() {
  useTitle('Audit log');
  const api = useApi();
  const [draft, setDraft] = useState<Filters>({ type: '', user_id: '', actor_id: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const key = JSON.stringify(filters);
  const pages = useCursorPages(key);
  const events = useResource(
    () =>
      api.get('/audit', {
        query: {
          limit: 25,
          cursor: pages.cursor,
          type: (filters.type || undefined) as AuditType | undefined,
          user_id: filters.user_id.trim() || undefined,
          actor_id: filters.actor_id.trim() || undefined,
        },
      }),
    `${key}|${pages.cursor ?? ''}`,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };

  return (
    <section>
      <h1>Audit log</h1>
      <form className="filters" onSubmit={submit}>
        <div className="field">
          <label htmlFor="audit-type">Event type</label>
          <select id="audit-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            <option value="">Any type</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-user">About user id</label>
          <input id="audit-user" value={draft.user_id} onChange={(e) => setDraft({ ...draft, user_id: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Done by user id</label>
          <input id="audit-actor" value={draft.actor_id} onChange={(e) => setDraft({ ...draft, actor_id: e.target.value })} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={events.error} />
      {events.loading && !events.data && <p role="status">Loading events…</p>}
      {events.data && events.data.items.length === 0 && <p>No events match.</p>}
      {events.data && events.data.items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">About</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.data.items.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                </td>
                <td>{e.type}</td>
                <td>{e.actor?.username ?? 'anonymous'}</td>
                <td>{e.subject?.username ?? '—'}</td>
                <td>{e.source_ip ?? '—'}</td>
                <td>
                  <code>{Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Audit pages" page={pages.page} nextCursor={events.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}
