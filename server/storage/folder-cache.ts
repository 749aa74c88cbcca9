import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderSnapshot } from './folder-snapshot.ts';
import type { HashLog } from './hash-log.ts';

/**
 * Folders of buckets served from memory. A folder is read from disk once and
 * kept until something changes it: Pail's own writes invalidate it before
 * they are acknowledged, and an inotify watch on the folder invalidates it
 * when an operator changes files behind Pail's back. A folder that cannot be
 * watched (past the watch budget) is read afresh each time instead.
 *
 * Memory is bounded by entries, not folders: the least recently used folders
 * are dropped once the cached entries pass `maxEntries`. Each folder also
 * keeps its totals (files and bytes directly in it), so a bucket's totals add
 * up folders instead of stat'ing every file again.
 */
export interface FolderCacheOptions {
  /** The most entries kept in memory across all folders. */
  readonly maxEntries: number;
  /** The most folders watched at once. */
  readonly maxWatched: number;
}

export interface FolderTotals {
  readonly files: number;
  readonly bytes: number;
  /** The folders directly inside, as keys ending in `/`. */
  readonly folders: readonly string[];
}

interface Entry {
  generation: number;
  snapshot?: FolderSnapshot;
  pending?: Promise<FolderSnapshot | undefined>;
  totals?: FolderTotals;
}

export class FolderCache {
  readonly #entries = new Map<string, Entry>();
  readonly #watchers = new Map<string, FSWatcher>();
  #cachedEntries = 0;

  constructor(
    readonly root: string,
    readonly hashes: HashLog,
    readonly options: FolderCacheOptions,
    /** Told of every folder that changed, by Pail or behind its back. */
    readonly onChange: (bucket: string, folder: string) => void = () => {},
  ) {}

  /** A folder ('' for the bucket's top, else a key ending in `/`), or undefined if it does not exist. */
  async get(bucket: string, folder: string): Promise<FolderSnapshot | undefined> {
    const id = `${bucket}/${folder}`;
    let entry = this.#entries.get(id);
    if (entry?.snapshot) {
      // Most recently used goes last; the first in the map is dropped first.
      this.#entries.delete(id);
      this.#entries.set(id, entry);
      return entry.snapshot;
    }
    if (entry?.pending) return entry.pending;
    const watched = this.#watch(bucket, folder);
    if (!watched) return this.#load(bucket, folder);
    entry ??= { generation: 0 };
    this.#entries.set(id, entry);
    const generation = entry.generation;
    const pending = this.#load(bucket, folder);
    entry.pending = pending;
    try {
      const snapshot = await pending;
      // A load that raced with a change serves its caller but is not kept.
      if (entry.generation === generation && this.#entries.get(id) === entry && snapshot) {
        entry.snapshot = snapshot;
        this.#cachedEntries += snapshot.length;
        this.#evict();
      }
      return snapshot;
    } finally {
      if (entry.pending === pending) entry.pending = undefined;
    }
  }

  /** A folder's own files and bytes (not its subfolders'), and its subfolders. */
  async totals(bucket: string, folder: string): Promise<FolderTotals | undefined> {
    const cached = this.#entries.get(`${bucket}/${folder}`)?.totals;
    if (cached) return cached;
    const entry = this.#entries.get(`${bucket}/${folder}`);
    const generation = entry?.generation;
    const snapshot = await this.get(bucket, folder);
    if (!snapshot) return undefined;
    await snapshot.statAll();
    let files = 0;
    let bytes = 0;
    const folders: string[] = [];
    for (let i = 0; i < snapshot.length; i++) {
      if (snapshot.isDir(i)) folders.push(`${folder}${snapshot.names[i]}/`);
      else if (!snapshot.isGone(i)) {
        files++;
        bytes += snapshot.size(i);
      }
    }
    const totals = { files, bytes, folders };
    const now = this.#entries.get(`${bucket}/${folder}`);
    if (now && (entry === undefined || (now === entry && now.generation === generation))) now.totals = totals;
    return totals;
  }

  /** Forgets a folder; the next look reads it from disk. */
  invalidate(bucket: string, folder: string): void {
    const entry = this.#entries.get(`${bucket}/${folder}`);
    if (entry) {
      entry.generation++;
      if (entry.snapshot) this.#cachedEntries -= entry.snapshot.length;
      entry.snapshot = undefined;
      entry.pending = undefined;
      entry.totals = undefined;
    }
    this.onChange(bucket, folder);
  }

  /** Forgets a folder that is gone, and stops watching it. */
  forget(bucket: string, folder: string): void {
    const id = `${bucket}/${folder}`;
    this.invalidate(bucket, folder);
    this.#entries.delete(id);
    this.#watchers.get(id)?.close();
    this.#watchers.delete(id);
  }

  /** Forgets every folder of a bucket. */
  dropBucket(bucket: string): void {
    const prefix = `${bucket}/`;
    for (const id of [...this.#entries.keys()]) {
      if (!id.startsWith(prefix)) continue;
      const entry = this.#entries.get(id);
      if (entry?.snapshot) this.#cachedEntries -= entry.snapshot.length;
      this.#entries.delete(id);
    }
    for (const [id, watcher] of this.#watchers) {
      if (!id.startsWith(prefix)) continue;
      watcher.close();
      this.#watchers.delete(id);
    }
  }

  close(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#entries.clear();
    this.#cachedEntries = 0;
  }

  async #load(bucket: string, folder: string): Promise<FolderSnapshot | undefined> {
    const records = await this.hashes.read(bucket, folder);
    const snapshot = await FolderSnapshot.load(join(this.root, bucket, folder), records);
    // A log far longer than its folder (files replaced or deleted many times) is rewritten, in the background.
    if (snapshot && records.lines > 64 && records.lines > 2 * (records.files.size + records.marks.size)) {
      void this.hashes.compact(bucket, folder, records);
    }
    return snapshot;
  }

  #evict(): void {
    for (const entry of this.#entries.values()) {
      if (this.#cachedEntries <= this.options.maxEntries) break;
      if (!entry.snapshot) continue;
      this.#cachedEntries -= entry.snapshot.length;
      entry.snapshot = undefined;
    }
  }

  async #stillThere(bucket: string, folder: string, ino: number): Promise<void> {
    const st = await lstat(join(this.root, bucket, folder)).catch(() => undefined);
    if (!st?.isDirectory() || st.ino !== ino) this.forget(bucket, folder);
  }

  /** Watches a folder if it is not yet watched and the budget allows; whether it is watched. */
  #watch(bucket: string, folder: string): boolean {
    const id = `${bucket}/${folder}`;
    if (this.#watchers.has(id)) return true;
    if (this.#watchers.size >= this.options.maxWatched) return false;
    const path = join(this.root, bucket, folder);
    try {
      const { ino } = lstatSync(path);
      const watcher = watch(path, { persistent: false }, (event, name) => {
        // An entry that came, went or was renamed may be a folder: its own watch (if any) watches what may
        // no longer be there, so it is dropped and made again on its next look.
        if (name) this.forget(bucket, `${folder}${name}/`);
        this.invalidate(bucket, folder);
        // The folder itself removed or replaced: this watch sees nothing any more, so it goes too.
        if (event === 'rename') void this.#stillThere(bucket, folder, ino);
      });
      // A folder that vanished or cannot be watched any more is no longer cached.
      watcher.on('error', () => this.forget(bucket, folder));
      this.#watchers.set(id, watcher);
      return true;
    } catch {
      return false;
    }
  }
}
