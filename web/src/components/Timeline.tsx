import type { StatusChange } from '../api/types';
import { formatTime, STATUS_LABELS } from '../format';

/** An order's status changes, oldest first. */
export function StatusTimeline({ changes }: { changes: StatusChange[] }) {
  if (changes.length === 0) return <p className="muted">No status changes recorded yet.</p>;
  const ordered = [...changes].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <ol className="timeline" aria-label="Status timeline">
      {ordered.map((change) => (
        <li key={`${change.at}-${change.to}`}>
          <strong>{STATUS_LABELS[change.to] ?? change.to}</strong>
          <span className="muted">
            {' '}
            {change.from ? `from ${STATUS_LABELS[change.from] ?? change.from}` : 'order placed'} · <time dateTime={change.at}>{formatTime(change.at)}</time>
          </span>
        </li>
      ))}
    </ol>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}
