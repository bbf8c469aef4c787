// Loading and submitting, the same way on every page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api/errors';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` when `key` changes; stale answers are dropped. */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    loader.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (reason: unknown) => {
        if (controller.signal.aborted) return;
        setError(reason);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: unknown;
  /** Seconds left before the API said to try again (`Retry-After`), or 0. */
  waitSeconds: number;
  /** Runs `task` unless one is already running or the wait is not over; resolves to its value, or undefined on error. */
  run: <T>(task: () => Promise<T>) => Promise<T | undefined>;
  clearError: () => void;
}

/** A submit that cannot run twice at once and honours `Retry-After`. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const running = useRef(false);

  useEffect(() => {
    if (waitUntil <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const run = useCallback(
    async <T,>(task: () => Promise<T>): Promise<T | undefined> => {
      if (running.current || Date.now() < waitUntil) return undefined;
      running.current = true;
      setBusy(true);
      setError(undefined);
      try {
        return await task();
      } catch (reason) {
        setError(reason);
        if (reason instanceof ApiError && reason.retryAfter) {
          setWaitUntil(Date.now() + reason.retryAfter * 1000);
          setNow(Date.now());
        }
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [waitUntil],
  );

  const waitSeconds = Math.max(0, Math.ceil((waitUntil - now) / 1000));
  return { busy, error, waitSeconds, run, clearError: () => setError(undefined) };
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Serverless shop`;
  }, [title]);
}
