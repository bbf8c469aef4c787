import { useApi } from '../app-context';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorMessage, Notice } from '../components/ErrorMessage';
import { Pager, useCursorPages } from '../components/Pager';
import { formatTime } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { navigate } from '../router';
import { useState } from 'react';

export function SessionsPage() {
  useTitle('Sessions');
  const api = useApi();
  const pages = useCursorPages('sessions');
  const sessions = useResource(() => api.get('/auth/sessions', { query: { limit: 20, cursor: pages.cursor } }), pages.cursor ?? '');
  const action = useAction();
  const [message, setMessage] = useState<string>();

  const end = async (id: string, current: boolean) => {
    const done = await action.run(() => api.delete('/auth/sessions/{id}', { path: { id } }));
    if (!done) return;
    if (current) {
      await api.session.logout();
      navigate('/login', { replace: true });
      return;
    }
    setMessage('That session is signed out.');
    sessions.reload();
  };
  const endOthers = async () => {
    const done = await action.run(() => api.delete('/auth/sessions'));
    if (done) {
      setMessage(`Signed out ${done.ended} other session${done.ended === 1 ? '' : 's'}.`);
      sessions.reload();
    }
  };

  const items = sessions.data?.items ?? [];
  return (
    <section>
      <h1>Your sessions</h1>
      <p>Where your account is signed in. End any you do not recognise; access stops within a minute.</p>
      <ErrorMessage error={sessions.error ?? action.error} waitSeconds={action.waitSeconds} />
      {message && <Notice>{message}</Notice>}
      <div className="actions">
        <ConfirmButton label="Sign out everywhere else" confirmLabel="Yes, sign the others out" onConfirm={endOthers} disabled={action.busy || items.length < 2} />
      </div>
      {sessions.loading && !sessions.data && <p role="status">Loading sessions…</p>}
      {items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Your signed-in sessions</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last used</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.user_agent ?? 'Unknown device'}
                  {s.current && <span className="badge"> This browser</span>}
                </td>
                <td>{s.source_ip ?? '—'}</td>
                <td>{formatTime(s.created_at)}</td>
                <td>{formatTime(s.last_used_at)}</td>
                <td>
                  <button type="button" className="button-secondary" onClick={() => end(s.id, s.current)} disabled={action.busy}>
                    {s.current ? 'Sign out here' : 'Sign out'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Session pages" page={pages.page} nextCursor={sessions.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}
