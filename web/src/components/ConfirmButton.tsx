import { useState } from 'react';

/** A destructive button that asks once more in place (no modal dialog). */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled }: { label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="button-danger" onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="button-danger" onClick={() => { setAsking(false); onConfirm(); }} disabled={disabled} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" className="button-secondary" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
