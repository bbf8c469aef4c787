// Errors as people read them: the API's envelope (`{success: false, error:
// {code, message, details?}}`) turned into words, with `Retry-After` kept so
// the page can wait before letting someone try again.
import type { ErrorCode, FieldError } from './types';

/** `NETWORK` is ours: the API could not be reached at all. */
export type ClientErrorCode = ErrorCode | 'NETWORK';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly details: FieldError[];
  /** Seconds to wait before trying again (`Retry-After`), if the API said. */
  readonly retryAfter: number | null;

  constructor(status: number, code: ClientErrorCode, message: string, details: FieldError[] = [], retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** The message for one field (`password`, `items[0].quantity`), if any. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field)?.message;
  }
}

const HEADLINES: Record<ClientErrorCode, string> = {
  BAD_REQUEST: 'The request was not understood.',
  VALIDATION_FAILED: 'Some fields need attention.',
  UNAUTHORIZED: 'You are not signed in, or your session has ended.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'That could not be found.',
  CONFLICT: 'That conflicts with the current state.',
  PAYLOAD_TOO_LARGE: 'That is too large to send.',
  RATE_LIMITED: 'Too many attempts.',
  INTERNAL: 'Something went wrong on our side.',
  SERVICE_UNAVAILABLE: 'The shop is busy or unavailable right now.',
  NETWORK: 'The shop could not be reached. Check your connection.',
};

/** One sentence or two for a person: what happened, in words, and what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return 'Something went wrong. Please try again.';
  }
  const headline = HEADLINES[error.code] ?? 'Something went wrong.';
  // The API's own message is written for people (it never carries internals:
  // 5xx messages are generic), so show it after the headline when it adds to it.
  const detail = error.message && error.message !== headline ? ` ${sentence(error.message)}` : '';
  const wait = error.retryAfter != null ? ` Please try again in ${formatWait(error.retryAfter)}.` : '';
  return `${headline}${detail}${wait}`;
}

export function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
