import { describeError } from '../api/errors';

/** An API error in words, announced to screen readers. */
export function ErrorMessage({ error, waitSeconds = 0 }: { error: unknown; waitSeconds?: number }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>{describeError(error)}</p>
      {waitSeconds > 0 && <p className="muted">You can try again in {waitSeconds} s.</p>}
    </div>
  );
}

export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <div className="alert alert-info" role="status">
      {children}
    </div>
  );
}
