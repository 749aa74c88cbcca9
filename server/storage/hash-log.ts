import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { errnoCode, SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * The SHA-256 of each stored file, kept beside the data (never inside a
 * bucket) so listings and downloads give it without rereading the file: one
 * log per folder of a bucket, `.pail/meta/BUCKET/<sha1 of the folder>.log`,
 * a JSON line per record appended as files are stored, so listing a folder
 * reads one file however many files it holds.
 *
 * A record names the inode, size and mtime it was computed for, so it is a
 * cache that cannot lie: a file changed behind Pail's back no longer matches
 * and is hashed again. That is why records need no fsync, and why a record
 * that cannot be written (a full disk) or read fails nothing.
 *
 * Two records are more than a cache, and are synced. An explicit folder's
 * mark (`{"n":"b/","i":INODE}` in its parent's log, withdrawn by
 * `{"n":"b/","x":1}`) is what keeps an emptied folder that was created on
 * purpose. And a file's writer may have asked for an etag (`e`, the MD5 of its
 * bytes) and attributes (`a`, its content type and metadata) to be kept with
 * it: these cannot be computed again, so their record is synced before the
 * file is committed. It names the inode of the file as written, so it belongs
 * to that version only: a file replaced or changed behind Pail's back has
 * neither.
 */
export interface HashRecord {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly etag?: string;
  readonly attrs?: string;
}

/** Whether a record holds what only its writer knew, so must be durable. */
export function keepsWriterData(record: HashRecord): boolean {
  return record.etag !== undefined || record.attrs !== undefined;
}

/** A folder's log read back: the last record of each name, and the explicit folders marked in it (by inode). */
export interface FolderRecords {
  readonly files: Map<string, HashRecord>;
  readonly marks: Map<string, number>;
  /** Lines read: far more than records means the log is worth compacting. */
  readonly lines: number;
}

/** Lines gathered for one append to a log, synced if any of them must be durable. */
interface Gathering {
  readonly lines: string[];
  sync: boolean;
  written: Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Records of the files stored or hashed most recently, kept in memory as well. */
const RECENT_RECORDS = 100_000;

export class HashLog {
  /** Appends and compactions of one log run one at a time, so a compaction never drops an append. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Records waiting for their log's turn: all that gather meanwhile go out in one append. */
  readonly #gathering = new Map<string, Gathering>();
  readonly #warned = new Set<string>();
  /**
   * The latest records, by bucket and key: a download right after its upload
   * finds its hash here instead of reading its folder again (the upload made
   * the folder's cached listing stale).
   */
  readonly #recent = new Map<string, HashRecord>();
  /** Record lines taken, appends made for them and the appends synced, so a test or the benchmark can see them shared. */
  readonly counts = { records: 0, appends: 0, syncs: 0 };

  constructor(
    readonly root: string,
    readonly tmpDir: string,
    readonly log: StorageLog = SILENT_LOG,
  ) {}

  bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  /** The log of a folder ('' for the bucket's top, else ending in `/`). */
  path(bucket: string, folder: string): string {
    return join(this.root, bucket, `${createHash('sha1').update(folder).digest('hex')}.log`);
  }

  async read(bucket: string, folder: string): Promise<FolderRecords> {
    const files = new Map<string, HashRecord>();
    const marks = new Map<string, number>();
    let text = '';
    try {
      text = await readFile(this.path(bucket, folder), 'utf8');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') this.#warnOnce(err, 'cannot read a SHA-256 log; computing hashes again');
    }
    let lines = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // half written by a crash: that record is computed again
      }
      applyLine(parsed, files, marks);
    }
    return { files, marks, lines };
  }

  /** A record kept in memory for this key, if any (check it against the file's stats before use). */
  recent(bucket: string, key: string): HashRecord | undefined {
    return this.#recent.get(`${bucket}/${key}`);
  }

  /**
   * Keeps a file's SHA-256 in its folder's log. A plain record never fails:
   * one that cannot be written is computed again later. A record with an etag
   * or attributes is synced, and its failure is the caller's.
   */
  async record(bucket: string, folder: string, name: string, record: HashRecord): Promise<void> {
    const durable = keepsWriterData(record);
    const written = this.#append(bucket, folder, recordLine(name, record), durable);
    if (durable) await written;
    else await written.catch((err) => this.#warnOnce(err, 'cannot write a SHA-256 record; the hash will be computed again'));
    const id = `${bucket}/${folder}${name}`;
    this.#recent.delete(id);
    this.#recent.set(id, record);
    if (this.#recent.size > RECENT_RECORDS) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /** Marks a folder (`name` ending in `/`) as created on purpose, durably; or withdraws the mark. */
  async mark(bucket: string, folder: string, name: string, ino: number | undefined): Promise<void> {
    await this.#append(bucket, folder, ino === undefined ? { n: name, x: 1 } : { n: name, i: ino }, true);
  }

  /** Rewrites a log with only these records and marks, when it has grown far past them. */
  async compact(bucket: string, folder: string, records: FolderRecords): Promise<void> {
    const path = this.path(bucket, folder);
    await this.#serial(path, async () => {
      const fresh = await this.read(bucket, folder);
      // Records appended since the caller read are kept: the fresh read has them.
      const lines: string[] = [];
      let durable = fresh.marks.size > 0;
      for (const [n, r] of fresh.files) {
        if (!records.files.has(n)) continue;
        lines.push(JSON.stringify(recordLine(n, r)));
        durable ||= keepsWriterData(r);
      }
      for (const [n, i] of fresh.marks) lines.push(JSON.stringify({ n, i }));
      const tmp = join(this.tmpDir, `log-${randomUUID()}`);
      try {
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(lines.length ? `${lines.join('\n')}\n` : '');
          // Marks, etags and attributes must survive: the rewritten log is synced before it replaces the old one.
          if (durable) await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
      } catch (err) {
        this.#warnOnce(err, 'cannot compact a SHA-256 log');
        await rm(tmp, { force: true }).catch(() => {});
      }
    });
  }

  /** Forgets the records of a deleted bucket kept in memory. */
  forgetBucket(bucket: string): void {
    const prefix = `${bucket}/`;
    for (const id of this.#recent.keys()) if (id.startsWith(prefix)) this.#recent.delete(id);
  }

  /** Drops a folder's log (the folder is gone). */
  async drop(bucket: string, folder: string): Promise<void> {
    const path = this.path(bucket, folder);
    await this.#serial(path, () => rm(path, { force: true })).catch((err) => this.#warnOnce(err, 'cannot remove a SHA-256 log'));
  }

  #append(bucket: string, folder: string, line: object, sync: boolean): Promise<void> {
    return this.#appendGathered(bucket, this.path(bucket, folder), JSON.stringify(line), sync);
  }

  /**
   * Appends a record line, synced if `sync`. Appends to one log run one at a
   * time; lines that arrive while one runs gather and go out together in the
   * next, one write (and one fsync, if any of them must be durable) for all:
   * uploads finishing together into one folder would otherwise queue one by
   * one, each append three or four file operations long.
   */
  #appendGathered(bucket: string, path: string, line: string, sync: boolean): Promise<void> {
    this.counts.records++;
    const gathering = this.#gathering.get(path);
    if (gathering) {
      gathering.lines.push(line);
      gathering.sync ||= sync;
      return gathering.written;
    }
    const group: Gathering = { lines: [line], sync, written: Promise.resolve() };
    group.written = this.#serial(path, async () => {
      this.#gathering.delete(path);
      this.counts.appends++;
      if (group.sync) this.counts.syncs++;
      // The bucket's folder of logs is made when the first append finds it missing, not before every append.
      const fh = await open(path, 'a').catch(async (err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
        await mkdir(this.bucketDir(bucket), { recursive: true });
        return open(path, 'a');
      });
      try {
        await fh.writeFile(`${group.lines.join('\n')}\n`);
        if (group.sync) await fh.sync();
      } finally {
        await fh.close();
      }
    });
    this.#gathering.set(path, group);
    return group.written;
  }

  #serial<T>(path: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(path) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => {});
    this.#queues.set(path, settled);
    void settled.then(() => {
      if (this.#queues.get(path) === settled) this.#queues.delete(path);
    });
    return run;
  }

  #warnOnce(err: unknown, message: string): void {
    const kind = `${message}:${errnoCode(err) ?? 'other'}`;
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.log.warn({ err }, message);
  }
}

function applyLine(value: unknown, files: Map<string, HashRecord>, marks: Map<string, number>): void {
  if (typeof value !== 'object' || value === null) return;
  const r = value as Record<string, unknown>;
  if (typeof r.n !== 'string') return;
  if (r.n.endsWith('/')) {
    if (r.x === 1) marks.delete(r.n);
    else if (typeof r.i === 'number') marks.set(r.n, r.i);
    return;
  }
  if (typeof r.i === 'number' && typeof r.s === 'number' && typeof r.m === 'number' && typeof r.h === 'string' && SHA256_HEX.test(r.h)) {
    const record: HashRecord = { ino: r.i, size: r.s, mtimeMs: r.m, sha256: r.h };
    const etag = typeof r.e === 'string' ? r.e : undefined;
    const attrs = typeof r.a === 'string' ? r.a : undefined;
    files.set(r.n, etag === undefined && attrs === undefined ? record : { ...record, etag, attrs });
  }
}

/** A file's record as a line of its folder's log. */
function recordLine(name: string, r: HashRecord): object {
  return { n: name, i: r.ino, s: r.size, m: r.mtimeMs, h: r.sha256, e: r.etag, a: r.attrs };
}
