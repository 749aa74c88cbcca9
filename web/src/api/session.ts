import { ApiError, errorFrom } from './http.ts';

/** What the gateway says of the current login (GET /api/session, POST /api/login). */
export interface SessionInfo {
  /** Whether this login may change things, or only list and download. */
  readonly access: 'full' | 'read';
  /** Whether the gateway asks for a login at all. */
  readonly login: boolean;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw ApiError.unreachable('The gateway cannot be reached. Is it running?');
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw errorFrom(response.status, parsed, `The gateway answered ${response.status} ${response.statusText}`);
  return { status: response.status, body: parsed };
}

function sessionOf(body: unknown): SessionInfo {
  const record = (body ?? {}) as Partial<SessionInfo>;
  return { access: record.access === 'read' ? 'read' : 'full', login: record.login === true };
}

/** The current login; an ApiError with status 401 when there is none. */
export async function currentSession(): Promise<SessionInfo> {
  return sessionOf((await call('GET', '/api/session')).body);
}

/** Logs in with an access token; the gateway sets an HttpOnly session cookie the page never sees. */
export async function logIn(token: string): Promise<SessionInfo> {
  return sessionOf((await call('POST', '/api/login', { token })).body);
}

export async function logOut(): Promise<void> {
  await call('POST', '/api/logout');
}
