import { useState } from 'react';

/** Cursor pagination: the API gives `next_cursor`; we keep the way back. */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({ key: resetKey, stack: [undefined] });
  const stack = state.key === resetKey ? state.stack : [undefined];
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string) => setState({ key: resetKey, stack: [...stack, nextCursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
  };
}

interface PagerProps {
  page: number;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  label: string;
}

export function Pager({ page, nextCursor, onNext, onPrevious, label }: PagerProps) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button-secondary" onClick={onPrevious} disabled={page === 1}>
        Previous
      </button>
      <span aria-live="polite">Page {page}</span>
      <button type="button" className="button-secondary" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        Next
      </button>
    </nav>
  );
}
