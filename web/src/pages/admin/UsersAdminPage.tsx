import { useState, type FormEvent } from 'react';
import { useApi, useUser } from '../../app-context';
import type { Role, User } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage, Notice } from '../../components/ErrorMessage';
import { Field, OtherFieldErrors } from '../../components/Field';
import { Pager, useCursorPages } from '../../components/Pager';
import { formatTime } from '../../format';
import { useAction, useResource, useTitle } from '../../hooks';
import { Link } from '../../router';

export default function UsersAdminPage() {
  useTitle('Users');
  const api = useApi();
  const pages = useCursorPages('users');
  const users = useResource(() => api.get('/users', { query: { limit: 20, cursor: pages.cursor } }), pages.cursor ?? '');
  const [message, setMessage] = useState<string>();

  return (
    <section>
      <h1>Users</h1>
      {message && <Notice>{message}</Notice>}
      <CreateUserForm
        onCreated={(user) => {
          setMessage(`Created ${user.username}.`);
          users.reload();
        }}
      />
      <h2>All users</h2>
      <ErrorMessage error={users.error} />
      {users.loading && !users.data && <p role="status">Loading users…</p>}
      {users.data && (
        <table className="table">
          <caption className="visually-hidden">Users in username order</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Email</th>
              <th scope="col">Created</th>
              <th scope="col">Role</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                onChanged={(text) => {
                  setMessage(text);
                  users.reload();
                }}
              />
            ))}
          </tbody>
        </table>
      )}
      <Pager label="User pages" page={pages.page} nextCursor={users.data?.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}

function UserRow({ user, onChanged }: { user: User; onChanged: (message: string) => void }) {
  const api = useApi();
  const me = useUser();
  const action = useAction();
  const selectId = `role-${user.id}`;
  const changeRole = async (role: Role) => {
    const updated = await action.run(() => api.put('/users/{id}', { path: { id: user.id }, body: { role } }));
    if (updated) onChanged(`${user.username} is now ${role === 'admin' ? 'an admin' : 'a user'}.`);
  };
  const remove = async () => {
    const done = await action.run(() => api.delete('/users/{id}', { path: { id: user.id } }));
    if (done) onChanged(`Deleted ${user.username}; their sessions are ended.`);
  };
  return (
    <tr>
      <td>
        {user.username}
        {user.full_name && <span className="muted"> ({user.full_name})</span>}
      </td>
      <td>{user.email ?? '—'}</td>
      <td>{formatTime(user.created_at)}</td>
      <td>
        <label htmlFor={selectId} className="visually-hidden">
          Role of {user.username}
        </label>
        <select id={selectId} value={user.role} onChange={(e) => changeRole(e.target.value as Role)} disabled={action.busy || user.id === me?.id}>
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      </td>
      <td className="row-actions">
        <Link to={`/admin/orders?user=${encodeURIComponent(user.id)}`}>Orders<span className="visually-hidden"> of {user.username}</span></Link>
        {user.id !== me?.id && <ConfirmButton label={`Delete`} confirmLabel={`Delete ${user.username}`} onConfirm={remove} disabled={action.busy} />}
      </td>
    </tr>
  );
}

function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const api = useApi();
  const empty = { username: '', password: '', email: '', full_name: '', role: 'user' as Role };
  const [form, setForm] = useState(empty);
  const action = useAction();
  const set = (key: 'username' | 'password' | 'email' | 'full_name') => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = await action.run(() =>
      api.post('/users', {
        body: { username: form.username.trim(), password: form.password, email: form.email.trim() || null, full_name: form.full_name.trim() || null, role: form.role },
      }),
    );
    if (user) {
      setForm(empty);
      onCreated(user);
    }
  };
  return (
    <details className="panel">
      <summary>Create a user</summary>
      <form onSubmit={submit} noValidate className="grid-form">
        <Field label="Username" name="username" autoComplete="off" value={form.username} onChange={set('username')} error={action.error} required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={action.error} required />
        <Field label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={action.error} />
        <Field label="Full name" name="full_name" value={form.full_name} onChange={set('full_name')} error={action.error} />
        <div className="field">
          <label htmlFor="new-user-role">Role</label>
          <select id="new-user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <OtherFieldErrors error={action.error} shown={['username', 'password', 'email', 'full_name']} />
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
        <button type="submit" disabled={action.busy}>
          Create user
        </button>
      </form>
    </details>
  );
}
