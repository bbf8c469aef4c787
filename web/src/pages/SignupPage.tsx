import { useState, type FormEvent } from 'react';
import { useApi } from '../app-context';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field, OtherFieldErrors } from '../components/Field';
import { useAction, useTitle } from '../hooks';
import { Link, navigate } from '../router';

export function SignupPage() {
  useTitle('Sign up');
  const api = useApi();
  const [form, setForm] = useState({ username: '', password: '', email: '', full_name: '' });
  const action = useAction();
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(async () => {
      await api.post('/auth/signup', {
        body: {
          username: form.username.trim(),
          password: form.password,
          email: form.email.trim() || null,
          full_name: form.full_name.trim() || null,
        },
      });
      return api.session.login(form.username.trim(), form.password);
    });
    if (done) navigate('/', { replace: true });
  };

  return (
    <section className="narrow">
      <h1>Sign up</h1>
      <form onSubmit={submit} noValidate>
        <Field label="Username" name="username" autoComplete="username" value={form.username} onChange={set('username')} error={action.error} hint="3–32 letters, digits, dots, dashes or underscores." required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={action.error} hint="At least 8 characters; not a common password." required />
        <Field label="Email (optional)" name="email" type="email" autoComplete="email" value={form.email} onChange={set('email')} error={action.error} hint="For order mail." />
        <Field label="Full name (optional)" name="full_name" autoComplete="name" value={form.full_name} onChange={set('full_name')} error={action.error} />
        <OtherFieldErrors error={action.error} shown={['username', 'password', 'email', 'full_name']} />
        <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
        <button type="submit" disabled={action.busy || action.waitSeconds > 0}>
          {action.busy ? 'Creating your account…' : 'Sign up'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>.
      </p>
    </section>
  );
}
