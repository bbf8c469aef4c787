import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../app-context';
import type { User } from '../api/types';
import { ErrorMessage, Notice } from '../components/ErrorMessage';
import { Field, OtherFieldErrors } from '../components/Field';
import { formatTime } from '../format';
import { useAction, useResource, useTitle } from '../hooks';
import { navigate } from '../router';

export function ProfilePage() {
  useTitle('Profile');
  const api = useApi();
  const profile = useResource(() => api.get('/users/profile'), 'profile');
  if (profile.error) return <ErrorMessage error={profile.error} />;
  if (!profile.data) return <p role="status">Loading your profile…</p>;
  return (
    <section className="narrow">
      <h1>Your profile</h1>
      <p>
        Username <strong>{profile.data.username}</strong> · role {profile.data.role} · member since {formatTime(profile.data.created_at)}
      </p>
      <DetailsForm user={profile.data} />
      <PasswordForm user={profile.data} />
    </section>
  );
}

function DetailsForm({ user }: { user: User }) {
  const api = useApi();
  const [email, setEmail] = useState(user.email ?? '');
  const [fullName, setFullName] = useState(user.full_name ?? '');
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => setSaved(false), [email, fullName]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await action.run(() =>
      api.put('/users/{id}', { path: { id: user.id }, body: { email: email.trim() || null, full_name: fullName.trim() || null } }),
    );
    if (updated) setSaved(true);
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={action.error} hint="Leave empty to remove it." />
      <Field label="Full name" name="full_name" autoComplete="name" value={fullName} onChange={(e) => setFullName(e.target.value)} error={action.error} />
      <OtherFieldErrors error={action.error} shown={['email', 'full_name']} />
      <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      {saved && <Notice>Saved.</Notice>}
      <button type="submit" disabled={action.busy}>
        Save details
      </button>
    </form>
  );
}

function PasswordForm({ user }: { user: User }) {
  const api = useApi();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await action.run(() => api.put('/users/{id}', { path: { id: user.id }, body: { password: next, current_password: current } }));
    if (updated) {
      // A password change ends every session of the account, this one too.
      await api.session.logout();
      navigate(`/login?message=${encodeURIComponent('Your password is changed. Every session was signed out; log in with the new password.')}`, { replace: true });
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <Field label="Current password" name="current_password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={action.error} required />
      <Field label="New password" name="password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} error={action.error} hint="At least 8 characters; not a common password, not your username." required />
      <OtherFieldErrors error={action.error} shown={['current_password', 'password']} />
      <ErrorMessage error={action.error} waitSeconds={action.waitSeconds} />
      <button type="submit" disabled={action.busy || action.waitSeconds > 0}>
        Change password
      </button>
    </form>
  );
}
