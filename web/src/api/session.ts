import type { SessionInfo } from '../../../shared/api/types.ts';
import { request } from './http.ts';

export type { SessionInfo };

/** The login routes answer 401 as a result, not as a lost login: they do not tell the login listener. */
const call = <T>(method: string, path: string, body?: unknown) => request<T>(method, path, body, { watchLogin: false });

/** The current login; an ApiError with status 401 when there is none. */
export async function currentSession(): Promise<SessionInfo> {
  return call<SessionInfo>('GET', '/api/session');
}

/** Logs in with an access token; the gateway sets an HttpOnly session cookie the page never sees. */
export async function logIn(token: string): Promise<SessionInfo> {
  return call<SessionInfo>('POST', '/api/login', { token });
}

export async function logOut(): Promise<void> {
  await call<null>('POST', '/api/logout');
}
