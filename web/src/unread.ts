// The unread-notifications count behind the badge: fetched on sign-in and on
// navigation, polled every 30 s while the tab is visible, and set directly by
// the notifications page when it marks something read.
import { useEffect, useSyncExternalStore } from 'react';
import type { ApiClient } from './api/client';

let unread = 0;
const listeners = new Set<() => void>();

export function setUnread(count: number): void {
  if (count === unread) return;
  unread = count;
  for (const listener of listeners) listener();
}

export async function refreshUnread(api: ApiClient): Promise<void> {
  try {
    const page = await api.get('/notifications', { query: { limit: 1 } });
    setUnread(page.unread);
  } catch {
    // The badge is a hint; the notifications page shows errors.
  }
}

export function useUnread(api: ApiClient, signedIn: boolean, href: string): number {
  useEffect(() => {
    if (!signedIn) {
      setUnread(0);
      return;
    }
    void refreshUnread(api);
  }, [api, signedIn, href]);

  useEffect(() => {
    if (!signedIn) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refreshUnread(api);
    }, 30_000);
    return () => clearInterval(timer);
  }, [api, signedIn]);

  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => unread,
  );
}
