import { compareKeys } from '../../../shared/protocol/names.ts';
import type { ListedFile, PailEvent } from '../../../shared/protocol/types.ts';
import * as api from '../api/buckets.ts';
import { ApiError } from '../api/http.ts';
import { connection } from './connection.svelte.ts';
import { findKey, insertKey } from './sorted-keys.ts';

export type SortKey = 'name' | 'size' | 'modified' | 'sha256';
export type SortDirection = 'ascending' | 'descending';

/** A row of the open folder: a folder one level down (its files are not counted) or a file. */
export type Row = { readonly kind: 'folder'; readonly key: string } | { readonly kind: 'file'; readonly key: string; readonly file: ListedFile };

/** Rows asked for at once as the table scrolls. */
export const PAGE_SIZE = 1000;

const byFile: Record<Exclude<SortKey, 'name'>, (a: ListedFile, b: ListedFile) => number> = {
  size: (a, b) => a.size - b.size || compareKeys(a.name, b.name),
  modified: (a, b) => a.modified.localeCompare(b.modified) || compareKeys(a.name, b.name),
  sha256: (a, b) => (a.sha256 ?? '').localeCompare(b.sha256 ?? '') || compareKeys(a.name, b.name),
};

/**
 * One folder level of the open bucket, read a page at a time with
 * `delimiter=/` as the table scrolls: folders and files each kept in key byte
 * order as they arrive. `next` is where the listing goes on; a key after it is
 * not loaded yet, so a change there is left for the page that will bring it.
 */
class FileStore {
  bucket = $state<string | null>(null);
  /** The open folder: '' for the bucket's top, else a prefix ending in `/`. */
  prefix = $state('');
  /** What the filter box holds: the server lists only names in this folder starting with it. */
  filter = $state('');
  /** Raw: replaced whole on change, so a hundred thousand rows are never deeply proxied. */
  folders = $state.raw<readonly Row[]>([]);
  files = $state.raw<readonly Row[]>([]);
  /** Where the listing goes on, or null once the last page is in. */
  next = $state<string | null>(null);
  complete = $state(false);
  loading = $state(false);
  error = $state<ApiError | null>(null);
  sortKey = $state<SortKey>('name');
  direction = $state<SortDirection>('ascending');
  /** The prefix the loaded rows were listed with (the folder and the filter). */
  #query = '';
  #generation = 0;
  #inFlight: Promise<void> | null = null;
  #abort: AbortController | null = null;
  /** Changes seen while a page is on its way: applied again on top of it, which may predate them. */
  #sinceListing: PailEvent[] | null = null;
  #filterTimer: ReturnType<typeof setTimeout> | undefined;
  #emptyChecks = new Map<string, ReturnType<typeof setTimeout>>();

  /** Folders first, then files; by key byte order unless another column is chosen (which orders only what is loaded). */
  readonly rows = $derived.by((): readonly Row[] => {
    const descending = this.direction === 'descending';
    const folders = descending ? this.folders.toReversed() : this.folders;
    let files = this.files;
    if (this.sortKey !== 'name') {
      const order = byFile[this.sortKey];
      files = files.toSorted((a, b) => order((a as FileRow).file, (b as FileRow).file));
    }
    if (descending) files = files.toReversed();
    return folders.length === 0 ? files : folders.concat(files);
  });

  readonly loadedBytes = $derived(this.files.reduce((sum, row) => sum + (row as FileRow).file.size, 0));

  /** Opens a bucket's folder; a different folder forgets the rows, the filter and the position. */
  open(bucket: string, prefix: string): void {
    if (this.bucket === bucket && this.prefix === prefix) return;
    this.bucket = bucket;
    this.prefix = prefix;
    this.filter = '';
    this.error = null;
    void this.refresh();
  }

  close(): void {
    this.#generation++;
    this.#abort?.abort();
    this.bucket = null;
    this.#reset();
    this.error = null;
  }

  /** The filter box changed: list again with it as the prefix, once typing pauses. */
  setFilter(text: string): void {
    this.filter = text;
    clearTimeout(this.#filterTimer);
    this.#filterTimer = setTimeout(() => {
      if (this.prefix + this.filter !== this.#query) void this.refresh();
    }, 200);
  }

  /** Lists the folder again from its first page. */
  async refresh(): Promise<void> {
    this.#generation++;
    this.#abort?.abort();
    this.#inFlight = null;
    this.#reset();
    this.#query = this.prefix + this.filter;
    await this.loadMore();
  }

  /** Asks for the next page, unless one is on its way or the last is in. */
  loadMore(): Promise<void> {
    if (this.bucket === null || this.complete) return Promise.resolve();
    if (this.#inFlight) return this.#inFlight;
    const loading: Promise<void> = this.#loadPage(this.bucket).finally(() => {
      // A refresh may have started another page meanwhile: that one is not this one's to clear.
      if (this.#inFlight === loading) this.#inFlight = null;
    });
    this.#inFlight = loading;
    return loading;
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.direction = this.direction === 'ascending' ? 'descending' : 'ascending';
    else {
      this.sortKey = key;
      this.direction = 'ascending';
    }
  }

  /** Whether a file of this key is among the loaded rows. */
  has(key: string): boolean {
    return findKey(this.files, key) >= 0;
  }

  /** A file this page stored: shown at once, before its change event arrives. */
  upsert(file: ListedFile): void {
    this.apply({ kind: 'file-uploaded', bucket: file.bucket, file: { ...file, sha256: file.sha256 ?? '' } });
  }

  async remove(key: string): Promise<void> {
    const bucket = this.bucket;
    if (bucket === null) return;
    await api.deleteFile(bucket, key);
    this.apply({ kind: 'file-deleted', bucket, name: key });
  }

  /** Drops a folder row at once (its keys were all deleted); a listing later says the truth anyway. */
  forgetFolder(folder: string): void {
    this.folders = this.folders.filter((row) => row.key !== folder);
  }

  /** Applies a change event from the bucket server to the open folder. */
  apply(event: PailEvent): void {
    if (event.bucket !== this.bucket) return;
    this.#sinceListing?.push(event);
    this.#apply(event);
  }

  async #loadPage(bucket: string): Promise<void> {
    const generation = this.#generation;
    const abort = new AbortController();
    this.#abort = abort;
    this.loading = true;
    this.#sinceListing = [];
    try {
      const page = await api.listPage(bucket, {
        prefix: this.#query,
        delimiter: '/',
        after: this.next ?? undefined,
        limit: PAGE_SIZE,
        signal: abort.signal,
      });
      if (generation !== this.#generation) return;
      // Every row of a page comes after every loaded row, so appending keeps the key order.
      const folders = page.folders.filter((f) => f.prefix !== this.prefix).map((f): Row => ({ kind: 'folder', key: f.prefix }));
      // The open folder's own explicit-folder key (`a/b/` inside `a/b/`) is no row of it.
      const files = page.files.filter((f) => f.name !== this.prefix).map((file): Row => ({ kind: 'file', key: file.name, file }));
      if (folders.length) this.folders = this.folders.concat(folders);
      if (files.length) this.files = this.files.concat(files);
      this.next = page.next;
      this.complete = page.next === null;
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

  #reset(): void {
    this.folders = [];
    this.files = [];
    this.next = null;
    this.complete = false;
    this.#query = '';
    for (const timer of this.#emptyChecks.values()) clearTimeout(timer);
    this.#emptyChecks.clear();
  }

  /** Whether a row of this key belongs to a page already loaded (a later page would bring it otherwise). */
  #loaded(key: string): boolean {
    return this.complete || (this.next !== null && compareKeys(key, this.next) <= 0);
  }

  /**
   * Where a key shows in the open folder: as a file row of its own, inside a
   * folder row one level down, or nowhere (outside the folder or the filter).
   */
  #placeOf(key: string): { kind: 'file' } | { kind: 'folder'; folder: string } | null {
    if (!key.startsWith(this.#query) || key === this.prefix) return null;
    const rest = key.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    return slash < 0 ? { kind: 'file' } : { kind: 'folder', folder: this.prefix + rest.slice(0, slash + 1) };
  }

  #apply(event: PailEvent): void {
    switch (event.kind) {
      case 'file-uploaded': {
        const place = this.#placeOf(event.file.name);
        if (place?.kind === 'file' && this.#loaded(event.file.name)) {
          const file: ListedFile = { ...event.file, bucket: event.bucket };
          this.files = insertKey(this.files, { kind: 'file', key: file.name, file });
        } else if (place?.kind === 'folder' && this.#loaded(place.folder) && findKey(this.folders, place.folder) < 0) {
          this.folders = insertKey(this.folders, { kind: 'folder', key: place.folder });
        }
        break;
      }
      case 'file-deleted': {
        const place = this.#placeOf(event.name);
        if (place?.kind === 'file') this.files = this.files.filter((row) => row.key !== event.name);
        else if (place?.kind === 'folder' && findKey(this.folders, place.folder) >= 0) this.#checkEmptySoon(place.folder);
        break;
      }
      case 'bucket-deleted':
        this.#reset();
        this.complete = true;
        this.error = new ApiError(404, { code: 0, mnemonic: '', reason: 'no-such-bucket', message: `The bucket ${event.bucket} was deleted` });
        break;
      case 'bucket-created':
        void this.refresh();
        break;
    }
  }

  /**
   * A key under a folder row was deleted: the bucket server removes a folder
   * left empty, so ask (one row's listing) whether anything is left under it,
   * once for a burst of deletes.
   */
  #checkEmptySoon(folder: string): void {
    const bucket = this.bucket;
    if (bucket === null || this.#emptyChecks.has(folder)) return;
    const generation = this.#generation;
    const timer = setTimeout(() => {
      this.#emptyChecks.delete(folder);
      api.listPage(bucket, { prefix: folder, limit: 1 }).then(
        (page) => {
          if (generation === this.#generation && page.files.length === 0 && page.folders.length === 0) this.forgetFolder(folder);
        },
        () => {},
      );
    }, 150);
    this.#emptyChecks.set(folder, timer);
  }
}

type FileRow = Extract<Row, { kind: 'file' }>;

export const files = new FileStore();
