// The one fetch client every page uses: typed by the generated contract,
// sends the access token, recovers from a 401 by one refresh and retry, turns
// error envelopes into `ApiError`s, and honours `Retry-After` on reads.
import type { paths } from './schema';
import { ApiError } from './errors';
import { readEnvelope, SessionManager } from './session';
import type { BodyOf, DataOf, Method, PathParamsOf, PathsWith, QueryOf } from './types';

/** A read answered 429/503 with a `Retry-After` up to this many seconds is retried once, after the wait. */
const AUTO_RETRY_MAX_SECONDS = 3;

type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<P extends keyof paths, M extends Method> {
  path?: PathParamsOf<P, M>;
  query?: QueryOf<P, M>;
  body?: BodyOf<P, M>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiResult<T> {
  data: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly session: SessionManager,
  ) {}

  get<P extends PathsWith<'get'>>(path: P, options: RequestOptions<P, 'get'> = {}): Promise<DataOf<P, 'get'>> {
    return this.send(path, 'get', options).then((r) => r.data as DataOf<P, 'get'>);
  }

  post<P extends PathsWith<'post'>>(path: P, options: RequestOptions<P, 'post'> = {}): Promise<DataOf<P, 'post'>> {
    return this.send(path, 'post', options).then((r) => r.data as DataOf<P, 'post'>);
  }

  put<P extends PathsWith<'put'>>(path: P, options: RequestOptions<P, 'put'> = {}): Promise<DataOf<P, 'put'>> {
    return this.send(path, 'put', options).then((r) => r.data as DataOf<P, 'put'>);
  }

  delete<P extends PathsWith<'delete'>>(path: P, options: RequestOptions<P, 'delete'> = {}): Promise<DataOf<P, 'delete'>> {
    return this.send(path, 'delete', options).then((r) => r.data as DataOf<P, 'delete'>);
  }

  /** Like `post`, with the answer's headers (e.g. `Idempotent-Replayed`). */
  postWithHeaders<P extends PathsWith<'post'>>(path: P, options: RequestOptions<P, 'post'> = {}): Promise<ApiResult<DataOf<P, 'post'>>> {
    return this.send(path, 'post', options) as Promise<ApiResult<DataOf<P, 'post'>>>;
  }

  private async send(template: string, method: Method, options: {
    path?: unknown;
    query?: unknown;
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  }): Promise<ApiResult<unknown>> {
    const url = this.baseUrl + fillPath(template, options.path as Record<string, string> | undefined) + queryString(options.query as Record<string, QueryValue> | undefined);
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = {
      method: method.toUpperCase(),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    };

    let token = await this.session.accessToken();
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const response = await this.fetch(url, init, token);
      if (response.status === 401 && token) {
        // Expired or revoked mid-use: one refresh, then the same request again.
        const fresh = await this.session.recoverFrom401(token);
        if (fresh && attempt === 1) {
          token = fresh;
          continue;
        }
      }
      if ((response.status === 429 || response.status === 503) && method === 'get' && attempt === 1) {
        const wait = Number(response.headers.get('Retry-After'));
        if (Number.isFinite(wait) && wait > 0 && wait <= AUTO_RETRY_MAX_SECONDS) {
          await sleep(wait * 1000, options.signal);
          continue;
        }
      }
      const data = await readEnvelope<unknown>(response);
      return { data, headers: response.headers };
    }
  }

  private async fetch(url: string, init: RequestInit, token: string | null): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    try {
      return await fetch(url, { ...init, headers });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK', '');
    }
  }
}

function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}
