/**
 * The one place the app speaks HTTP to the gateway. Every failure becomes an
 * ApiError carrying the bucket server's own code, mnemonic, reason word and
 * message, so the interface can show the server's refusal as it was given.
 */
import type { ErrorBody, ErrorResponse } from '../../../shared/api/types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly mnemonic: string;
  readonly reason: string;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.mnemonic = body.mnemonic;
    this.reason = body.reason;
  }

  /** For when the gateway itself cannot be reached or answered with something that is not Pail JSON. */
  static unreachable(message: string, status = 0): ApiError {
    return new ApiError(status, { code: 0, mnemonic: '', reason: 'unreachable', message });
  }
}

/**
 * The ApiError of a failed response: the gateway's `{ error }` body, or, for
 * a body that is not one (a proxy's error page, a gateway that is gone), the fallback.
 */
export function errorFrom(status: number, body: unknown, fallback: string): ApiError {
  const error = (body as Partial<ErrorResponse> | null)?.error;
  return error && typeof error.message === 'string' ? new ApiError(status, error) : ApiError.unreachable(fallback, status);
}

let unauthorized: (() => void) | null = null;

/** Called whenever the gateway answers 401: the login is missing or has ended. */
export function onUnauthorized(listener: () => void): void {
  unauthorized = listener;
}

/** Tells the listener when a response says the login is gone. */
export function noteStatus(status: number): void {
  if (status === 401) unauthorized?.();
}

export const bucketPath = (bucket: string): string => `/api/buckets/${encodeURIComponent(bucket)}`;
/** A file's address: the key's own slashes stay raw, every other character is percent-encoded. */
export const filePath = (bucket: string, key: string): string =>
  `${bucketPath(bucket)}/files/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * A JSON request to the gateway. A 401 tells the login listener, unless
 * `watchLogin` is false (the login routes themselves, where 401 is an answer).
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  { watchLogin = true, signal }: { watchLogin?: boolean; signal?: AbortSignal } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    if (signal?.aborted) throw new ApiError(0, { code: 0, mnemonic: '', reason: 'aborted', message: 'Cancelled' });
    throw ApiError.unreachable('The gateway cannot be reached. Is it running?');
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (watchLogin) noteStatus(response.status);
  if (!response.ok) throw errorFrom(response.status, parsed, `The gateway answered ${response.status} ${response.statusText}`);
  return parsed as T;
}
