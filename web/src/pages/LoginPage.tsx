import { useState, type FormEvent } from 'react';
import { useApi } from '../app-context';
import { ErrorMessage, Notice } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { useAction, useTitle } from '../hooks';
import { Link, navigate, useLocation } from '../router';

/** Only same-app paths, so `?next=` cannot send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  useTitle('Log in');
  const api = useApi();
  const { search } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const message = search.get('message');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = await action.run(() => api.session.login(username.trim(), password));
    if (user) navigate(safeNext(search.get('next')), { replace: true });
  };

  return (
    <section className="narrow">
      <h1>Log in</h1>
      {message && <Notice>{message}</Notice>}
      <form onSubmit={submit} noValidate>
        <Field label="Username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} error={action.error} required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={action.error} required />
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
        <button type="submit" disabled={action.busy || action.waitSeconds > 0}>
          {action.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>.
      </p>
    </section>
  );
}
