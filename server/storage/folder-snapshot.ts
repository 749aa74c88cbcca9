import { lstatSync, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys, keyProblem } from '../../shared/protocol/names.ts';
import type { FolderRecords, HashRecord } from './hash-log.ts';

/** The kinds of an entry: a folder, a file, or a file found gone (or not a regular file) when it was looked at. */
const FILE = 0;
const DIR = 1;
const GONE = 2;

/** How many entries a page looks at (lstat) in one turn of the event loop. */
const STAT_CHUNK = 128;
/** How many entries a whole folder's reading looks at at once. */
const STAT_PARALLEL = 32;

/**
 * One folder of a bucket as read from disk: its entries sorted by the byte
 * order of the keys they make (a folder sorts as its name and `/`), with the
 * SHA-256 records of its log. Sizes and times are read lazily, a range at a
 * time, so a page of a big folder costs the page. Arrays, not an object per
 * entry: a million cached entries stay near 130 bytes each.
 *
 * A snapshot is replaced, never edited, when its folder changes; filling in
 * stats and hashes only adds what was not yet known.
 */
export class FolderSnapshot {
  readonly #kinds: Uint8Array;
  readonly #size: Float64Array;
  readonly #mtimeMs: Float64Array;
  readonly #ino: Float64Array;
  /** The log's record for each entry, as inode, size, mtime and the 32 bytes of its SHA-256. */
  readonly #record: Float64Array;
  readonly #sha: Buffer;
  readonly #known: Uint8Array;
  /** Etags and attributes, for the few entries that have them: most files have neither, and pay nothing. */
  readonly #writerData = new Map<number, { readonly etag?: string; readonly attrs?: string }>();

  private constructor(
    readonly path: string,
    readonly names: readonly string[],
    kinds: Uint8Array,
    readonly marks: ReadonlyMap<string, number>,
    /** When the folder itself last changed: an explicit folder's time. */
    readonly folderMtimeMs: number,
  ) {
    const n = names.length;
    this.#kinds = kinds;
    this.#size = new Float64Array(n).fill(NaN);
    this.#mtimeMs = new Float64Array(n).fill(NaN);
    this.#ino = new Float64Array(n).fill(NaN);
    this.#record = new Float64Array(n * 3);
    this.#sha = Buffer.alloc(n * 32);
    this.#known = new Uint8Array(n);
  }

  /** Reads a folder; undefined when there is no such folder (or it is not a real one). */
  static async load(path: string, records: FolderRecords): Promise<FolderSnapshot | undefined> {
    let entries;
    let mtimeMs;
    try {
      const [read, st] = await Promise.all([readdir(path, { withFileTypes: true }), lstat(path)]);
      // A folder that is a symbolic link is not a folder of the bucket (readdir followed it; lstat does not).
      if (!st.isDirectory()) return undefined;
      entries = read;
      mtimeMs = st.mtimeMs;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    // Symbolic links and other kinds are never listed, nor names no key could have.
    const kept = entries.filter((e) => (e.isFile() || e.isDirectory()) && keyProblem(e.name) === null);
    const sortKeys = kept.map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    const order = sortKeys.map((_, i) => i);
    // UTF-16 order is byte order unless a name holds a surrogate or a unit from U+E000 up.
    if (sortKeys.some((k) => /[\ud800-\uffff]/.test(k))) order.sort((a, b) => compareKeys(sortKeys[a], sortKeys[b]));
    else order.sort((a, b) => (sortKeys[a] < sortKeys[b] ? -1 : sortKeys[a] > sortKeys[b] ? 1 : 0));
    const names = order.map((i) => kept[i].name);
    const kinds = Uint8Array.from(order, (i) => (kept[i].isDirectory() ? DIR : FILE));
    const snapshot = new FolderSnapshot(path, names, kinds, records.marks, mtimeMs);
    names.forEach((name, i) => {
      const record = kinds[i] === FILE ? records.files.get(name) : undefined;
      if (record) snapshot.#keep(i, record);
    });
    return snapshot;
  }

  get length(): number {
    return this.names.length;
  }

  isDir(i: number): boolean {
    return this.#kinds[i] === DIR;
  }

  isGone(i: number): boolean {
    return this.#kinds[i] === GONE;
  }

  /** The part of the key this entry adds to its folder's: its name, and `/` for a folder. */
  sortKey(i: number): string {
    return this.#kinds[i] === DIR ? `${this.names[i]}/` : this.names[i];
  }

  /** The first index whose entry `before` is false for; `before` must hold for a leading run and then never. */
  firstNot(before: (i: number) => boolean): number {
    let lo = 0;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of a file of this name, or -1. */
  fileIndex(name: string): number {
    const i = this.firstNot((j) => compareKeys(this.sortKey(j), name) < 0);
    return i < this.names.length && this.names[i] === name && this.#kinds[i] !== DIR ? i : -1;
  }

  /** Whether the folder of this name holds a mark: created on purpose, kept when emptied. */
  isMarked(name: string): boolean {
    return this.marks.has(`${name}/`);
  }

  /**
   * Reads the sizes and times of the files in [from, to) not yet read. Each
   * lstat is made on the event loop, STAT_CHUNK at a time with a turn of the
   * loop between chunks: through libuv's pool an lstat costs about 20 µs of
   * CPU, made directly about 5 µs (measured by the million-file benchmark),
   * and the inodes of a folder just read are mostly in memory.
   */
  async statRange(from: number, to: number): Promise<void> {
    const end = Math.min(to, this.names.length);
    let done = 0;
    for (let i = from; i < end; i++) {
      if (this.#kinds[i] !== FILE || !Number.isNaN(this.#size[i])) continue;
      if (done > 0 && done % STAT_CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      done++;
      let st: Stats | undefined;
      try {
        st = lstatSync(join(this.path, this.names[i]));
      } catch (err) {
        this.#lookFailed(err);
      }
      this.#looked(i, st);
    }
  }

  /**
   * Reads the sizes and times of every file not yet read, STAT_PARALLEL at
   * once through libuv's pool: for a whole folder (a bucket's totals), whose
   * inodes may be on disk rather than in memory, overlapping the disk's waits
   * matters more than the pool's cost.
   */
  async statAll(): Promise<void> {
    const todo: number[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.#kinds[i] === FILE && Number.isNaN(this.#size[i])) todo.push(i);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const i = todo[next++];
        this.#looked(i, await lstat(join(this.path, this.names[i])).catch((err: unknown) => this.#lookFailed(err)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAT_PARALLEL, todo.length) }, worker));
  }

  /** Keeps what an lstat of entry i found: a regular file's stats, or that it is gone (or not a file). */
  #looked(i: number, st: Stats | undefined): void {
    if (!st?.isFile()) this.#kinds[i] = GONE;
    else this.#setStat(i, st.size, st.mtimeMs, st.ino);
  }

  /** A file removed since the folder was read is simply not listed; any other failure is the listing's. */
  #lookFailed(err: unknown): undefined {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }

  size(i: number): number {
    return this.#size[i];
  }

  mtimeMs(i: number): number {
    return this.#mtimeMs[i];
  }

  ino(i: number): number {
    return this.#ino[i];
  }

  /** The SHA-256 of a file already stat'd, if its record matches what is on disk now. */
  sha256(i: number): string | undefined {
    return this.#matches(i, { ino: this.#ino[i], size: this.#size[i], mtimeMs: this.#mtimeMs[i] }) ? this.#shaHex(i) : undefined;
  }

  /** The etag of a file already stat'd, if its record matches what is on disk now and has one. */
  etag(i: number): string | undefined {
    if (!this.#writerData.has(i)) return undefined;
    return this.#matches(i, { ino: this.#ino[i], size: this.#size[i], mtimeMs: this.#mtimeMs[i] }) ? this.#writerData.get(i)?.etag : undefined;
  }

  /** The record of a file if it matches these stats (of the file as opened). */
  recorded(i: number, st: { readonly ino: number; readonly size: number; readonly mtimeMs: number }): HashRecord | undefined {
    if (!this.#matches(i, st)) return undefined;
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256: this.#shaHex(i), ...this.#writerData.get(i) };
  }

  #matches(i: number, st: { readonly ino: number; readonly size: number; readonly mtimeMs: number }): boolean {
    const r = this.#record;
    return this.#known[i] === 1 && r[i * 3] === st.ino && r[i * 3 + 1] === st.size && r[i * 3 + 2] === st.mtimeMs;
  }

  #shaHex(i: number): string {
    return this.#sha.toString('hex', i * 32, i * 32 + 32);
  }

  /** Adds a record learnt since the snapshot was read (a hash computed, a file stored). */
  learn(i: number, record: HashRecord): void {
    this.#keep(i, record);
  }

  #keep(i: number, record: HashRecord): void {
    this.#record[i * 3] = record.ino;
    this.#record[i * 3 + 1] = record.size;
    this.#record[i * 3 + 2] = record.mtimeMs;
    this.#sha.write(record.sha256, i * 32, 32, 'hex');
    this.#known[i] = 1;
    if (record.etag !== undefined || record.attrs !== undefined) this.#writerData.set(i, { etag: record.etag, attrs: record.attrs });
    else this.#writerData.delete(i);
  }

  #setStat(i: number, size: number, mtimeMs: number, ino: number): void {
    this.#size[i] = size;
    this.#mtimeMs[i] = mtimeMs;
    this.#ino[i] = ino;
  }

  /** The files' records still matching, for compacting the log (only those this snapshot has stat'd). */
  records(): FolderRecords {
    const files = new Map<string, HashRecord>();
    for (let i = 0; i < this.names.length; i++) {
      if (!this.#known[i]) continue;
      const r = this.#record;
      files.set(this.names[i], { ino: r[i * 3], size: r[i * 3 + 1], mtimeMs: r[i * 3 + 2], sha256: this.#shaHex(i), ...this.#writerData.get(i) });
    }
    return { files, marks: new Map(this.marks), lines: 0 };
  }
}
