import { request } from './http.ts';

/** What the gateway says of the current login (GET /api/session, POST /api/login). */
export interface SessionInfo {
  /** Whether this login may change things, or only list and download. */
  readonly access: 'full' | 'read';
  /** Whether the gateway asks for a login at all. */
  readonly login: boolean;
}

/** The login routes answer 401 as a result, not as a lost login: they do not tell the login listener. */
const call = (method: string, path: string, body?: unknown) => request<unknown>(method, path, body, { watchLogin: false });

function sessionOf(body: unknown): SessionInfo {
  const record = (body ?? {}) as Partial<SessionInfo>;
  return { access: record.access === 'read' ? 'read' : 'full', login: record.login === true };
}

/** The current login; an ApiError with status 401 when there is none. */
export async function currentSession(): Promise<SessionInfo> {
  return sessionOf(await call('GET', '/api/session'));
}

/** Logs in with an access token; the gateway sets an HttpOnly session cookie the page never sees. */
export async function logIn(token: string): Promise<SessionInfo> {
  return sessionOf(await call('POST', '/api/login', { token }));
}

export async function logOut(): Promise<void> {
  await call('POST', '/api/logout');
}
