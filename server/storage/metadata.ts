import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * The SHA-256 of each stored file, kept beside the data (never inside a
 * bucket) so listings and downloads give it without rereading the file.
 *
 * A record names the inode, size and mtime it was computed for, so it is a
 * cache that cannot lie: when the file changed behind Pail's back (an
 * operator copied one in), the record no longer matches and the hash is
 * computed again from the file. That is also why records need no fsync.
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

  constructor(
    readonly root: string,
    readonly tmpDir: string,
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

  async record(bucket: string, name: string, st: Stats, sha256: string): Promise<void> {
    const record: MetaRecord = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256 };
    this.#remember(`${bucket}/${name}`, record);
    await mkdir(this.bucketDir(bucket), { recursive: true });
    // Written whole then renamed, so a reader never sees half a record.
    const tmp = join(this.tmpDir, `meta-${randomUUID()}`);
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, join(this.bucketDir(bucket), name));
  }

  async forget(bucket: string, name: string): Promise<void> {
    this.#memory.delete(`${bucket}/${name}`);
    await rm(join(this.bucketDir(bucket), name), { force: true });
  }

  forgetBucket(bucket: string): void {
    const prefix = `${bucket}/`;
    for (const key of this.#memory.keys()) if (key.startsWith(prefix)) this.#memory.delete(key);
  }

  async #read(bucket: string, name: string): Promise<MetaRecord | undefined> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.bucketDir(bucket), name), 'utf8'));
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
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
