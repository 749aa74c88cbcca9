import { defaultOptions, DetailedError, Upload as TusUpload, type HttpRequest, type HttpResponse, type PreviousUpload } from 'tus-js-client';
import { ApiError, errorFrom, noteStatus } from './http.ts';
import { digestFile, type FileDigest } from './file-digest.ts';

/** The gateway's tus endpoint. */
export const TUS_ENDPOINT = '/api/uploads';
/**
 * Bytes per PATCH: what a lost connection can cost at most. 8 MiB is a
 * fraction of a second on a LAN and a few seconds on a slow uplink, and
 * keeps a 1 GiB file to 128 requests.
 */
export const CHUNK_SIZE = 8 * 1024 * 1024;
/** The whole file's SHA-256: sent by the browser with the completing request, answered by the gateway. */
const DIGEST_HEADER = 'Pail-Upload-Sha256';
/** Fingerprints of Pail's uploads start so, telling them from other tus uploads in localStorage. */
export const FINGERPRINT_PREFIX = 'pail-upload';

/**
 * The fingerprint a stored upload is found by: bucket, key, size and
 * modification time, so the same file picked or dropped again after a
 * reload resumes the same upload. Encoded, so no name can contain tus's `::`.
 */
export function uploadFingerprint(bucket: string, key: string, file: Blob): string {
  const modified = file instanceof File ? file.lastModified : 0;
  return [FINGERPRINT_PREFIX, encodeURIComponent(bucket), encodeURIComponent(key), file.size, modified].join('|');
}

/** The failure of a request: the gateway's refusal, or a lost connection (status 0). */
function failureOf(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DetailedError) {
    if (err.causingError instanceof ApiError) return err.causingError;
    const response = err.originalResponse;
    if (response) {
      let body: unknown;
      try {
        body = JSON.parse(response.getBody());
      } catch {
        body = null;
      }
      return errorFrom(response.getStatus(), body, `The gateway answered ${response.getStatus()}`);
    }
    return ApiError.unreachable('The upload lost its connection to the gateway');
  }
  return ApiError.unreachable(err instanceof Error ? err.message : String(err));
}

/** Reasons that pass by themselves: a server away or busy, a slow link, an offset the next HEAD corrects. */
const PASSING_REASONS = new Set(['too-many-connections', 'shutting-down', 'idle-timeout', 'too-slow', 'too-many-requests', 'part-conflict', 'incomplete']);

/**
 * Whether sending again later may succeed without anyone doing anything: a
 * lost connection, a gateway or bucket server that is down or busy, an
 * offset the server holds differently (the next HEAD says where to go on).
 * A refusal (no room, no bucket, a name taken, a digest that differs) is not.
 */
export function isTransient(error: ApiError): boolean {
  // `unreachable` is also any reply that is not the gateway's JSON: a proxy's error page says by its status.
  if (error.reason === 'unreachable') return error.status === 0 || error.status >= 500;
  return PASSING_REASONS.has(error.reason);
}

export interface ResumableEvents {
  onProgress(sent: number, total: number): void;
  /** Every byte is stored and the file is in place; `sha256` is the server's digest, equal to the browser's. */
  onStored(stored: { size: number; sha256: string }): void;
  onError(error: ApiError): void;
}

/**
 * One file's tus upload through the gateway, in CHUNK_SIZE PATCHes, found
 * again after a reload by its fingerprint. Its SHA-256 is computed in a
 * worker while it is sent; the request that can complete the upload (the
 * last PATCH, a HEAD that may find every byte held, the creation of an
 * empty file) waits for it and carries it, so the bucket server refuses a
 * file whose bytes differ and nothing appears. Retrying is the caller's:
 * `start` again resumes where the server is (HEAD).
 */
export class ResumableUpload {
  readonly #file: Blob;
  readonly #events: ResumableEvents;
  readonly #tus: TusUpload;
  readonly #fingerprint: string;
  #digest: FileDigest | null = null;
  #looked = false;
  /** Paused or discarded: a start still looking for an earlier upload must not go on. */
  #stopped = false;
  /** Bytes held by the server when the upload was resumed from an earlier visit, or null. */
  resumedAt: number | null = null;

  constructor(bucket: string, key: string, file: Blob, options: { overwrite: boolean }, events: ResumableEvents) {
    this.#file = file;
    this.#events = events;
    this.#fingerprint = uploadFingerprint(bucket, key, file);
    const metadata: Record<string, string> = { bucket, name: key };
    if (options.overwrite) metadata.overwrite = 'true';
    this.#tus = new TusUpload(file, {
      endpoint: TUS_ENDPOINT,
      chunkSize: CHUNK_SIZE,
      metadata,
      // Retries are the queue's, which can wait for the network and say so.
      retryDelays: null,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fingerprint: async () => this.#fingerprint,
      onBeforeRequest: (req) => this.#beforeRequest(req),
      onAfterResponse: (req, res) => this.#afterResponse(req, res),
      onProgress: (sent, total) => events.onProgress(sent, total),
      onSuccess: ({ lastResponse }) => this.#succeeded(lastResponse),
      onError: (err) => events.onError(failureOf(err)),
    });
  }

  /** Starts or resumes: the first time, an upload stored under the same fingerprint is taken up where the server is. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#digest ??= digestFile(this.#file);
    if (!this.#looked) {
      this.#looked = true;
      const previous = await this.#tus.findPreviousUploads().catch(() => [] as PreviousUpload[]);
      const newest = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
      if (newest) {
        this.#tus.resumeFromPreviousUpload(newest);
        this.resumedAt = 0;
      }
    }
    if (!this.#stopped) this.#tus.start();
  }

  /** Stops sending; the bytes the server holds stay there for `start`. */
  pause(): Promise<void> {
    this.#stopped = true;
    return this.#tus.abort(false);
  }

  /** Stops and deletes the upload on the server (DELETE), and forgets it. */
  async discard(): Promise<void> {
    this.#stopped = true;
    this.#digest?.cancel();
    await this.#tus.abort(true).catch(() => undefined);
  }

  /**
   * Forgets an upload the server no longer has (it aborts one whose digest
   * differs): the stored URL goes, so sending the file again begins anew.
   */
  async forget(): Promise<void> {
    this.#stopped = true;
    this.#digest?.cancel();
    await this.#tus.abort(false);
    const storage = defaultOptions.urlStorage;
    const stored = await storage.findUploadsByFingerprint(this.#fingerprint);
    await Promise.all(stored.map((upload) => storage.removeUpload(upload.urlStorageKey)));
  }

  async #beforeRequest(req: HttpRequest): Promise<void> {
    if (!this.#completes(req)) return;
    this.#digest ??= digestFile(this.#file);
    let sha256: string;
    try {
      sha256 = await this.#digest.sha256;
    } catch (err) {
      // Not a passing trouble: without its digest the file cannot be verified, so it is not completed.
      throw new ApiError(0, { code: 0, mnemonic: '', reason: 'digest-failed', message: err instanceof Error ? err.message : String(err) });
    }
    req.setHeader(DIGEST_HEADER, sha256);
  }

  /** Whether this request may complete the upload, so must carry the digest. */
  #completes(req: HttpRequest): boolean {
    const method = req.getMethod();
    if (method === 'HEAD') return true;
    if (method === 'POST') return this.#file.size === 0;
    if (method !== 'PATCH') return false;
    const offset = Number(req.getHeader('Upload-Offset'));
    return offset + CHUNK_SIZE >= this.#file.size;
  }

  #afterResponse(req: HttpRequest, res: HttpResponse): void {
    const status = res.getStatus();
    noteStatus(status);
    if (req.getMethod() === 'HEAD') {
      // tus-js-client would start a new upload on any failed HEAD; a gateway or bucket server that is
      // down says nothing about the upload, so that is an error to retry, not a reason to start over.
      if (status === 429) throw new ApiError(status, { code: 0, mnemonic: '', reason: 'too-many-requests', message: 'Too many requests' });
      if (status >= 500) throw ApiError.unreachable(`The gateway answered ${status} when asked how much of the upload it holds`, status);
      const held = Number(res.getHeader('Upload-Offset'));
      if (status === 200 && this.resumedAt === 0 && Number.isSafeInteger(held)) this.resumedAt = held;
    }
  }

  #succeeded(response: HttpResponse): void {
    const server = response.getHeader(DIGEST_HEADER)?.trim().toLowerCase();
    const digest = this.#digest?.sha256 ?? Promise.reject(new Error('no digest'));
    void digest.then(
      (mine) => {
        if (server && server === mine) this.#events.onStored({ size: this.#file.size, sha256: server });
        else {
          const said = server ? `the server's is ${server}` : 'the server did not say its digest';
          this.#events.onError(new ApiError(0, { code: 0, mnemonic: '', reason: 'checksum-mismatch', message: `Not verified: the file's SHA-256 is ${mine}, ${said}` }));
        }
      },
      (err: unknown) => this.#events.onError(failureOf(err)),
    );
  }
}

/** The uploads this browser began and has not finished, as tus-js-client stored them in localStorage. */
export interface UnfinishedUpload {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly created: string;
  readonly url: string;
  readonly storageKey: string;
}

export async function unfinishedUploads(): Promise<UnfinishedUpload[]> {
  const stored = await defaultOptions.urlStorage.findAllUploads();
  const found: UnfinishedUpload[] = [];
  for (const upload of stored) {
    const { bucket, name } = upload.metadata ?? {};
    if (!upload.urlStorageKey.startsWith(`tus::${FINGERPRINT_PREFIX}|`) || !bucket || !name || !upload.uploadUrl) continue;
    found.push({ bucket, key: name, size: upload.size ?? 0, created: upload.creationTime, url: upload.uploadUrl, storageKey: upload.urlStorageKey });
  }
  return found.sort((a, b) => a.created.localeCompare(b.created));
}

/** Deletes an unfinished upload on the server (DELETE) and forgets it; one the server no longer has is forgotten all the same. */
export async function discardUnfinished(upload: UnfinishedUpload): Promise<void> {
  try {
    await TusUpload.terminate(upload.url, { retryDelays: null, onAfterResponse: (_req, res) => noteStatus(res.getStatus()) });
  } catch (err) {
    const error = failureOf(err);
    if (error.status !== 404) throw error;
  }
  await defaultOptions.urlStorage.removeUpload(upload.storageKey);
}
