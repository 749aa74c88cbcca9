import type { Readable } from 'node:stream';
import { Upload, type DetailedError } from 'tus-js-client';

export interface TusUploadOptions {
  /** `…/api/uploads` of the gateway (or of a proxy in front of it). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  /** The body's size: required for a stream, a Buffer's own otherwise. */
  readonly size?: number;
  readonly chunkSize: number;
  /** Sent as Pail-Upload-Sha256 for the gateway to check at completion. */
  readonly sha256?: string;
  /** Extra headers on every request (a login's Authorization, say). */
  readonly headers?: Record<string, string>;
  /** The upload fails if it has not finished by then. */
  readonly timeoutMs: number;
  /** Waits between retries; each chunk that gets through starts them over. */
  readonly retryDelays?: number[];
  /** Replaces a file of the same key. */
  readonly overwrite?: boolean;
  /** Leaves the length to the PATCH that sends the last bytes (Upload-Defer-Length). */
  readonly deferLength?: boolean;
  /** Called when the upload's URL is known (after its creation). */
  readonly onUrl?: (url: string) => void;
  /** Called after each chunk the server acknowledged, with the bytes it now holds. */
  readonly onChunk?: (held: number) => void;
}

export interface TusUploadRun {
  /** The server's SHA-256 of the stored file, from the reply that completed the upload. */
  readonly digest: string | null;
  /** Errors tus-js-client recovered from by retrying. */
  readonly retries: number;
  /** Requests sent, by method. */
  readonly requests: Record<string, number>;
  /** Responses received, by `METHOD STATUS` (cut requests have none). */
  readonly responses: Record<string, number>;
}

const RETRY_DELAYS = [0, 20, 50, 100, 200, 400, 800, 1_000, 1_000, 1_000];

/**
 * Uploads with tus-js-client as an application would (its own retry rules:
 * a network error, a 5xx, 409 or 423 is retried after a HEAD), chunked, and
 * resolves when it succeeds; bounded by `timeoutMs`.
 */
export function tusUpload(input: Buffer | Readable, options: TusUploadOptions): Promise<TusUploadRun> {
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  let retries = 0;
  return new Promise((resolve, reject) => {
    const upload = new Upload(input, {
      endpoint: options.endpoint,
      uploadSize: options.size,
      uploadLengthDeferred: options.deferLength ?? false,
      chunkSize: options.chunkSize,
      retryDelays: options.retryDelays ?? RETRY_DELAYS,
      metadata: { bucket: options.bucket, name: options.key, ...(options.overwrite ? { overwrite: 'true' } : {}) },
      headers: { ...options.headers, ...(options.sha256 ? { 'Pail-Upload-Sha256': options.sha256 } : {}) },
      storeFingerprintForResuming: false,
      onBeforeRequest: (request) => {
        const method = request.getMethod();
        requests[method] = (requests[method] ?? 0) + 1;
      },
      onAfterResponse: (request, response) => {
        const key = `${request.getMethod()} ${response.getStatus()}`;
        responses[key] = (responses[key] ?? 0) + 1;
      },
      onUploadUrlAvailable: () => options.onUrl?.(upload.url ?? ''),
      onChunkComplete: (_size, held) => options.onChunk?.(held),
      onShouldRetry: (err: DetailedError) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        const retry = status === 0 || status >= 500 || status === 409 || status === 423;
        if (retry) retries++;
        return retry;
      },
      onSuccess: ({ lastResponse }) => {
        clearTimeout(timer);
        resolve({ digest: lastResponse.getHeader('Pail-Upload-Sha256') ?? null, retries, requests, responses });
      },
      onError: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    });
    const timer = setTimeout(() => {
      void upload.abort();
      reject(new Error(`the tus upload did not finish within ${options.timeoutMs} ms (${retries} retries)`));
    }, options.timeoutMs);
    upload.start();
  });
}
