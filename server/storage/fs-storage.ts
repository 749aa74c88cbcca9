import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { BucketInfo, FileInfo, PailEvent } from '../../shared/protocol/types.ts';
import { compareKeys, isBucketName, isKey as isFileName } from '../../shared/protocol/names.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import { BodyWriter } from './body-writer.ts';
import { ListingCache, type BucketListing } from './listing-cache.ts';
import { MetadataStore } from './metadata.ts';
import { Quota, type Reservation } from './quota.ts';
import { mapLimit } from './map-limit.ts';
import { StorageError, type ByteRange, type ListingQuery, type OpenedFile, type PutOptions, type Storage } from './storage.ts';
import { errnoCode as code, SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * Buckets as directories and files as files under one data folder, so an
 * operator can see and back them up. Pail's own things live under `.pail/`,
 * a name no bucket can take (bucket names start with a letter or digit):
 *
 *   .pail/tmp/    uploads in progress, renamed into place when complete
 *   .pail/meta/   the SHA-256 record of each file (see metadata.ts)
 *   .pail/trash/  buckets being deleted with force
 *
 * Symbolic links are never followed: buckets and files are checked with
 * lstat and opened with O_NOFOLLOW, and listings show only real directories
 * and regular files.
 *
 * Only ENOENT (or ENOTDIR, a path component that is not a directory) means
 * a bucket or file is absent; any other failure to look is `internal`, and
 * logged with its cause.
 */
export interface FsStorageOptions {
  /** The largest file accepted, in bytes. */
  readonly maxFileSize: number;
  /** The most bytes all buckets may hold together; none when absent or 0. */
  readonly quota?: number;
  /** Where storage logs failures it cannot explain and cleanups that failed; silent when absent. */
  readonly log?: StorageLog;
}

const STAT_CONCURRENCY = 32;

export class FsStorage extends EventEmitter<{ change: [PailEvent] }> implements Storage {
  readonly #tmp: string;
  readonly #trash: string;
  readonly #meta: MetadataStore;
  readonly #listings: ListingCache;
  readonly #log: StorageLog;
  #quota: Quota | undefined;

  private constructor(
    readonly root: string,
    readonly options: FsStorageOptions,
  ) {
    super();
    const own = join(root, '.pail');
    this.#tmp = join(own, 'tmp');
    this.#trash = join(own, 'trash');
    this.#log = options.log ?? SILENT_LOG;
    this.#meta = new MetadataStore(join(own, 'meta'), this.#tmp, this.#log);
    this.#listings = new ListingCache(root, {
      bucketNames: () => this.#scanBucketNames(),
      scanBucket: (bucket) => this.#scanBucket(bucket),
    });
  }

  /** Opens (creating if need be) a data folder, and sweeps what a crash left behind. */
  static async open(root: string, options: FsStorageOptions): Promise<FsStorage> {
    await mkdir(root, { recursive: true });
    const storage = new FsStorage(root, options);
    // Temporaries and trash from an earlier run are never valid data: remove them.
    await rm(storage.#tmp, { recursive: true, force: true });
    await rm(storage.#trash, { recursive: true, force: true });
    await mkdir(storage.#tmp, { recursive: true });
    await mkdir(storage.#trash, { recursive: true });
    await mkdir(storage.#meta.root, { recursive: true });
    await storage.#sweepRecords();
    if (options.quota) {
      const names = await storage.#scanBucketNames();
      const sizes = await Promise.all(names.map(async (name) => totalSize(await storage.#statFiles(name))));
      storage.#quota = new Quota(options.quota, sizes.reduce((a, b) => a + b, 0));
    }
    return storage;
  }

  /** Removes the SHA-256 records of buckets and files that no longer exist; a failure only leaves them (they are harmless). */
  async #sweepRecords(): Promise<void> {
    try {
      const { records } = await this.#meta.sweep(async (bucket) => {
        if (!isBucketName(bucket)) return undefined;
        const entries = await readdir(join(this.root, bucket)).catch((err) => {
          if (absent(err)) return undefined;
          throw err;
        });
        return entries && new Set(entries);
      });
      if (records > 0) this.#log.info({ records }, 'removed SHA-256 records of files that no longer exist');
    } catch (err) {
      this.#log.warn({ err }, 'cannot sweep the SHA-256 records of files that no longer exist');
    }
  }

  async close(): Promise<void> {
    this.#listings.close();
    this.removeAllListeners();
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const names = this.#listings.peekBucketNames() ?? (await this.#listings.bucketNames());
    const buckets: BucketInfo[] = [];
    for (const name of names) {
      const listing = this.#listings.peek(name) ?? (await this.#listings.bucket(name).catch(skipVanished));
      if (listing) buckets.push({ name, files: listing.files.length, bytes: listing.bytes, created: listing.created });
    }
    return buckets;
  }

  async createBucket(bucket: string): Promise<void> {
    try {
      await mkdir(join(this.root, bucket));
    } catch (err) {
      if (code(err) === 'EEXIST') throw new StorageError(Reason.exists, `bucket ${bucket} already exists`);
      throw this.#fail(err, `cannot create bucket ${bucket}`);
    }
    await syncDir(this.root);
    this.#listings.invalidateBuckets();
    this.emit('change', { kind: 'bucket-created', bucket });
  }

  async deleteBucket(bucket: string, options: { force?: boolean } = {}): Promise<void> {
    const dir = await this.#bucketDir(bucket);
    const held = options.force && this.#quota ? totalSize(await this.#statFiles(bucket)) : 0;
    if (options.force) {
      // One rename takes the bucket out of sight at once; removing its contents can take a while.
      const gone = this.#trashName();
      await rename(dir, gone).catch((err) => {
        throw absent(err) ? noSuchBucket(bucket) : this.#fail(err, `cannot delete bucket ${bucket}`);
      });
      // What cannot be removed now stays in the trash, which the next start empties.
      await rm(gone, { recursive: true, force: true }).catch((err) => this.#log.warn({ err, bucket }, 'cannot empty a deleted bucket'));
    } else {
      try {
        await rmdir(dir);
      } catch (err) {
        if (code(err) === 'ENOTEMPTY' || code(err) === 'EEXIST') {
          throw new StorageError(Reason.notEmpty, `bucket ${bucket} still holds files; delete it with force`);
        }
        if (absent(err)) throw noSuchBucket(bucket);
        throw this.#fail(err, `cannot delete bucket ${bucket}`);
      }
    }
    await syncDir(this.root);
    this.#quota?.freed(held);
    this.#listings.drop(bucket);
    this.#meta.forgetBucket(bucket);
    // Records left here are swept at the next start.
    await rm(this.#meta.bucketDir(bucket), { recursive: true, force: true }).catch((err) =>
      this.#log.warn({ err, bucket }, "cannot remove a deleted bucket's SHA-256 records"),
    );
    this.emit('change', { kind: 'bucket-deleted', bucket });
  }

  // Interim: a flat bucket's cached listing, filtered; the folder tree replaces it.
  async *list(bucket: string, query: ListingQuery = {}): AsyncGenerator<ListingRow> {
    const { files } = this.#listings.peek(bucket) ?? (await this.#listings.bucket(bucket));
    const { prefix = '', after } = query;
    for (const file of [...files].sort((a, b) => compareKeys(a.name, b.name))) {
      if (!file.name.startsWith(prefix)) continue;
      if (after !== undefined && compareKeys(file.name, after) <= 0) continue;
      yield { kind: 'file', file };
    }
  }

  async stat(bucket: string, name: string): Promise<FileInfo> {
    const dir = await this.#bucketDir(bucket);
    const path = join(dir, name);
    const st = await lstat(path).catch((err) => {
      throw absent(err) ? noSuchFile(bucket, name) : this.#fail(err, `cannot read ${bucket}/${name}`);
    });
    if (!st.isFile()) throw noSuchFile(bucket, name);
    return this.#fileInfo(bucket, name, path, st);
  }

  async checkPut(bucket: string, name: string, options: PutOptions): Promise<void> {
    if (options.size !== undefined && options.size > this.options.maxFileSize) {
      throw tooLarge(this.options.maxFileSize);
    }
    const dir = await this.#bucketDir(bucket);
    if (!options.overwrite && (await this.#exists(join(dir, name), `cannot check ${bucket}/${name}`))) throw fileExists(bucket, name);
    this.#quota?.check(options.size ?? 0);
  }

  async put(bucket: string, name: string, body: AsyncIterable<Buffer>, options: PutOptions): Promise<FileInfo> {
    await this.checkPut(bucket, name, options);
    const tmp = join(this.#tmp, `${randomUUID()}.part`);
    // Room is held before the temporary exists: a full quota refuses without touching the disk.
    const reservation = this.#quota?.reserve(options.size ?? 0);
    let fh: FileHandle | undefined;
    let recorded = false;
    try {
      fh = await open(tmp, 'wx', 0o644);
      const { size, sha256 } = await this.#writeBody(fh, body, options, reservation);
      if (options.size !== undefined && size !== options.size) {
        throw new StorageError(Reason.badSize, `the body had ${size} bytes, not the ${options.size} announced`);
      }
      if (options.sha256 !== undefined && options.sha256 !== sha256) {
        throw new StorageError(Reason.checksumMismatch, `the body's SHA-256 is ${sha256}, not ${options.sha256}`);
      }
      await fh.sync();
      const st = await fh.stat();
      await fh.close();
      fh = undefined;
      await this.#meta.record(bucket, name, st, sha256);
      recorded = true;
      const replaced = await this.#commit(tmp, bucket, name, options.overwrite === true);
      reservation?.commit(size, replaced);
      const info: FileInfo = { bucket, name, size, modified: st.mtime.toISOString(), sha256 };
      this.emit('change', { kind: 'file-uploaded', bucket, file: info });
      return info;
    } catch (err) {
      reservation?.release();
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true }).catch((rmErr) => this.#log.warn({ err: rmErr }, 'cannot remove an upload temporary'));
      // A record for a file that was never committed (its bucket deleted with force meanwhile) would outlive it.
      if (recorded) await this.#forgetUncommitted(bucket, name, err);
      // Errors of the body's source (the client went away) pass through as they are; file system errors get a reason.
      throw err instanceof StorageError || code(err) === undefined ? err : this.#fail(err, `cannot store ${bucket}/${name}`);
    }
  }

  async get(bucket: string, name: string, range?: ByteRange, options: { readonly sha256?: string } = {}): Promise<OpenedFile> {
    const dir = await this.#bucketDir(bucket);
    const path = join(dir, name);
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      // ELOOP: the name is a symbolic link, which Pail never follows.
      if (absent(err) || code(err) === 'ELOOP') throw noSuchFile(bucket, name);
      throw this.#fail(err, `cannot read ${bucket}/${name}`);
    }
    try {
      // Stats of the open handle: a later overwrite renames a new file into
      // place and leaves this one whole, so size and hash stay consistent.
      const st = await fh.stat();
      if (!st.isFile()) throw noSuchFile(bucket, name);
      const info = await this.#fileInfo(bucket, name, path, st);
      if (options.sha256 !== undefined && info.sha256 !== options.sha256) {
        throw new StorageError(Reason.changed, `${bucket}/${name} has SHA-256 ${info.sha256} now, not ${options.sha256}`);
      }
      const offset = range?.offset ?? 0;
      const length = range?.length ?? info.size - offset;
      if (offset > info.size || offset + length > info.size) {
        throw new StorageError(Reason.badRange, `the range ${offset}+${length} lies outside the file's ${info.size} bytes`);
      }
      const handle = fh;
      return {
        info,
        offset,
        length,
        read: async (buffer, count, position) => (await handle.read(buffer, 0, count, position)).bytesRead,
        close: () => handle.close().catch(() => {}),
      };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async deleteFile(bucket: string, name: string): Promise<void> {
    const dir = await this.#bucketDir(bucket);
    const path = join(dir, name);
    const st = await lstat(path).catch((err) => {
      if (absent(err)) return undefined;
      throw this.#fail(err, `cannot read ${bucket}/${name}`);
    });
    if (!st?.isFile()) throw noSuchFile(bucket, name);
    // Moved to the trash at once and removed after the reply, as a replaced file is.
    const retired = this.#trashName();
    await rename(path, retired).catch((err) => {
      throw absent(err) ? noSuchFile(bucket, name) : this.#fail(err, `cannot delete ${bucket}/${name}`);
    });
    await syncDir(dir);
    this.#discard(retired);
    this.#quota?.freed(st.size);
    this.#listings.invalidate(bucket);
    await this.#meta.forget(bucket, name);
    this.emit('change', { kind: 'file-deleted', bucket, name });
  }

  /**
   * A hard link to `path` in the trash, or undefined if none could be made.
   * Freeing a large file's blocks takes a while (over 100 ms for a GiB here):
   * with a second name the file's last name goes in #discard, after the reply.
   */
  async #secondName(path: string): Promise<string | undefined> {
    const retired = this.#trashName();
    return link(path, retired).then(
      () => retired,
      () => undefined,
    );
  }

  /** A new, unused name in the trash. */
  #trashName(): string {
    return join(this.#trash, randomUUID());
  }

  /** Removes a trash name in the background; what a crash leaves there is swept at the next start. */
  #discard(retired: string): void {
    void unlink(retired).catch((err) => {
      if (code(err) !== 'ENOENT') this.#log.warn({ err, path: retired }, 'cannot remove a retired file; the next start will');
    });
  }

  /** Forgets the record an upload wrote before its commit failed; and the bucket's folder of records if the bucket is gone. */
  async #forgetUncommitted(bucket: string, name: string, err: unknown): Promise<void> {
    await this.#meta.forget(bucket, name);
    if (err instanceof StorageError && err.reason === Reason.noSuchBucket) await this.#meta.dropEmptyBucket(bucket);
  }

  /** Whether anything has this name; only ENOENT or ENOTDIR means no. */
  async #exists(path: string, message: string): Promise<boolean> {
    try {
      await lstat(path);
      return true;
    } catch (err) {
      if (absent(err)) return false;
      throw this.#fail(err, message);
    }
  }

  /**
   * The StorageError for a file system failure. A full disk is the client's
   * to hear about; anything else is Pail's to explain, so it is logged with
   * its cause (the client only sees `internal`).
   */
  #fail(err: unknown, message: string): StorageError {
    const failure = translate(err, message);
    if (failure.reason === Reason.internal) this.#log.error({ err }, message);
    return failure;
  }

  /** The bucket's directory, if it is a real directory (never a symbolic link). */
  async #bucketDir(bucket: string): Promise<string> {
    if (!isBucketName(bucket)) throw new StorageError(Reason.badName, `${bucket} is not a bucket name`);
    const dir = join(this.root, bucket);
    const st = await lstat(dir).catch((err) => {
      if (absent(err)) return undefined;
      throw this.#fail(err, `cannot read bucket ${bucket}`);
    });
    if (!st?.isDirectory()) throw noSuchBucket(bucket);
    return dir;
  }

  async #scanBucketNames(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((err) => {
      throw this.#fail(err, 'cannot list the buckets');
    });
    return entries
      .filter((e) => e.isDirectory() && isBucketName(e.name))
      .map((e) => e.name)
      .sort();
  }

  async #scanBucket(bucket: string): Promise<BucketListing> {
    const dir = await this.#bucketDir(bucket);
    const [st, files] = await Promise.all([lstat(dir), this.#statFiles(bucket)]);
    return {
      created: new Date(st.birthtimeMs || st.mtimeMs).toISOString(),
      files: await mapLimit(files, STAT_CONCURRENCY, (f) => this.#fileInfo(bucket, f.name, f.path, f.st)),
      bytes: totalSize(files),
    };
  }

  async #statFiles(bucket: string): Promise<{ name: string; path: string; st: Stats }[]> {
    const dir = await this.#bucketDir(bucket);
    const entries = await readdir(dir, { withFileTypes: true }).catch((err) => {
      throw absent(err) ? noSuchBucket(bucket) : this.#fail(err, `cannot list ${bucket}`);
    });
    const names = entries.filter((e) => e.isFile() && isFileName(e.name)).map((e) => e.name);
    names.sort();
    const stats = await mapLimit(names, STAT_CONCURRENCY, async (name) => {
      const path = join(dir, name);
      const st = await lstat(path).catch((err) => {
        if (absent(err)) return undefined;
        throw this.#fail(err, `cannot read ${bucket}/${name}`);
      });
      return st?.isFile() ? { name, path, st } : undefined;
    });
    // A file deleted between readdir and lstat is simply not listed.
    return stats.filter((s) => s !== undefined);
  }

  async #fileInfo(bucket: string, name: string, path: string, st: Stats): Promise<FileInfo> {
    const sha256 = await this.#meta.sha256(bucket, name, path, st);
    return { bucket, name, size: st.size, modified: st.mtime.toISOString(), sha256 };
  }

  async #writeBody(fh: FileHandle, body: AsyncIterable<Buffer>, options: PutOptions, reservation: Reservation | undefined) {
    const limit = Math.min(options.size ?? Infinity, this.options.maxFileSize);
    const writer = new BodyWriter(fh);
    try {
      for await (const chunk of body) {
        const size = writer.size + chunk.length;
        if (size > limit) {
          throw size > this.options.maxFileSize
            ? tooLarge(this.options.maxFileSize)
            : new StorageError(Reason.badSize, `the body exceeds the ${options.size} bytes announced`);
        }
        // A chunked body's size is unknown: it holds quota as it grows.
        if (options.size === undefined) reservation?.grow(chunk.length);
        await writer.add(chunk);
      }
      return await writer.finish();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /**
   * Moves a complete, synced temporary into its bucket and syncs the bucket's
   * directory. Resolves to the size of the file it replaced (0 for a new name).
   */
  async #commit(tmp: string, bucket: string, name: string, overwrite: boolean): Promise<number> {
    const dir = await this.#bucketDir(bucket);
    const dest = join(dir, name);
    let replaced = 0;
    try {
      if (overwrite) {
        const old = await lstat(dest).catch((err) => {
          if (absent(err)) return undefined;
          throw err; // answered below
        });
        let retired: string | undefined;
        if (old?.isFile()) {
          replaced = old.size;
          // A second name in the trash keeps the replaced file's blocks from being freed inside rename().
          retired = await this.#secondName(dest);
        }
        await rename(tmp, dest);
        if (retired) this.#discard(retired);
      } else {
        // link() fails if the name exists: of racing creates, exactly one wins.
        await link(tmp, dest);
        // The file is stored; a temporary name left over is swept at the next start.
        await unlink(tmp).catch((err) => this.#log.warn({ err, path: tmp }, 'cannot remove an upload temporary'));
      }
    } catch (err) {
      if (code(err) === 'EEXIST') throw fileExists(bucket, name);
      if (absent(err)) throw noSuchBucket(bucket);
      // Overwriting a directory of the same name (planted by an operator) fails here.
      if (code(err) === 'EISDIR' || code(err) === 'ENOTEMPTY') throw fileExists(bucket, name);
      throw this.#fail(err, `cannot store ${bucket}/${name}`);
    }
    this.#listings.invalidate(bucket);
    await syncDir(dir);
    return replaced;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether a failed look-up means the thing is not there: ENOENT, or ENOTDIR when a path component is not a directory. */
function absent(err: unknown): boolean {
  return code(err) === 'ENOENT' || code(err) === 'ENOTDIR';
}

function translate(err: unknown, message: string): StorageError {
  const errno = code(err);
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new StorageError(Reason.noSpace, `${message}: the disk is full`, { cause: err });
  }
  return new StorageError(Reason.internal, `${message}: ${errno ?? String(err)}`, { cause: err });
}

const noSuchBucket = (bucket: string) => new StorageError(Reason.noSuchBucket, `no bucket named ${bucket}`);
const noSuchFile = (bucket: string, name: string) =>
  new StorageError(Reason.noSuchFile, `no file named ${JSON.stringify(name)} in bucket ${bucket}`);
const fileExists = (bucket: string, name: string) =>
  new StorageError(Reason.exists, `a file named ${JSON.stringify(name)} already exists in ${bucket}; upload with overwrite to replace it`);
const tooLarge = (max: number) => new StorageError(Reason.tooLarge, `files are limited to ${max} bytes`);

function skipVanished(err: unknown): undefined {
  if (err instanceof StorageError && err.reason === Reason.noSuchBucket) return undefined;
  throw err;
}

function totalSize(files: readonly { st: Stats }[]): number {
  return files.reduce((sum, f) => sum + f.st.size, 0);
}
