// What every page needs: the API client and the session, through context.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ApiClient } from './api/client';
import type { SessionState } from './api/session';
import type { TokenUser } from './api/types';

export interface AppServices {
  api: ApiClient;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApi(): ApiClient {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApi outside AppContext');
  return services.api;
}

export function useSession(): SessionState {
  const api = useApi();
  return useSyncExternalStore(
    (listener) => api.session.subscribe(listener),
    () => api.session.getState(),
  );
}

/** The signed-in user, or null. */
export function useUser(): TokenUser | null {
  const state = useSession();
  return state.status === 'signed-in' ? state.user : null;
}
