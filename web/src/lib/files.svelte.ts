import type { FileInfo, PailEvent } from '../../../shared/protocol/types.ts';
import * as api from '../api/buckets.ts';
import { ApiError } from '../api/http.ts';
import { connection } from './connection.svelte.ts';

export type SortKey = 'name' | 'size' | 'modified' | 'sha256';
export type SortDirection = 'ascending' | 'descending';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const compare: Record<SortKey, (a: FileInfo, b: FileInfo) => number> = {
  name: (a, b) => collator.compare(a.name, b.name),
  size: (a, b) => a.size - b.size || collator.compare(a.name, b.name),
  modified: (a, b) => a.modified.localeCompare(b.modified) || collator.compare(a.name, b.name),
  sha256: (a, b) => a.sha256.localeCompare(b.sha256),
};

/** How many rows are drawn at first; thousands of files stay quick because the rest wait for "Show more". */
export const PAGE = 250;

/** The files of the open bucket, sorted and filtered for the table. */
class FileStore {
  bucket = $state<string | null>(null);
  /** Raw: replaced whole on change, so thousands of rows are never deeply proxied. */
  files = $state.raw<readonly FileInfo[]>([]);
  loading = $state(false);
  error = $state<ApiError | null>(null);
  sortKey = $state<SortKey>('name');
  direction = $state<SortDirection>('ascending');
  filter = $state('');
  shown = $state(PAGE);
  #generation = 0;
  /** Changes seen while a listing is on its way; applied again on top of it, which may predate them. */
  #sinceListing: PailEvent[] | null = null;

  readonly visible = $derived.by(() => {
    const needle = this.filter.trim().toLocaleLowerCase();
    const matching = needle ? this.files.filter((f) => f.name.toLocaleLowerCase().includes(needle)) : this.files;
    const order = compare[this.sortKey];
    const sign = this.direction === 'ascending' ? 1 : -1;
    return matching.toSorted((a, b) => sign * order(a, b));
  });

  readonly totalBytes = $derived(this.files.reduce((sum, f) => sum + f.size, 0));

  open(bucket: string): void {
    if (this.bucket === bucket) return;
    this.bucket = bucket;
    this.files = [];
    this.filter = '';
    this.shown = PAGE;
    this.error = null;
    void this.refresh();
  }

  close(): void {
    this.bucket = null;
    this.files = [];
    this.error = null;
  }

  async refresh(): Promise<void> {
    const bucket = this.bucket;
    if (bucket === null) return;
    const generation = ++this.#generation;
    this.loading = true;
    this.#sinceListing = [];
    try {
      const files = await api.listFiles(bucket);
      if (generation !== this.#generation) return;
      this.files = files;
      this.error = null;
      for (const event of this.#sinceListing ?? []) if (event.kind !== 'bucket-created') this.#apply(event);
    } catch (err) {
      if (generation !== this.#generation) return;
      this.error = err instanceof ApiError ? err : ApiError.unreachable(String(err));
      if (this.error.reason === 'unreachable' && this.error.status === 502) connection.serverState(false, this.error.message);
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.#sinceListing = null;
      }
    }
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.direction = this.direction === 'ascending' ? 'descending' : 'ascending';
    else {
      this.sortKey = key;
      this.direction = 'ascending';
    }
  }

  /** A file this page stored: shown at once, before its change event arrives. */
  upsert(file: FileInfo): void {
    this.apply({ kind: 'file-uploaded', bucket: file.bucket, file });
  }

  async remove(name: string): Promise<void> {
    const bucket = this.bucket;
    if (bucket === null) return;
    await api.deleteFile(bucket, name);
    this.apply({ kind: 'file-deleted', bucket, name });
  }

  /** Applies a change event from the bucket server to the open bucket. */
  apply(event: PailEvent): void {
    if (event.bucket !== this.bucket) return;
    this.#sinceListing?.push(event);
    this.#apply(event);
  }

  #apply(event: PailEvent): void {
    switch (event.kind) {
      case 'file-uploaded': {
        const file = { ...event.file, bucket: event.bucket };
        this.files = [...this.files.filter((f) => f.name !== file.name), file];
        break;
      }
      case 'file-deleted':
        this.files = this.files.filter((f) => f.name !== event.name);
        break;
      case 'bucket-deleted':
        this.files = [];
        this.error = new ApiError(404, { code: 0, mnemonic: '', reason: 'no-such-bucket', message: `The bucket ${event.bucket} was deleted` });
        break;
      case 'bucket-created':
        void this.refresh();
        break;
    }
  }
}

export const files = new FileStore();
