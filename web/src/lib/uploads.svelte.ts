import type { FileInfo } from '../../../shared/protocol/types.ts';
import { isFolderKey, keyProblem } from '../../../shared/protocol/names.ts';
import { createFolder } from '../api/buckets.ts';
import { ApiError } from '../api/http.ts';
import { isTransient, ResumableUpload } from '../api/tus-upload.ts';
import { announcer } from './announcer.svelte.ts';
import { plural } from './format.ts';
import { MAX_ATTEMPTS, retryDelay } from './retry-delay.ts';

/**
 * `exists`: the name is taken, overwrite or keep? `kept`: the person chose to keep the stored file.
 * `retrying`: the connection, the gateway or the bucket server is gone; it goes on by itself.
 * `paused`: paused by hand.
 */
export type UploadState = 'queued' | 'uploading' | 'retrying' | 'paused' | 'done' | 'failed' | 'exists' | 'kept' | 'cancelled';

/** Files sent at once; the rest wait their turn. */
export const CONCURRENCY = 3;

let nextId = 1;

/** What to send where: a file and its key (the open folder's prefix, then its path inside what was dropped). */
export interface UploadItem {
  readonly key: string;
  readonly file: Blob;
}

/** One file on its way: bytes sent, speed and time left, come from the request's upload events. */
export class Upload {
  readonly id = nextId++;
  readonly bucket: string;
  readonly key: string;
  readonly file: Blob;
  state = $state<UploadState>('queued');
  loaded = $state(0);
  total = $state(0);
  /** Bytes per second, smoothed. */
  speed = $state(0);
  error = $state('');
  /** Why it is waiting and when it tries again, while `retrying`. */
  note = $state('');
  /** The server's SHA-256 of the stored file, equal to the one computed here. */
  verified = $state('');
  /** Bytes the server already held when this upload took up one begun before (a reload), or null. */
  resumedAt = $state<number | null>(null);
  /** Whether sending it again may succeed: not for a name the rules refuse. */
  retryable = $state(true);
  overwrite = false;
  transfer: ResumableUpload | null = null;
  /** Failed attempts in a row without a byte gained. */
  attempts = 0;
  heldAtFailure = 0;
  /** Stops the wait for the next attempt (its timer and its online listener). */
  wake: (() => void) | null = null;
  #last = { time: 0, loaded: 0 };

  readonly remaining = $derived(this.speed > 0 ? (this.total - this.loaded) / this.speed : Number.NaN);
  readonly finished = $derived(
    this.state === 'done' || this.state === 'failed' || this.state === 'cancelled' || this.state === 'exists' || this.state === 'kept',
  );

  constructor(bucket: string, item: UploadItem) {
    this.bucket = bucket;
    this.key = item.key;
    this.file = item.file;
    this.total = item.file.size;
  }

  started(now: number): void {
    this.state = 'uploading';
    this.speed = 0;
    this.error = '';
    this.#last = { time: now, loaded: this.loaded };
  }

  progress(loaded: number, total: number, now: number): void {
    if (this.state === 'retrying') this.state = 'uploading';
    this.loaded = loaded;
    this.total = total;
    const elapsed = (now - this.#last.time) / 1000;
    if (elapsed >= 0.2) {
      const rate = Math.max(0, loaded - this.#last.loaded) / elapsed;
      this.speed = this.speed === 0 ? rate : this.speed * 0.7 + rate * 0.3;
      this.#last = { time: now, loaded };
    }
  }
}

/**
 * The upload queue: bounded concurrency, per-file progress, pause, resume,
 * cancel, overwrite on request, retries by itself while the network or a
 * server is away, a summary at the end.
 */
class UploadQueue {
  items = $state<Upload[]>([]);
  /** Bumped whenever an upload is stored, discarded or begun, so the list of unfinished ones is read again. */
  generation = $state(0);
  #onStored: (file: FileInfo) => void = () => {};
  #known: (bucket: string, name: string) => boolean = () => false;

  readonly busy = $derived(this.items.some((u) => !u.finished));
  readonly counts = $derived.by(() => {
    const counts: Record<UploadState, number> = { queued: 0, uploading: 0, retrying: 0, paused: 0, done: 0, failed: 0, exists: 0, kept: 0, cancelled: 0 };
    for (const u of this.items) counts[u.state]++;
    return counts;
  });
  readonly summary = $derived.by(() => {
    if (this.items.length === 0 || this.busy) return '';
    const c = this.counts;
    // An empty folder of a dropped tree travels as an explicit folder: counted as what it is.
    const folders = this.items.filter((u) => u.state === 'done' && isFolderKey(u.key)).length;
    const parts = [`${plural(c.done - folders, 'file')} uploaded`];
    if (folders) parts.push(`${plural(folders, 'empty folder')} created`);
    if (c.failed) parts.push(`${c.failed} failed`);
    if (c.exists) parts.push(`${c.exists} already ${c.exists === 1 ? 'exists' : 'exist'} (overwrite or keep?)`);
    if (c.kept) parts.push(`${plural(c.kept, 'existing file')} kept`);
    if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
    return parts.join(', ');
  });

  /** Called with each stored file, so the table shows it before the change event arrives. */
  onStored(callback: (file: FileInfo) => void): void {
    this.#onStored = callback;
  }

  /**
   * Tells the queue which names the open bucket already holds, so the overwrite
   * question is asked before any byte is sent. The server still has the last
   * word: a name that appeared meanwhile is refused by it and offered the same way.
   */
  knownFiles(known: (bucket: string, key: string) => boolean): void {
    this.#known = known;
  }

  add(bucket: string, list: Iterable<UploadItem>): void {
    const added: Upload[] = [];
    for (const item of list) {
      const upload = new Upload(bucket, item);
      const problem = keyProblem(item.key);
      if (problem) {
        upload.state = 'failed';
        upload.retryable = false;
        upload.error = `Not uploaded: ${problem}`;
      } else if (this.#known(bucket, item.key)) {
        upload.state = 'exists';
        upload.error = `${item.key} already exists`;
      }
      added.push(upload);
    }
    if (added.length === 0) return;
    // Start a new batch's summary afresh once the previous batch is over.
    if (!this.busy) this.items = this.items.filter((u) => u.state === 'exists');
    this.items.push(...added);
    announcer.say(`${plural(added.length, 'file')} added to the upload queue`);
    this.#pump();
    if (!this.busy) this.#finishedOne();
  }

  /** Stops the upload and deletes what the server holds of it. */
  cancel(upload: Upload): void {
    if (upload.state === 'queued' && !upload.transfer) {
      upload.state = 'cancelled';
      upload.error = 'Cancelled';
      this.#finishedOne();
      return;
    }
    if (upload.finished) return;
    upload.state = 'cancelled';
    upload.error = 'Cancelled';
    this.#stopWaiting(upload);
    const transfer = upload.transfer;
    upload.transfer = null;
    void transfer?.discard().finally(() => this.generation++);
    this.#settled();
  }

  /** Pause by hand: the request on its way is stopped; what the server holds stays for Resume. */
  pause(upload: Upload): void {
    if (upload.state !== 'uploading' && upload.state !== 'retrying') return;
    upload.state = 'paused';
    upload.note = '';
    this.#stopWaiting(upload);
    void upload.transfer?.pause();
    this.#pump();
  }

  resume(upload: Upload): void {
    if (upload.state !== 'paused') return;
    upload.state = 'queued';
    this.#pump();
  }

  /** "Keep existing": the stored file stays; this one is not sent. */
  keep(upload: Upload): void {
    if (upload.state !== 'exists') return;
    upload.state = 'kept';
    upload.error = '';
    this.#finishedOne();
  }

  /** Sends a failed upload again, from where the server is (or from the start if it holds nothing). */
  retry(upload: Upload): void {
    if (upload.state !== 'failed' || !upload.retryable) return;
    upload.state = 'queued';
    upload.error = '';
    upload.attempts = 0;
    this.#pump();
  }

  overwrite(upload: Upload): void {
    if (upload.state !== 'exists') return;
    upload.overwrite = true;
    // An upload begun without overwrite cannot complete over the stored file: a new one is begun.
    upload.transfer = null;
    upload.loaded = 0;
    upload.state = 'queued';
    upload.error = '';
    this.#pump();
  }

  cancelAll(): void {
    for (const u of this.items) {
      if (u.state === 'exists') this.keep(u);
      else this.cancel(u);
    }
  }

  clear(): void {
    this.items = this.items.filter((u) => !u.finished || u.state === 'exists');
  }

  #active(): number {
    return this.items.filter((u) => u.state === 'uploading' || u.state === 'retrying').length;
  }

  #pump(): void {
    while (this.#active() < CONCURRENCY) {
      const next = this.items.find((u) => u.state === 'queued');
      if (!next) return;
      this.#start(next);
    }
  }

  #start(upload: Upload): void {
    upload.started(performance.now());
    // An empty folder of a dropped tree has no bytes to resume: it is made with a plain PUT.
    if (isFolderKey(upload.key)) {
      createFolder(upload.bucket, upload.key).then(
        (stored) => this.#stored(upload, stored, false),
        (err: unknown) => this.#failed(upload, err instanceof ApiError ? err : ApiError.unreachable(String(err))),
      );
      return;
    }
    upload.transfer ??= new ResumableUpload(
      upload.bucket,
      upload.key,
      upload.file,
      { overwrite: upload.overwrite },
      {
        onProgress: (sent, total) => {
          upload.resumedAt ??= upload.transfer?.resumedAt || null;
          upload.progress(sent, total, performance.now());
        },
        onStored: (stored) => this.#stored(upload, { bucket: upload.bucket, name: upload.key, modified: new Date().toISOString(), ...stored }, true),
        onError: (error) => this.#failed(upload, error),
      },
    );
    upload.transfer.start().then(
      () => this.generation++,
      (err: unknown) => this.#failed(upload, new ApiError(0, { code: 0, mnemonic: '', reason: 'internal', message: `Could not start the upload: ${String(err)}` })),
    );
  }

  /** `verified`: the server's SHA-256 was checked against the one computed here. */
  #stored(upload: Upload, stored: FileInfo, verified: boolean): void {
    if (upload.state !== 'uploading' && upload.state !== 'retrying') return;
    upload.loaded = upload.total;
    upload.state = 'done';
    upload.note = '';
    if (verified) upload.verified = stored.sha256;
    upload.resumedAt ??= upload.transfer?.resumedAt || null;
    upload.transfer = null;
    this.generation++;
    this.#onStored(stored);
    this.#settled();
  }

  #failed(upload: Upload, error: ApiError): void {
    if (upload.state !== 'uploading' && upload.state !== 'retrying') return;
    if (isTransient(error)) {
      this.#retryLater(upload, error);
      return;
    }
    upload.note = '';
    if (error.reason === 'exists' && !upload.overwrite) {
      upload.state = 'exists';
      upload.error = error.message;
      // The session (if the refusal came at completion) can never complete: it goes.
      void upload.transfer?.discard();
      upload.transfer = null;
    } else {
      upload.state = 'failed';
      upload.error = error.message;
      if (error.reason === 'checksum-mismatch') {
        // The gateway aborted the session: a retry begins a new one, and reads the file afresh.
        void upload.transfer?.forget().finally(() => this.generation++);
        upload.transfer = null;
      }
    }
    this.generation++;
    this.#settled();
  }

  /** Waits (longer each time), or until the browser is back online, then resumes where the server is. */
  #retryLater(upload: Upload, error: ApiError): void {
    if (upload.loaded > upload.heldAtFailure) upload.attempts = 0;
    upload.heldAtFailure = upload.loaded;
    upload.attempts++;
    if (upload.attempts > MAX_ATTEMPTS) {
      upload.state = 'failed';
      upload.note = '';
      upload.error = `${error.message} (gave up after ${MAX_ATTEMPTS} attempts)`;
      this.#settled();
      return;
    }
    upload.state = 'retrying';
    const offline = navigator.onLine === false;
    const delay = retryDelay(upload.attempts);
    upload.note = offline
      ? 'Paused: this browser is offline; it goes on when the network is back.'
      : `Paused: ${error.message}. Trying again in ${Math.round(delay / 1000)} s.`;
    announcer.say(`Upload of ${upload.key} paused: ${offline ? 'offline' : error.message}`);
    const go = () => {
      this.#stopWaiting(upload);
      if (upload.state !== 'retrying') return;
      // Still offline: no attempt is spent; coming back online wakes it.
      if (navigator.onLine === false) return this.#waitFor(upload, go, null);
      upload.note = 'Resuming…';
      this.#start(upload);
    };
    this.#waitFor(upload, go, offline ? null : delay);
  }

  /** Calls `go` when the browser comes back online, or after `delay` ms (when not null), whichever is first. */
  #waitFor(upload: Upload, go: () => void, delay: number | null): void {
    const timer = delay === null ? undefined : setTimeout(go, delay);
    window.addEventListener('online', go, { once: true });
    upload.wake = () => {
      clearTimeout(timer);
      window.removeEventListener('online', go);
    };
  }

  #stopWaiting(upload: Upload): void {
    upload.wake?.();
    upload.wake = null;
  }

  #settled(): void {
    this.#finishedOne();
    this.#pump();
  }

  #finishedOne(): void {
    if (this.summary) announcer.say(`Uploads finished: ${this.summary}`);
  }
}

export const uploads = new UploadQueue();
