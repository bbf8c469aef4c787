// The login session as this tab sees it.
//
// - The access token lives only in memory (a variable of this module's
//   object), never in storage: a page reload refreshes to get a new one.
// - The refresh token lives in localStorage so every tab of this origin shares
//   one login (docs/web.md weighs that against a cookie).
// - Refreshing is serialised across tabs with the Web Locks API: inside the
//   lock a tab reads the *current* refresh token, rotates it and stores the
//   successor before the next tab gets its turn, so no two tabs ever present
//   the same token and reuse detection never fires on honest tabs. The
//   server's 10 s reuse grace is only a second line of defence (browsers
//   without `navigator.locks`).
// - Other tabs learn of a logout or a login through the `storage` event.
import { ApiError, parseRetryAfter } from './errors';
import type { TokenPair, TokenUser } from './types';

const REFRESH_KEY = 'shop.refresh_token';
const LOCK_NAME = 'shop.refresh';
/** Refresh this long before the access token expires (capped at a quarter of its lifetime). */
const LEAD_MS = 60_000;

interface AccessToken {
  token: string;
  /** Epoch ms at which we stop using it. */
  expiresAt: number;
}

export type SessionState =
  | { status: 'starting' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; user: TokenUser };

type Listener = (state: SessionState) => void;

export class SessionManager {
  private state: SessionState = { status: 'starting' };
  private access: AccessToken | null = null;
  private refreshing: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly apiUrl: string,
    private readonly storage: Storage = window.localStorage,
  ) {}

  /** Picks up a login kept by this or another tab, and follows the other tabs from now on. */
  async start(): Promise<void> {
    window.addEventListener('storage', (event) => {
      if (event.key !== REFRESH_KEY && event.key !== null) return;
      if (event.newValue === null) {
        // Another tab signed out (or storage was cleared).
        this.clear({ status: 'signed-out', reason: 'You signed out in another tab.' });
      } else if (this.state.status !== 'signed-in') {
        // Another tab signed in: join that login.
        void this.refresh();
      }
    });
    document.addEventListener('visibilitychange', () => {
      // A hidden tab's timers are throttled: on coming back, refresh if the
      // scheduled moment (expiry less the lead) has passed. Not earlier: a
      // refresh cut short by a navigation loses its successor token, and
      // every needless one risks that.
      if (document.visibilityState === 'visible' && this.access && Date.now() >= this.access.expiresAt) {
        void this.refresh().catch(() => undefined);
      }
    });
    if (this.storage.getItem(REFRESH_KEY)) {
      await this.refresh().catch(() => undefined);
    } else {
      this.set({ status: 'signed-out' });
    }
  }

  getState(): SessionState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signs in; the refresh token is stored under the lock so no tab rotates the old one meanwhile. */
  async login(username: string, password: string): Promise<TokenUser> {
    const pair = await this.post<TokenPair>('/auth/login', { username, password });
    await this.withLock(async () => this.accept(pair));
    return pair.user;
  }

  /** Ends this login session for every tab (the server revokes the refresh token). */
  async logout(): Promise<void> {
    // Under the lock: a rotation in another tab must not write a successor
    // back after we removed the token.
    const refreshToken = await this.withLock(async () => {
      const token = this.storage.getItem(REFRESH_KEY);
      this.storage.removeItem(REFRESH_KEY);
      return token;
    });
    this.clear({ status: 'signed-out' });
    if (refreshToken) {
      // Idempotent on the server; if it cannot be reached the token still
      // dies with its sliding expiry, and it is gone from this browser.
      await this.post('/auth/logout', { refresh_token: refreshToken }).catch(() => undefined);
    }
  }

  /** The access token to send, refreshed first if it is missing or about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (this.access && this.access.expiresAt > Date.now()) return this.access.token;
    if (!this.storage.getItem(REFRESH_KEY)) return null;
    return this.refresh();
  }

  /**
   * After a 401 with `used`: refresh, unless another call already replaced
   * that token (then just use the new one). Null when the session is over.
   */
  async recoverFrom401(used: string): Promise<string | null> {
    if (this.access && this.access.token !== used) return this.access.token;
    this.access = null;
    return this.refresh();
  }

  /** One refresh in flight per tab; across tabs the lock takes turns. */
  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.rotate()).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async rotate(): Promise<string | null> {
    // Read inside the lock: the previous holder may have just rotated it.
    const refreshToken = this.storage.getItem(REFRESH_KEY);
    if (!refreshToken) {
      this.clear({ status: 'signed-out' });
      return null;
    }
    try {
      const pair = await this.post<TokenPair>('/auth/refresh', { refresh_token: refreshToken });
      this.accept(pair);
      return pair.access_token;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        // Expired, revoked, or replayed: this login is over, in every tab.
        if (this.storage.getItem(REFRESH_KEY) === refreshToken) this.storage.removeItem(REFRESH_KEY);
        this.clear({ status: 'signed-out', reason: 'Your session has ended. Please sign in again.' });
        return null;
      }
      if (this.state.status === 'starting') this.set({ status: 'signed-out', reason: 'The shop could not be reached to restore your session.' });
      throw error;
    }
  }

  private accept(pair: TokenPair): void {
    this.storage.setItem(REFRESH_KEY, pair.refresh_token);
    const lifetime = pair.expires_in * 1000;
    const lead = Math.min(LEAD_MS, lifetime / 4);
    this.access = { token: pair.access_token, expiresAt: Date.now() + lifetime - lead };
    this.schedule();
    const current = this.state.status === 'signed-in' ? this.state.user : null;
    if (!current || current.id !== pair.user.id || current.role !== pair.user.role || current.username !== pair.user.username) {
      this.set({ status: 'signed-in', user: pair.user });
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.access) return;
    const due = Math.max(0, this.access.expiresAt - Date.now());
    this.timer = setTimeout(() => {
      void this.refresh().catch(() => undefined);
    }, due);
  }

  private clear(next: SessionState): void {
    clearTimeout(this.timer);
    this.access = null;
    this.set(next);
  }

  private set(next: SessionState): void {
    this.state = next;
    for (const listener of this.listeners) listener(next);
  }

  private async withLock<T>(task: () => Promise<T>): Promise<T> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return task();
    return locks.request(LOCK_NAME, { mode: 'exclusive' }, task) as Promise<T>;
  }

  /** A bare POST to a public auth route (no token, no retries). */
  private async post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.apiUrl + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', '');
    }
    return readEnvelope<T>(response);
  }
}

/** The `data` of a success envelope, or the envelope's error as an [`ApiError`]. */
export async function readEnvelope<T>(response: Response): Promise<T> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let envelope: unknown;
  try {
    envelope = await response.json();
  } catch {
    throw new ApiError(response.status, response.status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', '', [], retryAfter);
  }
  if (isObject(envelope) && envelope.success === true) return envelope.data as T;
  if (isObject(envelope) && envelope.success === false && isObject(envelope.error)) {
    const error = envelope.error as { code?: string; message?: string; details?: { field: string; message: string }[] };
    throw new ApiError(
      response.status,
      (error.code as ApiError['code']) ?? 'INTERNAL',
      error.message ?? '',
      Array.isArray(error.details) ? error.details : [],
      retryAfter,
    );
  }
  throw new ApiError(response.status, 'INTERNAL', '', [], retryAfter);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
