import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { errnoCode, SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * The SHA-256 of each stored file, kept beside the data (never inside a
 * bucket) so listings and downloads give it without rereading the file.
 *
 * A record names the inode, size and mtime it was computed for, so it is a
 * cache that cannot lie: when the file changed behind Pail's back (an
 * operator copied one in), the record no longer matches and the hash is
 * computed again from the file. That is also why records need no fsync,
 * and why a record that cannot be written (a full disk) or read fails
 * nothing: the hash is kept in memory, or computed again.
 */
interface MetaRecord {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

const MEMORY_ENTRIES = 100_000;
const HASH_READ_SIZE = 1 << 20;

export class MetadataStore {
  readonly #memory = new Map<string, MetaRecord>();
  /** The errno codes already logged, so a full disk logs once, not once per file listed. */
  readonly #warned = new Set<string>();

  constructor(
    readonly root: string,
    readonly tmpDir: string,
    readonly log: StorageLog = SILENT_LOG,
  ) {}

  bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  /** The SHA-256 of the file whose stats are `st`, from memory, its record, or the file itself. */
  async sha256(bucket: string, name: string, path: string, st: Stats): Promise<string> {
    const key = `${bucket}/${name}`;
    const cached = this.#memory.get(key);
    if (cached && matches(cached, st)) return cached.sha256;
    const stored = await this.#read(bucket, name);
    if (stored && matches(stored, st)) {
      this.#remember(key, stored);
      return stored.sha256;
    }
    const sha256 = await hashFile(path);
    await this.record(bucket, name, st, sha256);
    return sha256;
  }

  /** Keeps a file's SHA-256 in memory and, when the disk allows, in its record. Never fails. */
  async record(bucket: string, name: string, st: Stats, sha256: string): Promise<void> {
    const record: MetaRecord = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256 };
    this.#remember(`${bucket}/${name}`, record);
    // Written whole then renamed, so a reader never sees half a record.
    const tmp = join(this.tmpDir, `meta-${randomUUID()}`);
    try {
      await mkdir(this.bucketDir(bucket), { recursive: true });
      await writeFile(tmp, JSON.stringify(record));
      await rename(tmp, join(this.bucketDir(bucket), name));
      // Written again: a later failure (the disk full again) is worth a new log line.
      if (this.#warned.size) this.#warned.clear();
    } catch (err) {
      this.#warnOnce(err, 'cannot write a SHA-256 record; the hash is kept in memory only');
      await rm(tmp, { force: true }).catch((rmErr) => this.#warnOnce(rmErr, 'cannot remove a temporary record'));
    }
  }

  /** Drops a file's SHA-256. A record left behind is harmless (it names an inode that no longer matches), so this never fails. */
  async forget(bucket: string, name: string): Promise<void> {
    this.#memory.delete(`${bucket}/${name}`);
    await rm(join(this.bucketDir(bucket), name), { force: true }).catch((err) => this.#warnOnce(err, 'cannot remove a SHA-256 record'));
  }

  /** Removes a bucket's folder of records if it holds none (it was made for an upload whose bucket went away). */
  async dropEmptyBucket(bucket: string): Promise<void> {
    await rmdir(this.bucketDir(bucket)).catch((err) => {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTEMPTY') this.#warnOnce(err, 'cannot remove a folder of records');
    });
  }

  /**
   * Removes the records of files that no longer exist: a crash between a
   * record and its upload's commit, or files removed while Pail was down.
   * `contents` gives a bucket's file names, or undefined if there is no such
   * bucket. Run before serving, so nothing races with it.
   */
  async sweep(contents: (bucket: string) => Promise<ReadonlySet<string> | undefined>): Promise<{ records: number }> {
    let removed = 0;
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      try {
        removed += await this.#sweepBucket(entry.name, entry.isDirectory() ? await contents(entry.name) : undefined);
      } catch (err) {
        // One bucket that cannot be read keeps its records (they are harmless); the others are still swept.
        this.#warnOnce(err, 'cannot sweep the SHA-256 records of a bucket');
      }
    }
    return { records: removed };
  }

  /** Removes a bucket's records of files not in `files`, or all of them when the bucket is gone; resolves to how many. */
  async #sweepBucket(bucket: string, files: ReadonlySet<string> | undefined): Promise<number> {
    const dir = this.bucketDir(bucket);
    if (!files) {
      const records = (await readdir(dir).catch(() => [])).length;
      await rm(dir, { recursive: true, force: true });
      return records;
    }
    let removed = 0;
    // One readdir of each side and a set look-up per record: no stat per file, whatever the bucket holds.
    for (const name of await readdir(dir)) {
      if (files.has(name)) continue;
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  forgetBucket(bucket: string): void {
    const prefix = `${bucket}/`;
    for (const key of this.#memory.keys()) if (key.startsWith(prefix)) this.#memory.delete(key);
  }

  async #read(bucket: string, name: string): Promise<MetaRecord | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.bucketDir(bucket), name), 'utf8');
    } catch (err) {
      // No record is the ordinary case; an unreadable one is logged, and the hash computed again.
      if (errnoCode(err) !== 'ENOENT') this.#warnOnce(err, 'cannot read a SHA-256 record; computing the hash again');
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined; // half written by a crash: computed again
    }
  }

  #warnOnce(err: unknown, message: string): void {
    const kind = `${message}:${errnoCode(err) ?? 'other'}`;
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.log.warn({ err }, message);
  }

  #remember(key: string, record: MetaRecord): void {
    this.#memory.delete(key);
    this.#memory.set(key, record);
    if (this.#memory.size > MEMORY_ENTRIES) {
      const oldest = this.#memory.keys().next().value;
      if (oldest !== undefined) this.#memory.delete(oldest);
    }
  }
}

function matches(record: MetaRecord, st: Stats): boolean {
  return record.ino === st.ino && record.size === st.size && record.mtimeMs === st.mtimeMs;
}

function isRecord(value: unknown): value is MetaRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.ino === 'number' &&
    typeof r.size === 'number' &&
    typeof r.mtimeMs === 'number' &&
    typeof r.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(r.sha256)
  );
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.allocUnsafe(HASH_READ_SIZE);
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}
