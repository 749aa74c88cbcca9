import type { FileInfo } from '../../../shared/protocol/types.ts';
import { keyProblem } from '../../../shared/protocol/names.ts';
import { ApiError } from '../api/http.ts';
import { uploadFile, type UploadHandle } from '../api/upload.ts';
import { announcer } from './announcer.svelte.ts';
import { plural } from './format.ts';

/** `exists`: the name is taken, overwrite or keep? `kept`: the person chose to keep the stored file. */
export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'exists' | 'kept' | 'cancelled';

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
  /** Whether sending it again may succeed: not for a name the rules refuse. */
  retryable = $state(true);
  overwrite = false;
  handle: UploadHandle | null = null;
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
    this.loaded = 0;
    this.speed = 0;
    this.error = '';
    this.#last = { time: now, loaded: 0 };
  }

  progress(loaded: number, total: number, now: number): void {
    this.loaded = loaded;
    this.total = total;
    const elapsed = (now - this.#last.time) / 1000;
    if (elapsed >= 0.2) {
      const rate = (loaded - this.#last.loaded) / elapsed;
      this.speed = this.speed === 0 ? rate : this.speed * 0.7 + rate * 0.3;
      this.#last = { time: now, loaded };
    }
  }
}

/** The upload queue: bounded concurrency, per-file progress, cancel, overwrite on request, a summary at the end. */
class UploadQueue {
  items = $state<Upload[]>([]);
  #active = 0;
  #onStored: (file: FileInfo) => void = () => {};
  #known: (bucket: string, name: string) => boolean = () => false;

  readonly busy = $derived(this.items.some((u) => !u.finished));
  readonly counts = $derived.by(() => {
    const counts: Record<UploadState, number> = { queued: 0, uploading: 0, done: 0, failed: 0, exists: 0, kept: 0, cancelled: 0 };
    for (const u of this.items) counts[u.state]++;
    return counts;
  });
  readonly summary = $derived.by(() => {
    if (this.items.length === 0 || this.busy) return '';
    const c = this.counts;
    // An empty folder of a dropped tree travels as an explicit folder: counted as what it is.
    const folders = this.items.filter((u) => u.state === 'done' && u.key.endsWith('/')).length;
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

  cancel(upload: Upload): void {
    if (upload.state === 'uploading') upload.handle?.cancel();
    else if (upload.state === 'queued') {
      upload.state = 'cancelled';
      upload.error = 'Cancelled';
      this.#finishedOne();
    }
  }

  /** "Keep existing": the stored file stays; this one is not sent. */
  keep(upload: Upload): void {
    if (upload.state !== 'exists') return;
    upload.state = 'kept';
    upload.error = '';
    this.#finishedOne();
  }

  /** Sends a failed upload again, from its first byte. */
  retry(upload: Upload): void {
    if (upload.state !== 'failed' || !upload.retryable) return;
    upload.state = 'queued';
    upload.loaded = 0;
    upload.error = '';
    this.#pump();
  }

  overwrite(upload: Upload): void {
    if (upload.state !== 'exists') return;
    upload.overwrite = true;
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

  #pump(): void {
    while (this.#active < CONCURRENCY) {
      const next = this.items.find((u) => u.state === 'queued');
      if (!next) return;
      this.#start(next);
    }
  }

  #start(upload: Upload): void {
    this.#active++;
    upload.started(performance.now());
    upload.handle = uploadFile(upload.bucket, upload.key, upload.file, {
      overwrite: upload.overwrite,
      onProgress: ({ loaded, total }) => upload.progress(loaded, total, performance.now()),
    });
    upload.handle.done.then(
      (stored) => {
        upload.loaded = upload.total;
        upload.state = 'done';
        this.#onStored(stored);
      },
      (err: unknown) => {
        const error = err instanceof ApiError ? err : ApiError.unreachable(String(err));
        if (error.reason === 'aborted') {
          upload.state = 'cancelled';
          upload.error = 'Cancelled';
        } else if (error.reason === 'exists' && !upload.overwrite) {
          upload.state = 'exists';
          upload.error = error.message;
        } else {
          upload.state = 'failed';
          upload.error = error.message;
        }
      },
    ).finally(() => {
      upload.handle = null;
      this.#active--;
      this.#finishedOne();
      this.#pump();
    });
  }

  #finishedOne(): void {
    if (this.summary) announcer.say(`Uploads finished: ${this.summary}`);
  }
}

export const uploads = new UploadQueue();
