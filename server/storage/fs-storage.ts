import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { BucketInfo, FileInfo, PailEvent } from '../../shared/protocol/types.ts';
import { isBucketName, isFolderKey } from '../../shared/protocol/names.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import { BodyWriter } from './body-writer.ts';
import { BucketNames } from './bucket-names.ts';
import { FolderCache } from './folder-cache.ts';
import { HashLog, keepsWriterData, type HashRecord } from './hash-log.ts';
import { FolderSyncs } from './folder-syncs.ts';
import { KeyOrder } from './key-order.ts';
import { HashQueue } from './hash-queue.ts';
import { folderFile, listTree } from './tree-listing.ts';
import { Quota, type Reservation } from './quota.ts';
import {
  skipVanished,
  StorageError,
  type ByteRange,
  type ListingQuery,
  type NumberedPartInfo,
  type OpenedFile,
  type PutOptions,
  type Storage,
  type StoredPart,
  type UploadSessionInfo,
} from './storage.ts';
import { UploadSessions } from './upload-sessions.ts';
import { hashFileRange, syncDir } from './durable.ts';
import { errnoCode as code, SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * Buckets as directories and keys as paths under one data folder, so an
 * operator can see and back them up: the key `a/b/c.txt` of bucket `photos`
 * is the file `photos/a/b/c.txt`. Folders are made as keys need them and
 * removed when a delete empties them, unless created on purpose (a key
 * ending in `/`, marked in its parent's log). A key cannot be both a file
 * and a folder (`a` beside `a/b`): the second is refused, `folder-conflict`.
 * Pail's own things live under `.pail/`, a name no bucket can take (bucket
 * names start with a letter or digit):
 *
 *   .pail/tmp/    uploads in progress, renamed into place when complete
 *   .pail/meta/   the SHA-256 records, a log per folder (see hash-log.ts)
 *   .pail/trash/  files and buckets being deleted
 *
 * Symbolic links are never followed: files are opened with O_NOFOLLOW, a key
 * whose folders pass through a link is absent, and listings show only real
 * directories and regular files.
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
  /** The most folder entries kept in memory (1,000,000 when absent: about 130 MB). */
  readonly cachedEntries?: number;
  /** How long an upload session may go untouched before it is removed (24 hours when absent). */
  readonly uploadTtlMs?: number;
}

/** Folders watched for changes made behind Pail's back; past this many, folders are read afresh each time. */
const MAX_WATCHED = 16_384;
/** The entries of a folder read ahead have their stats read too, up to a page's worth. */
const PREFETCH_ROWS = 1_000;
/** How many times a commit makes its folders again when a delete emptied and removed them meanwhile. */
const COMMIT_ATTEMPTS = 5;
/**
 * A body announced at most this size is written to a temporary opened
 * O_SYNC: each write returns once durable, data and metadata, as an fsync
 * after it would make it, without a trip of its own to the thread pool (a
 * body this small goes out in one write). Larger bodies are written first
 * and synced once, not flushed write by write.
 */
const SYNCED_WRITES_UP_TO = 256 << 10;
/** Flags of an upload's temporary: created, never opened if it exists. */
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

export class FsStorage extends EventEmitter<{ change: [PailEvent] }> implements Storage {
  readonly #tmp: string;
  readonly #trash: string;
  readonly #hashes: HashLog;
  readonly #folders: FolderCache;
  readonly #bucketNames: BucketNames;
  readonly #unhashed: HashQueue;
  #uploads!: UploadSessions;
  /** Uploads and deletes finishing together into one folder share its fsync (group commit). */
  readonly #folderSyncs = new FolderSyncs();
  /** Uploads of one key record and commit in turn, so its last record is always its file's. */
  readonly #keyOrder = new KeyOrder();
  /** Each bucket's files and bytes, added up from its folders' totals until one of them changes. */
  readonly #totals = new Map<string, { files: number; bytes: number }>();
  /** Counts folder changes, so a sum made across one is not kept. */
  #changes = 0;
  readonly #log: StorageLog;
  #realRoot: string;
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
    this.#realRoot = root;
    this.#hashes = new HashLog(join(own, 'meta'), this.#tmp, this.#log);
    this.#folders = new FolderCache(root, this.#hashes, { maxEntries: options.cachedEntries ?? 1_000_000, maxWatched: MAX_WATCHED }, (bucket) => {
      this.#changes++;
      this.#totals.delete(bucket);
    });
    this.#bucketNames = new BucketNames(root, () => this.#scanBucketNames());
    this.#unhashed = new HashQueue((bucket, folder, pace) => this.#hashFolder(bucket, folder, pace));
  }

  /** Opens (creating if need be) a data folder, and sweeps what a crash left behind. */
  static async open(root: string, options: FsStorageOptions): Promise<FsStorage> {
    await mkdir(root, { recursive: true });
    const storage = new FsStorage(root, options);
    storage.#realRoot = await realpath(root);
    // Temporaries and trash from an earlier run are never valid data: remove them.
    await rm(storage.#tmp, { recursive: true, force: true });
    await rm(storage.#trash, { recursive: true, force: true });
    await mkdir(storage.#tmp, { recursive: true });
    await mkdir(storage.#trash, { recursive: true });
    await mkdir(storage.#hashes.root, { recursive: true });
    await storage.#sweepRecords();
    if (options.quota) {
      const buckets = await storage.listBuckets();
      storage.#quota = new Quota(options.quota, buckets.reduce((sum, b) => sum + b.bytes, 0));
    }
    // Upload sessions are not swept like temporaries: what they hold was acknowledged.
    storage.#uploads = await UploadSessions.open(join(root, '.pail', 'uploads'), {
      maxFileSize: options.maxFileSize,
      ttlMs: options.uploadTtlMs ?? 24 * 3600_000,
      quota: storage.#quota,
      log: storage.#log,
    });
    return storage;
  }

  /**
   * Removes the SHA-256 records of buckets that no longer exist, and records
   * of an older layout (a file per record); a failure only leaves them (they
   * are harmless). Records of removed folders and files go when their log is
   * next compacted.
   */
  async #sweepRecords(): Promise<void> {
    try {
      const buckets = new Set(await this.#scanBucketNames());
      let removed = 0;
      for (const entry of await readdir(this.#hashes.root, { withFileTypes: true })) {
        const dir = join(this.#hashes.root, entry.name);
        if (!entry.isDirectory() || !buckets.has(entry.name)) {
          await rm(dir, { recursive: true, force: true });
          removed++;
          continue;
        }
        for (const record of await readdir(dir)) {
          if (record.endsWith('.log')) continue;
          await rm(join(dir, record), { recursive: true, force: true });
          removed++;
        }
      }
      if (removed > 0) this.#log.info({ records: removed }, 'removed SHA-256 records of buckets that no longer exist');
    } catch (err) {
      this.#log.warn({ err }, 'cannot sweep the SHA-256 records of buckets that no longer exist');
    }
  }

  async close(): Promise<void> {
    this.#uploads.close();
    this.#unhashed.close();
    this.#folders.close();
    this.#bucketNames.close();
    this.removeAllListeners();
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const names = this.#bucketNames.peek() ?? (await this.#bucketNames.get());
    const buckets: BucketInfo[] = [];
    for (const name of names) {
      const info = await this.#bucketInfo(name).catch(skipVanished);
      if (info) buckets.push(info);
    }
    return buckets;
  }

  async #bucketInfo(bucket: string): Promise<BucketInfo> {
    const dir = await this.#bucketDir(bucket);
    const st = await lstat(dir).catch((err) => {
      throw absent(err) ? noSuchBucket(bucket) : this.#fail(err, `cannot read bucket ${bucket}`);
    });
    const { files, bytes } = await this.#bucketTotals(bucket);
    return { name: bucket, files, bytes, created: new Date(st.birthtimeMs || st.mtimeMs).toISOString() };
  }

  /** A bucket's files and bytes: its folders' totals added up (each read once, then kept until it changes). */
  async #bucketTotals(bucket: string): Promise<{ files: number; bytes: number }> {
    const cached = this.#totals.get(bucket);
    if (cached) return cached;
    const generation = this.#changes;
    let files = 0;
    let bytes = 0;
    const pending = [''];
    while (pending.length) {
      const totals = await this.#folders.totals(bucket, pending.pop()!).catch((err) => {
        throw this.#fail(err, `cannot read bucket ${bucket}`);
      });
      if (!totals) continue;
      files += totals.files;
      bytes += totals.bytes;
      pending.push(...totals.folders);
    }
    const sum = { files, bytes };
    // A sum made while a folder changed serves this caller but is not kept.
    if (this.#changes === generation) this.#totals.set(bucket, sum);
    return sum;
  }

  async createBucket(bucket: string): Promise<void> {
    try {
      await mkdir(join(this.root, bucket));
    } catch (err) {
      if (code(err) === 'EEXIST') throw new StorageError(Reason.exists, `bucket ${bucket} already exists`);
      throw this.#fail(err, `cannot create bucket ${bucket}`);
    }
    await syncDir(this.root);
    this.#bucketNames.invalidate();
    this.emit('change', { kind: 'bucket-created', bucket });
  }

  async deleteBucket(bucket: string, options: { force?: boolean } = {}): Promise<void> {
    const dir = await this.#bucketDir(bucket);
    const held = options.force && this.#quota ? (await this.#bucketTotals(bucket)).bytes : 0;
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
    this.#folders.dropBucket(bucket);
    this.#hashes.forgetBucket(bucket);
    this.#totals.delete(bucket);
    await this.#uploads.dropBucket(bucket);
    this.#bucketNames.invalidate();
    // Records left here are swept at the next start.
    await rm(this.#hashes.bucketDir(bucket), { recursive: true, force: true }).catch((err) =>
      this.#log.warn({ err, bucket }, "cannot remove a deleted bucket's SHA-256 records"),
    );
    this.emit('change', { kind: 'bucket-deleted', bucket });
  }

  async *list(bucket: string, query: ListingQuery = {}): AsyncGenerator<ListingRow> {
    if (!isBucketName(bucket)) throw new StorageError(Reason.badName, `${bucket} is not a bucket name`);
    // The bucket's top folder, cached and watched like any other, says whether the bucket exists.
    const top = await this.#folders.get(bucket, '').catch((err) => {
      throw this.#fail(err, `cannot list ${bucket}`);
    });
    if (!top) throw noSuchBucket(bucket);
    const source = {
      folder: (folder: string) =>
        this.#folders.get(bucket, folder).catch((err) => {
          throw this.#fail(err, `cannot list ${bucket}/${folder}`);
        }),
      unhashed: (folder: string) => this.#unhashed.add(bucket, folder),
      // Read in the background, with its first page's stats: the next page of a listing that walks every folder starts there.
      prefetch: (folder: string) => {
        this.#folders
          .get(bucket, folder)
          .then((snapshot) => snapshot?.statRange(0, PREFETCH_ROWS))
          .catch(() => {}); // the listing that gets there reads it again and reports a failure then
      },
    };
    yield* listTree(bucket, source, query);
  }

  async stat(bucket: string, name: string): Promise<FileInfo> {
    const path = await this.#keyPath(bucket, name);
    const st = await lstat(path).catch((err) => {
      throw absent(err) ? noSuchFile(bucket, name) : this.#fail(err, `cannot read ${bucket}/${name}`);
    });
    if (isFolderKey(name)) {
      if (!st.isDirectory() || !(await this.#isExplicitFolder(bucket, name))) throw noSuchFile(bucket, name);
      return folderFile(bucket, name, st.mtimeMs);
    }
    if (!st.isFile()) throw noSuchFile(bucket, name);
    return this.#fileInfo(bucket, name, path, st);
  }

  async checkPut(bucket: string, name: string, options: PutOptions): Promise<void> {
    this.#checkPutOptions(name, options);
    const path = await this.#keyPath(bucket, name);
    const st = await lstat(path).catch((err) => {
      if (code(err) === 'ENOTDIR') throw underAFile(bucket, name);
      if (absent(err)) return undefined;
      throw this.#fail(err, `cannot check ${bucket}/${name}`);
    });
    if (st) {
      if (isFolderKey(name)) {
        if (!st.isDirectory()) throw underAFile(bucket, name);
        if (!options.overwrite && (await this.#isExplicitFolder(bucket, name))) throw fileExists(bucket, name);
      } else {
        if (st.isDirectory()) throw aFolder(bucket, name);
        if (!options.overwrite) throw fileExists(bucket, name);
      }
    }
    this.#quota?.check(options.size ?? 0);
  }

  /** The checks of checkPut that need no disk. */
  #checkPutOptions(name: string, options: PutOptions): void {
    if (isFolderKey(name) && (options.size === undefined || options.size > 0)) {
      throw new StorageError(Reason.badSize, `${JSON.stringify(name)} is a folder: upload it with size 0`);
    }
    if (options.size !== undefined && options.size > this.options.maxFileSize) {
      throw tooLarge(this.options.maxFileSize);
    }
  }

  async put(bucket: string, name: string, body: AsyncIterable<Buffer>, options: PutOptions): Promise<FileInfo> {
    if (options.checked) this.#checkPutOptions(name, options);
    else await this.checkPut(bucket, name, options);
    if (isFolderKey(name)) return this.#putFolder(bucket, name, body);
    const tmp = join(this.#tmp, `${randomUUID()}.part`);
    // Room is held before the temporary exists: a full quota refuses without touching the disk.
    const reservation = this.#quota?.reserve(options.size ?? 0);
    let fh: FileHandle | undefined;
    try {
      const syncedWrites = options.size !== undefined && options.size > 0 && options.size <= SYNCED_WRITES_UP_TO;
      fh = await open(tmp, syncedWrites ? NEW_FILE | constants.O_SYNC : NEW_FILE, 0o644);
      const { size, sha256, md5 } = await this.#writeBody(fh, body, options, reservation);
      if (options.size !== undefined && size !== options.size) {
        throw new StorageError(Reason.badSize, `the body had ${size} bytes, not the ${options.size} announced`);
      }
      if (options.sha256 !== undefined && options.sha256 !== sha256) {
        throw new StorageError(Reason.checksumMismatch, `the body's SHA-256 is ${sha256}, not ${options.sha256}`);
      }
      if (typeof options.md5 === 'string' && options.md5 !== md5) {
        throw new StorageError(Reason.checksumMismatch, `the body's MD5 is ${md5}, not ${options.md5}`);
      }
      // Each step here is a trip to Node's thread pool and back, so what need not wait runs beside what must:
      // the stats are read while the data is flushed (the last write is done, so they no longer change),
      // and the handle is closed while the file is committed (the commit needs its name, not its descriptor).
      const [, st] = await Promise.all([syncedWrites ? undefined : fh.sync(), fh.stat()]);
      const closed = fh.close();
      fh = undefined;
      closed.catch(() => {}); // awaited below, after the commit
      const { folder, base } = splitKey(name);
      const writerData = { ...(md5 === undefined ? {} : { etag: md5 }), ...(options.attrs === undefined ? {} : { attrs: options.attrs }) };
      const record: HashRecord = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256, ...writerData };
      const replaced = await this.#keyOrder.run(`${bucket}/${name}`, async () => {
        if (keepsWriterData(record)) {
          // An etag or attributes are durable before the file they belong to can be seen (a record for a file
          // that never appears is harmless: its inode matches nothing).
          await this.#hashes.record(bucket, folder, base, record);
          return this.#commit(tmp, bucket, name, options.overwrite === true);
        }
        // A plain record is a cache that cannot lie (a lost one is computed again), so it is appended while the
        // file is committed; the reply waits for both, so a stat right after it finds the record.
        const [, replacedSize] = await Promise.all([this.#hashes.record(bucket, folder, base, record), this.#commit(tmp, bucket, name, options.overwrite === true)]);
        return replacedSize;
      });
      await closed;
      reservation?.commit(size, replaced);
      const info: FileInfo = { bucket, name, size, modified: st.mtime.toISOString(), sha256, ...writerData };
      this.emit('change', { kind: 'file-uploaded', bucket, file: info });
      return info;
    } catch (err) {
      reservation?.release();
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true }).catch((rmErr) => this.#log.warn({ err: rmErr }, 'cannot remove an upload temporary'));
      // A record written for a bucket deleted meanwhile would outlive it.
      if (err instanceof StorageError && err.reason === Reason.noSuchBucket) await this.#dropOrphanRecords(bucket);
      // Errors of the body's source (the client went away) pass through as they are; file system errors get a reason.
      throw err instanceof StorageError || code(err) === undefined ? err : this.#fail(err, `cannot store ${bucket}/${name}`);
    }
  }

  /** Removes a bucket's records when the bucket is gone. */
  async #dropOrphanRecords(bucket: string): Promise<void> {
    const gone = await lstat(join(this.root, bucket)).then(
      () => false,
      (err: unknown) => absent(err),
    );
    if (gone) await rm(this.#hashes.bucketDir(bucket), { recursive: true, force: true }).catch(() => {});
  }

  /** An explicit folder: made (with the folders above it), marked in its parent's log, both durable before the answer. */
  async #putFolder(bucket: string, name: string, body: AsyncIterable<Buffer>): Promise<FileInfo> {
    for await (const chunk of body) if (chunk.length > 0) throw new StorageError(Reason.badSize, `${JSON.stringify(name)} is a folder: it holds no bytes`);
    const dir = await this.#keyPath(bucket, name);
    await this.#makeFolders(bucket, name);
    const st = await lstat(dir).catch((err) => {
      throw absent(err) ? noSuchBucket(bucket) : this.#fail(err, `cannot store ${bucket}/${name}`);
    });
    if (!st.isDirectory()) throw underAFile(bucket, name);
    const { folder, base } = splitKey(name);
    await this.#hashes.mark(bucket, folder, `${base}/`, st.ino).catch((err) => {
      throw this.#fail(err, `cannot store ${bucket}/${name}`);
    });
    this.#folders.invalidate(bucket, folder);
    const info = folderFile(bucket, name, st.mtimeMs);
    this.emit('change', { kind: 'file-uploaded', bucket, file: info });
    return info;
  }

  async get(bucket: string, name: string, range?: ByteRange, options: { readonly sha256?: string } = {}): Promise<OpenedFile> {
    if (isFolderKey(name)) return emptyFile(await this.stat(bucket, name), range, options);
    const path = await this.#keyPath(bucket, name);
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
      const { offset, length } = within(info, range);
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
    if (isFolderKey(name)) return this.#deleteFolder(bucket, name);
    const path = await this.#keyPath(bucket, name);
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
    const { folder } = splitKey(name);
    this.#folders.invalidate(bucket, folder);
    await this.#syncNearestFolder(bucket, folder);
    this.#discard(retired);
    this.#quota?.freed(st.size);
    await this.#pruneFolders(bucket, folder);
    this.emit('change', { kind: 'file-deleted', bucket, name });
  }

  async beginUpload(bucket: string, name: string, options: PutOptions & { readonly numbered?: boolean }): Promise<UploadSessionInfo> {
    if (isFolderKey(name)) throw new StorageError(Reason.badName, `${JSON.stringify(name)} is a folder: make it with a plain upload of size 0`);
    // A size not known yet is checked as parts come; the rest as a plain upload is before its body.
    await this.checkPut(bucket, name, { ...options, size: options.size ?? 0 });
    return this.#uploads.begin(bucket, name, options);
  }

  checkPart(upload: string, offset: number, size: number | undefined): Promise<void> {
    return this.#uploads.checkPart(upload, offset, size);
  }

  writePart(upload: string, offset: number, body: AsyncIterable<Buffer>, options: { size?: number; sha256?: string }): Promise<StoredPart> {
    return this.#uploads.writePart(upload, offset, body, options);
  }

  checkNumberedPart(upload: string, number: number, size: number | undefined): Promise<void> {
    return this.#uploads.checkNumberedPart(upload, number, size);
  }

  writeNumberedPart(upload: string, number: number, body: AsyncIterable<Buffer>, options: { size?: number; md5?: string; sha256?: string }): Promise<NumberedPartInfo> {
    return this.#uploads.writeNumberedPart(upload, number, body, options);
  }

  listParts(upload: string): Promise<NumberedPartInfo[]> {
    return this.#uploads.listParts(upload);
  }

  uploadStatus(upload: string): Promise<UploadSessionInfo> {
    return this.#uploads.status(upload);
  }

  abortUpload(upload: string): Promise<void> {
    return this.#uploads.abort(upload);
  }

  async listUploads(bucket: string): Promise<UploadSessionInfo[]> {
    await this.#bucketDir(bucket);
    return this.#uploads.list(bucket);
  }

  /**
   * Completes a session: its data file, synced part by part, is committed to
   * its key as a plain upload's temporary is (a link or a rename, then the
   * folder synced), so the file appears whole and at once. A key taken
   * meanwhile without overwrite, or a SHA-256 that differs, refuses and keeps
   * the session. A file made of numbered parts keeps S3's multipart etag, its
   * record durable before the file appears, as the md5 option's etag is.
   */
  async completeUpload(upload: string, options: { sha256?: string; parts?: readonly number[]; create?: boolean }): Promise<FileInfo> {
    const assembled = await this.#uploads.assemble(upload, options);
    const { bucket, key, attrs } = assembled.meta;
    // create: the key must not exist, whatever the session was begun with.
    const overwrite = assembled.meta.overwrite && options.create !== true;
    const writerData = { ...(assembled.etag === undefined ? {} : { etag: assembled.etag }), ...(attrs === undefined ? {} : { attrs }) };
    const commit = async () => {
      await this.checkPut(bucket, key, { overwrite, size: 0 });
      const st = await lstat(assembled.path);
      const { folder, base } = splitKey(key);
      const replaced = await this.#keyOrder.run(`${bucket}/${key}`, async () => {
        await this.#hashes.record(bucket, folder, base, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256: assembled.sha256, ...writerData });
        return this.#commit(assembled.path, bucket, key, overwrite);
      });
      return { st, replaced };
    };
    // A failed commit gives the session back as it was: its parts may be sent and completed again.
    const { st, replaced } = await commit().catch((err: unknown) => {
      assembled.release();
      throw err;
    });
    assembled.stored(replaced);
    await assembled.finish().catch((err) => this.#log.warn({ err, upload }, 'cannot remove a completed upload session; the next start will'));
    const info: FileInfo = { bucket, name: key, size: assembled.size, modified: st.mtime.toISOString(), sha256: assembled.sha256, ...writerData };
    this.emit('change', { kind: 'file-uploaded', bucket, file: info });
    return info;
  }

  /** Deletes an explicit folder: its mark, and the folder itself if it holds nothing. */
  async #deleteFolder(bucket: string, name: string): Promise<void> {
    await this.stat(bucket, name);
    const { folder, base } = splitKey(name);
    await this.#hashes.mark(bucket, folder, `${base}/`, undefined).catch((err) => {
      throw this.#fail(err, `cannot delete ${bucket}/${name}`);
    });
    this.#folders.invalidate(bucket, folder);
    await this.#pruneFolders(bucket, name);
    this.emit('change', { kind: 'file-deleted', bucket, name });
  }

  /**
   * Removes `folder` and the folders above it as long as each is empty and
   * not marked as made on purpose; a folder in use again (an upload made it
   * anew) stops the climb. The parent of the last one removed is synced.
   */
  async #pruneFolders(bucket: string, folder: string): Promise<void> {
    let current = folder;
    let removed = false;
    while (current !== '') {
      const { folder: parent, base } = splitKey(current);
      const above = await this.#folders.get(bucket, parent).catch(() => undefined);
      if (!above || above.isMarked(base)) break;
      try {
        await rmdir(join(this.root, bucket, current));
      } catch (err) {
        // Not empty (or gone, or not ours to remove): the climb ends here.
        if (code(err) !== 'ENOTEMPTY' && code(err) !== 'EEXIST' && !absent(err)) this.#log.warn({ err, bucket, folder: current }, 'cannot remove an emptied folder');
        break;
      }
      removed = true;
      this.#folders.forget(bucket, current);
      this.#folders.invalidate(bucket, parent);
      void this.#hashes.drop(bucket, current);
      current = parent;
    }
    if (removed) await syncDir(join(this.root, bucket, current)).catch(() => {});
  }

  /**
   * Syncs `folder`, or, when a delete finishing beside this one emptied and
   * removed it meanwhile (#pruneFolders), the nearest folder above that is
   * still there: that removal, made durable there, carries this one's.
   */
  async #syncNearestFolder(bucket: string, folder: string): Promise<void> {
    for (let current = folder; ; current = splitKey(current).folder) {
      try {
        await this.#folderSyncs.sync(join(this.root, bucket, current));
        return;
      } catch (err) {
        if (!absent(err) || current === '') throw this.#fail(err, `cannot sync ${bucket}/${folder}`);
      }
    }
  }

  /** Whether a folder key is an explicit folder: marked in its parent's log, or holding nothing at all. */
  async #isExplicitFolder(bucket: string, name: string): Promise<boolean> {
    const { folder, base } = splitKey(name);
    const parent = await this.#folders.get(bucket, folder);
    if (parent?.isMarked(base)) return true;
    const inner = await this.#folders.get(bucket, name);
    return inner !== undefined && inner.length === 0;
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

  /**
   * The StorageError for a file system failure. A full disk is the client's
   * to hear about; anything else is Pail's to explain, so it is logged with
   * its cause (the client only sees `internal`).
   */
  #fail(err: unknown, message: string): StorageError {
    if (err instanceof StorageError) return err;
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

  /**
   * The path of a key in an existing bucket. A key inside folders is absent
   * when any of them is a symbolic link: the folders' real path must be
   * where the key says.
   */
  async #keyPath(bucket: string, name: string): Promise<string> {
    const dir = await this.#bucketDir(bucket);
    const path = join(dir, name);
    const { folder } = splitKey(name);
    if (folder !== '') {
      const real = await realpath(join(dir, folder)).catch((err) => {
        if (absent(err) || code(err) === 'ELOOP') return undefined;
        throw this.#fail(err, `cannot read ${bucket}/${name}`);
      });
      if (real !== undefined && real !== join(this.#realRoot, bucket, folder.slice(0, -1))) throw noSuchFile(bucket, name);
    }
    return path;
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

  /** Hashes the files of a folder whose SHA-256 is not known yet, one at a time at the pace the queue sets (stat records each). */
  async #hashFolder(bucket: string, folder: string, pace: () => Promise<boolean>): Promise<void> {
    const snapshot = await this.#folders.get(bucket, folder);
    if (!snapshot) return;
    for (let i = 0; i < snapshot.length; i++) {
      if (snapshot.isDir(i) || snapshot.isGone(i) || snapshot.sha256(i) !== undefined) continue;
      if (!(await pace())) return;
      // A file gone meanwhile is simply skipped.
      await this.stat(bucket, folder + snapshot.names[i]).catch(() => {});
    }
  }

  /** A file's description, its SHA-256 (and etag and attributes) from its folder's log when the record matches, else computed and recorded. */
  async #fileInfo(bucket: string, name: string, path: string, st: Stats): Promise<FileInfo> {
    const describe = (r: HashRecord): FileInfo => ({
      bucket,
      name,
      size: st.size,
      modified: st.mtime.toISOString(),
      sha256: r.sha256,
      ...(r.etag === undefined ? {} : { etag: r.etag }),
      ...(r.attrs === undefined ? {} : { attrs: r.attrs }),
    });
    const recent = this.#hashes.recent(bucket, name);
    if (recent && recent.ino === st.ino && recent.size === st.size && recent.mtimeMs === st.mtimeMs) return describe(recent);
    const { folder, base } = splitKey(name);
    const snapshot = await this.#folders.get(bucket, folder).catch(() => undefined);
    const index = snapshot?.fileIndex(base) ?? -1;
    let record = index >= 0 ? snapshot?.recorded(index, st) : undefined;
    if (record === undefined) {
      record = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, sha256: await hashFile(path) };
      await this.#hashes.record(bucket, folder, base, record);
      if (snapshot && index >= 0) snapshot.learn(index, record);
    }
    return describe(record);
  }

  async #writeBody(fh: FileHandle, body: AsyncIterable<Buffer>, options: PutOptions, reservation: Reservation | undefined) {
    const limit = Math.min(options.size ?? Infinity, this.options.maxFileSize);
    const writer = new BodyWriter(fh, undefined, { md5: options.md5 !== undefined });
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

  /** Makes the folders a key needs; a file where a folder must be is a `folder-conflict`. */
  async #makeFolders(bucket: string, name: string): Promise<void> {
    const { folder } = splitKey(isFolderKey(name) ? `${name}x` : name);
    if (folder === '') return;
    for (let attempt = 1; ; attempt++) {
      await this.#bucketDir(bucket);
      try {
        const made = await mkdir(join(this.root, bucket, folder), { recursive: true });
        if (made !== undefined) {
          // Each new folder's entry is made durable in its parent, from the first folder that already was.
          let parent = splitKey(`${made.slice(join(this.root, bucket).length + 1)}/`).folder;
          while (parent !== folder) {
            await syncDir(join(this.root, bucket, parent));
            this.#folders.invalidate(bucket, parent);
            parent = folder.slice(0, folder.indexOf('/', parent.length) + 1);
          }
        }
        return;
      } catch (err) {
        if (code(err) === 'EEXIST' || code(err) === 'ENOTDIR') throw underAFile(bucket, name);
        // A delete that emptied a folder on the way removed it meanwhile (the bucket was there a moment ago): make it again.
        if (absent(err) && attempt < COMMIT_ATTEMPTS) continue;
        if (absent(err)) throw noSuchBucket(bucket);
        throw this.#fail(err, `cannot store ${bucket}/${name}`);
      }
    }
  }

  /**
   * Moves a complete, synced temporary to its key, making the folders it
   * needs, and syncs the folder. Resolves to the size of the file it replaced
   * (0 for a new key).
   */
  async #commit(tmp: string, bucket: string, name: string, overwrite: boolean): Promise<number> {
    const { folder } = splitKey(name);
    const dest = join(this.root, bucket, name);
    let replaced = 0;
    // The temporary's second name is removed while the folder is synced: it is not the key's, and one left by a crash is swept at the next start.
    let tmpRemoved: Promise<void> = Promise.resolve();
    for (let attempt = 1; ; attempt++) {
      await this.#makeFolders(bucket, name);
      try {
        if (overwrite) {
          const old = await lstat(dest).catch((err) => {
            if (absent(err)) return undefined;
            throw err; // answered below
          });
          if (old?.isDirectory()) throw aFolder(bucket, name);
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
          tmpRemoved = unlink(tmp).catch((err) => this.#log.warn({ err, path: tmp }, 'cannot remove an upload temporary'));
        }
        break;
      } catch (err) {
        if (err instanceof StorageError) throw err;
        if (code(err) === 'EEXIST') {
          const st = await lstat(dest).catch(() => undefined);
          throw st?.isDirectory() ? aFolder(bucket, name) : fileExists(bucket, name);
        }
        // Overwriting a folder of the same name fails here.
        if (code(err) === 'EISDIR' || code(err) === 'ENOTEMPTY') throw aFolder(bucket, name);
        // A delete that emptied the folder removed it meanwhile: make it again.
        if (code(err) === 'ENOENT' && attempt < COMMIT_ATTEMPTS) continue;
        if (absent(err)) throw noSuchBucket(bucket);
        throw this.#fail(err, `cannot store ${bucket}/${name}`);
      }
    }
    this.#folders.invalidate(bucket, folder);
    // A delete of this very key may have removed the file and its emptied folder meanwhile: then the folder above it is synced.
    await Promise.all([this.#syncNearestFolder(bucket, folder), tmpRemoved]);
    return replaced;
  }
}

/** Splits a key into its folder ('' or ending in `/`) and its last name (an explicit folder's without its `/`). */
function splitKey(key: string): { folder: string; base: string } {
  const bare = key.endsWith('/') ? key.slice(0, -1) : key;
  const slash = bare.lastIndexOf('/');
  return { folder: bare.slice(0, slash + 1), base: bare.slice(slash + 1) };
}

/** The range of a file a download asked for, or `bad-range`. */
function within(info: FileInfo, range: ByteRange | undefined): { offset: number; length: number } {
  const offset = range?.offset ?? 0;
  const length = range?.length ?? info.size - offset;
  if (offset > info.size || offset + length > info.size) {
    throw new StorageError(Reason.badRange, `the range ${offset}+${length} lies outside the file's ${info.size} bytes`);
  }
  return { offset, length };
}

/** An explicit folder opened for reading: no bytes. */
function emptyFile(info: FileInfo, range: ByteRange | undefined, options: { readonly sha256?: string }): OpenedFile {
  if (options.sha256 !== undefined && info.sha256 !== options.sha256) {
    throw new StorageError(Reason.changed, `${info.bucket}/${info.name} has SHA-256 ${info.sha256} now, not ${options.sha256}`);
  }
  const { offset, length } = within(info, range);
  return { info, offset, length, read: () => Promise.resolve(0), close: () => Promise.resolve() };
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFileRange(path, hash);
  return hash.digest('hex');
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
const aFolder = (bucket: string, name: string) =>
  new StorageError(Reason.folderConflict, `${JSON.stringify(name)} is a folder in ${bucket} (keys are stored under it); a key cannot be both`);
const underAFile = (bucket: string, name: string) =>
  new StorageError(Reason.folderConflict, `a folder of ${JSON.stringify(name)} is a file in ${bucket}; a key cannot be both a file and a folder`);



