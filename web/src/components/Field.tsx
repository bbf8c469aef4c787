import { useId, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api/errors';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** The API's field name, to show its validation message next to the input. */
  name: string;
  error?: unknown;
  hint?: ReactNode;
}

/** A labelled input with its hint and the API's validation message for it. */
export function Field({ label, name, error, hint, ...input }: FieldProps) {
  const id = useId();
  const message = error instanceof ApiError ? error.fieldMessage(name) : undefined;
  const describedBy = [hint ? `${id}-hint` : null, message ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={message ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {message && (
        <p id={`${id}-error`} className="field-error">
          {message}
        </p>
      )}
    </div>
  );
}

/** Messages of details that no field on the form shows (e.g. `body`). */
export function OtherFieldErrors({ error, shown }: { error: unknown; shown: string[] }) {
  if (!(error instanceof ApiError)) return null;
  const rest = error.details.filter((d) => !shown.includes(d.field));
  if (rest.length === 0) return null;
  return (
    <ul className="field-error">
      {rest.map((d) => (
        <li key={d.field + d.message}>
          {d.field}: {d.message}
        </li>
      ))}
    </ul>
  );
}
