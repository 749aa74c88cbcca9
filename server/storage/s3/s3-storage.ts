import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Reason } from '../../../shared/protocol/reasons.ts';
import type { BucketInfo, FileInfo, PailEvent } from '../../../shared/protocol/types.ts';
import { bucketNameProblem, compareKeys, isFolderKey } from '../../../shared/protocol/names.ts';
import type { ListingRow } from '../../../shared/protocol/listing.ts';
import { Quota } from '../quota.ts';
import { multipartUploads } from './multipart-uploads.ts';
import {
  StorageError,
  skipVanished,
  type ByteRange,
  type ListingQuery,
  type NumberedPartInfo,
  type OpenedFile,
  type PutOptions,
  type Storage,
  type StoredPart,
  type UploadSessionInfo,
} from '../storage.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';
import { EMPTY_SHA256 } from '../tree-listing.ts';
import { Claims } from './claims.ts';
import { EventLog } from './event-log.ts';
import { engineClient, outage, type EngineTimeouts } from './engine-client.ts';
import { isNoSuchBucket, isNotFound, isPreconditionFailed } from './engine-errors.ts';
import { BucketTotals } from './bucket-totals.ts';
import { EngineListing } from './engine-listing.ts';
import { META_ATTRS, META_ETAG, META_SHA256, readPailMeta } from './object-meta.ts';
import { fileExists, noSuchBucket, noSuchFile, tooLarge } from './refusals.ts';
import { EngineReader } from './engine-reader.ts';
import { receiveBody, type ReceivedBody } from './received-body.ts';
import { S3Sessions } from './s3-sessions.ts';
import { ENGINE_BUCKET_MAX, parseStoreUrl, redactStoreUrl, type StoreUrl } from '../../../shared/config/store-url.ts';

export interface S3StorageOptions {
  readonly maxFileSize: number;
  readonly quota?: number;
  readonly uploadTtlMs: number;
  readonly log?: StorageLog;
  /** The engine client's timeouts (engine-client.ts); its defaults unless given. */
  readonly engineTimeouts?: EngineTimeouts;
}

/** The Pail bucket name this backend keeps for its own objects (claims, staging, upload sessions). */
export const SYSTEM_BUCKET = 'pail-system';

/**
 * How live events cross bucket servers (event-log.ts): looked for four times
 * a second, from 5 s before the last look (clocks and slow writes), kept 10
 * minutes. A change made through another server is seen within about a poll
 * and a round trip to the engine; issue 17 asks for 2 s.
 */
const EVENT_TIMING = { pollMs: 250, windowMs: 5_000, keepMs: 600_000 };
/** CopyObject copies at most 5 GiB; larger files are published with a multipart copy of parts this large. */
const COPY_MAX = 5 * 1024 ** 3;
const COPY_PART = 1024 ** 3;

/** A character XML 1.0 cannot carry (its Char production): such a key cannot be named in a DeleteObjects body. */
const NOT_IN_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;


/**
 * Pail's files in an S3 engine (Ceph RGW, or any S3-compatible one). Each
 * Pail bucket B is the engine bucket PREFIX+B; a Pail key is the engine key
 * unchanged; a file's SHA-256, etag and attributes are its object's
 * metadata. Pail's own objects (create claims, staging bodies, upload
 * sessions) live in one engine bucket, PREFIX+pail-system, so several bucket
 * servers over one engine share everything and keep nothing of their own
 * but caches. See docs in s3-sessions.ts, claims.ts and received-body.ts.
 */
export class S3Storage extends EventEmitter<{ change: [PailEvent] }> implements Storage {
  readonly #engine: S3Client;
  readonly #system: string;
  readonly #claims: Claims;
  readonly #listing: EngineListing;
  readonly #log: StorageLog;
  readonly #totals: BucketTotals;
  /** SHA-256s computed for objects written behind Pail's back, by bucket, key and engine etag. */
  readonly #computed = new Map<string, string>();
  #quota: Quota | undefined;
  #sessions!: S3Sessions;
  #events!: EventLog;

  private constructor(
    readonly store: StoreUrl,
    readonly options: S3StorageOptions,
  ) {
    super();
    this.#log = options.log ?? SILENT_LOG;
    this.#engine = engineClient(store, this.#log, options.engineTimeouts);
    this.#system = store.prefix + SYSTEM_BUCKET;
    this.#claims = new Claims(this.#engine, this.#system);
    this.#listing = new EngineListing(this.#engine, (err, message) => this.#fail(err, message));
    this.#totals = new BucketTotals(this.#listing);
  }

  /** Connects to the engine named by a `PAIL_STORE` URL and makes the system bucket if need be. */
  static async open(url: string, options: S3StorageOptions): Promise<S3Storage> {
    const storage = new S3Storage(parseStoreUrl(url), options);
    try {
      await storage.#engine.send(new CreateBucketCommand({ Bucket: storage.#system })).catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
      });
      if (options.quota) {
        const buckets = await storage.listBuckets();
        storage.#quota = new Quota(options.quota, buckets.reduce((sum, b) => sum + b.bytes, 0));
      }
    } catch (err) {
      storage.#engine.destroy();
      throw new StorageError(err instanceof StorageError ? err.reason : Reason.internal, `cannot open the store ${redactStoreUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    storage.#events = new EventLog(storage.#engine, storage.#system, {
      ...EVENT_TIMING,
      log: storage.#log,
      onEvent: (event) => {
        // Another bucket server's change: this server's cached totals of that bucket are stale too.
        storage.#wrote(event.bucket);
        storage.emit('change', event);
      },
    });
    storage.#events.start();
    storage.#sessions = new S3Sessions(storage.#engine, storage.#system, {
      maxFileSize: options.maxFileSize,
      ttlMs: options.uploadTtlMs,
      log: storage.#log,
      quota: storage.#quota,
      receive: (body, receiveOptions) => storage.#receive(body, receiveOptions),
    });
    // Sessions past their time to live go at start-up, as on the data folder, not a sweep interval later.
    await storage.#sessions.sweep().catch((err) => storage.#log.warn({ err }, 'cannot sweep expired upload sessions at start-up'));
    // The room sessions hold, held again: an engine's sessions count against this server's quota from its start.
    await storage.#sessions.restoreHeld().catch((err) => storage.#log.warn({ err }, "cannot count the upload sessions' room against the quota"));
    return storage;
  }

  async close(): Promise<void> {
    await this.#events.close();
    this.#sessions.close();
    this.#engine.destroy();
    this.removeAllListeners();
  }

  /** The engine bucket of a Pail bucket; a name the engine cannot hold with the prefix is refused. */
  engineBucket(bucket: string): string {
    const problem = bucketNameProblem(bucket);
    if (problem) throw new StorageError(Reason.badName, `${bucket} is not a bucket name: ${problem}`);
    if (bucket === SYSTEM_BUCKET) throw new StorageError(Reason.badName, `${SYSTEM_BUCKET} is reserved for Pail's own objects on this store`);
    const room = ENGINE_BUCKET_MAX - this.store.prefix.length;
    if (bucket.length > room) {
      throw new StorageError(
        Reason.badName,
        `${bucket} is too long for this store: its engine bucket names start with ${JSON.stringify(this.store.prefix)}, so a bucket name has at most ${room} characters`,
      );
    }
    return this.store.prefix + bucket;
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const listed = await this.#engine.send(new ListBucketsCommand({})).catch((err) => {
      throw this.#fail(err, 'cannot list the buckets');
    });
    const buckets: BucketInfo[] = [];
    for (const b of listed.Buckets ?? []) {
      const name = b.Name!.slice(this.store.prefix.length);
      if (!b.Name!.startsWith(this.store.prefix) || name === SYSTEM_BUCKET || bucketNameProblem(name)) continue;
      const totals = await this.#totals.of(name, this.engineBucket(name)).catch(skipVanished);
      if (totals) buckets.push({ name, ...totals, created: (b.CreationDate ?? new Date(0)).toISOString() });
    }
    return buckets.sort((a, b) => compareKeys(a.name, b.name));
  }

  async createBucket(bucket: string): Promise<void> {
    const engineBucket = this.engineBucket(bucket);
    // The engine answers 200 to a create of a bucket its owner has (measured on RGW 16.2): look first.
    if (await this.#bucketExists(engineBucket)) throw new StorageError(Reason.exists, `bucket ${bucket} already exists`);
    await this.#engine.send(new CreateBucketCommand({ Bucket: engineBucket })).catch((err) => {
      if (['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((err as { name?: string }).name ?? '')) {
        throw new StorageError(Reason.exists, `bucket ${bucket} already exists`);
      }
      throw this.#fail(err, `cannot create bucket ${bucket}`);
    });
    this.#changed({ kind: 'bucket-created', bucket });
  }

  async #bucketExists(engineBucket: string): Promise<boolean> {
    try {
      await this.#engine.send(new HeadBucketCommand({ Bucket: engineBucket }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.#fail(err, `cannot look for bucket ${engineBucket}`);
    }
  }

  async deleteBucket(bucket: string, options: { force?: boolean } = {}): Promise<void> {
    const engineBucket = this.engineBucket(bucket);
    if (!(await this.#bucketExists(engineBucket))) throw noSuchBucket(bucket);
    let freed = 0;
    if (options.force) {
      // Emptied a page at a time (the engine deletes a bucket only when it is empty).
      for await (const page of this.#listing.pages(bucket, engineBucket, {})) {
        const keys = (page.Contents ?? []).map((o) => o.Key!);
        freed += (page.Contents ?? []).reduce((sum, o) => sum + (o.Size ?? 0), 0);
        // DeleteObjects names its keys in an XML body, which cannot carry some characters a key may hold (U+FFFF):
        // those go one at a time, named in the request's path.
        const inXml = keys.filter((key) => !NOT_IN_XML.test(key));
        if (inXml.length) await this.#engine.send(new DeleteObjectsCommand({ Bucket: engineBucket, Delete: { Objects: inXml.map((Key) => ({ Key })), Quiet: true } }));
        for (const Key of keys.filter((key) => NOT_IN_XML.test(key))) await this.#engine.send(new DeleteObjectCommand({ Bucket: engineBucket, Key }));
      }
      // A publish of a file over 5 GiB in progress (a multipart copy) holds parts the engine counts as contents.
      for await (const u of multipartUploads(this.#engine, engineBucket)) {
        await this.#engine.send(new AbortMultipartUploadCommand({ Bucket: engineBucket, Key: u.Key!, UploadId: u.UploadId! })).catch(() => {});
      }
    }
    await this.#engine.send(new DeleteBucketCommand({ Bucket: engineBucket })).catch((err) => {
      if ((err as { name?: string }).name === 'BucketNotEmpty') throw new StorageError(Reason.notEmpty, `bucket ${bucket} still holds files; delete it with force`);
      if (isNotFound(err)) throw noSuchBucket(bucket);
      throw this.#fail(err, `cannot delete bucket ${bucket}`);
    });
    this.#quota?.freed(freed);
    this.#totals.forget(bucket);
    await this.#sessions.dropBucket(bucket).catch((err) => this.#log.warn({ err, bucket }, "cannot remove a deleted bucket's upload sessions"));
    this.#changed({ kind: 'bucket-deleted', bucket });
  }

  /** A bucket's rows in key order, each file's metadata looked up a few rows ahead of the caller (engine-listing.ts). */
  async *list(bucket: string, query: ListingQuery = {}): AsyncGenerator<ListingRow> {
    yield* this.#listing.rows(bucket, this.engineBucket(bucket), query);
  }

  async stat(bucket: string, name: string): Promise<FileInfo> {
    const head = await this.#head(bucket, name);
    return this.#describe(bucket, name, head);
  }

  async #head(bucket: string, name: string): Promise<HeadObjectCommandOutput> {
    const engineBucket = this.engineBucket(bucket);
    try {
      return await this.#engine.send(new HeadObjectCommand({ Bucket: engineBucket, Key: name }));
    } catch (err) {
      if (isNotFound(err)) {
        // A HEAD's 404 has no body: whether the bucket is there tells the two apart.
        throw (await this.#bucketExists(engineBucket)) ? noSuchFile(bucket, name) : noSuchBucket(bucket);
      }
      throw this.#fail(err, `cannot read ${bucket}/${name}`);
    }
  }

  /** A file's description from its HEAD; an object written behind Pail's back has its SHA-256 computed once per process. */
  async #describe(bucket: string, name: string, head: HeadObjectCommandOutput): Promise<FileInfo> {
    const meta = readPailMeta(head.Metadata);
    const size = head.ContentLength ?? 0;
    const sha256 = meta.sha256 ?? (size === 0 ? EMPTY_SHA256 : await this.#computeSha256(bucket, name, head.ETag!, size));
    return {
      bucket,
      name,
      size,
      modified: (head.LastModified ?? new Date()).toISOString(),
      sha256,
      ...(meta.etag === undefined ? {} : { etag: meta.etag }),
      ...(meta.attrs === undefined ? {} : { attrs: meta.attrs }),
    };
  }

  /**
   * The SHA-256 of an object without Pail's metadata (written to the engine
   * directly), read once through a GET pinned to its etag and kept in memory
   * by etag. It is not written back: RGW ignores CopySourceIfMatch (measured),
   * so a metadata copy could pin a hash on a newer version.
   */
  async #computeSha256(bucket: string, name: string, etag: string, size: number): Promise<string> {
    const cacheKey = `${bucket}\n${name}\n${etag}`;
    const known = this.#computed.get(cacheKey);
    if (known) return known;
    const reader = new EngineReader(this.#engine, this.engineBucket(bucket), name, etag, size, `${bucket}/${name}`);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    try {
      for (let position = 0; position < size; ) {
        const n = await reader.read(buffer, buffer.length, position);
        hash.update(buffer.subarray(0, n));
        position += n;
      }
    } finally {
      await reader.close();
    }
    const sha256 = hash.digest('hex');
    if (this.#computed.size > 100_000) this.#computed.clear();
    this.#computed.set(cacheKey, sha256);
    return sha256;
  }

  async checkPut(bucket: string, name: string, options: PutOptions): Promise<void> {
    if (isFolderKey(name) && (options.size === undefined || options.size > 0)) {
      throw new StorageError(Reason.badSize, `${JSON.stringify(name)} is a folder: upload it with size 0`);
    }
    if (options.size !== undefined && options.size > this.options.maxFileSize) throw tooLarge(this.options.maxFileSize);
    if (options.overwrite) {
      // Whether a file is there changes nothing for an overwrite: only the bucket must be (one request, not two).
      if (!(await this.#bucketExists(this.engineBucket(bucket)))) throw noSuchBucket(bucket);
    } else {
      const existing = await this.#head(bucket, name).catch((err: unknown) => {
        if (err instanceof StorageError && err.reason === Reason.noSuchFile) return undefined;
        throw err;
      });
      if (existing) throw fileExists(bucket, name);
    }
    this.#quota?.check(options.size ?? 0);
  }

  async put(bucket: string, name: string, body: AsyncIterable<Buffer>, options: PutOptions): Promise<FileInfo> {
    await this.checkPut(bucket, name, options);
    const reservation = this.#quota?.reserve(options.size ?? 0);
    let received: ReceivedBody | undefined;
    try {
      received = await this.#receive(body, {
        size: options.size,
        maxSize: this.options.maxFileSize,
        tooLargeMessage: `files are limited to ${this.options.maxFileSize} bytes`,
        md5: options.md5 !== undefined,
        grow: reservation ? (bytes) => reservation.grow(bytes) : undefined,
      });
      if (isFolderKey(name) && received.size > 0) throw new StorageError(Reason.badSize, `${JSON.stringify(name)} is a folder: it holds no bytes`);
      if (options.sha256 !== undefined && options.sha256 !== received.sha256) {
        throw new StorageError(Reason.checksumMismatch, `the body's SHA-256 is ${received.sha256}, not ${options.sha256}`);
      }
      if (typeof options.md5 === 'string' && options.md5 !== received.md5) {
        throw new StorageError(Reason.checksumMismatch, `the body's MD5 is ${received.md5}, not ${options.md5}`);
      }
      const writer = { ...(received.md5 === undefined ? {} : { etag: received.md5 }), ...(options.attrs === undefined ? {} : { attrs: options.attrs }) };
      const { replaced, modified } = await this.publish(bucket, name, received, { sha256: received.sha256, ...writer }, options.overwrite === true);
      reservation?.commit(received.size, replaced);
      const info: FileInfo = { bucket, name, size: received.size, modified, sha256: received.sha256, ...writer };
      this.#wrote(bucket);
      this.#changed({ kind: 'file-uploaded', bucket, file: info });
      return info;
    } catch (err) {
      reservation?.release();
      throw err instanceof StorageError || (err as { $metadata?: unknown }).$metadata === undefined ? err : this.#fail(err, `cannot store ${bucket}/${name}`);
    } finally {
      await received?.discard().catch((err) => this.#log.warn({ err }, 'cannot remove a staging object'));
    }
  }

  #receive(body: AsyncIterable<Buffer>, options: Parameters<typeof receiveBody>[3]): Promise<ReceivedBody> {
    return receiveBody(this.#engine, this.#system, body, options);
  }

  /**
   * Makes a received body visible at its key with its metadata, in one step
   * a reader sees whole or not at all: one PutObject of a small body, a copy
   * of a staged one. Without overwrite it holds the key's claim, checks the
   * key is free, and (small) puts with If-None-Match too. Resolves to the
   * size of the file replaced (0 for none, or when not known without a quota)
   * and the time the engine gives the version written (what stat says of it).
   */
  async publish(bucket: string, name: string, received: ReceivedBody, meta: { sha256: string; etag?: string; attrs?: string }, overwrite: boolean): Promise<{ replaced: number; modified: string }> {
    const engineBucket = this.engineBucket(bucket);
    const metadata: Record<string, string> = { [META_SHA256]: meta.sha256 };
    if (meta.etag !== undefined) metadata[META_ETAG] = meta.etag;
    if (meta.attrs !== undefined) metadata[META_ATTRS] = encodeURIComponent(meta.attrs);
    /** Writes the version; resolves to the engine's etag of it. */
    const write = async (create: boolean): Promise<string | undefined> => {
      if (received.small) {
        const put = await this.#engine
          .send(new PutObjectCommand({ Bucket: engineBucket, Key: name, Body: received.small, ContentLength: received.small.length, Metadata: metadata, ...(create ? { IfNoneMatch: '*' } : {}) }))
          .catch((err) => {
            if (create && isPreconditionFailed(err)) throw fileExists(bucket, name);
            throw isNoSuchBucket(err) ? noSuchBucket(bucket) : err;
          });
        return put.ETag;
      }
      return this.#copy(engineBucket, name, received.staging!, received.size, metadata).catch((err) => {
        throw isNoSuchBucket(err) ? noSuchBucket(bucket) : err;
      });
    };
    if (!overwrite) {
      return this.#claims.hold(bucket, name, async () => {
        const existing = await this.#head(bucket, name).catch((err: unknown) => {
          if (err instanceof StorageError && err.reason === Reason.noSuchFile) return undefined;
          throw err;
        });
        if (existing) throw fileExists(bucket, name);
        return { replaced: 0, modified: await this.#modifiedOf(engineBucket, name, await write(true)) };
      });
    }
    const replaced = this.#quota ? await this.#head(bucket, name).then((h) => h.ContentLength ?? 0, () => 0) : 0;
    return { replaced, modified: await this.#modifiedOf(engineBucket, name, await write(false)) };
  }

  /**
   * The time the engine gives a version just written, as stat will say it: a PutObject answers no time, and
   * the engine's own (to the second in HEAD) is not this server's clock. Taken by a HEAD of that version
   * (If-Match its etag); this server's clock only if it was replaced meanwhile.
   */
  async #modifiedOf(engineBucket: string, name: string, etag: string | undefined): Promise<string> {
    if (etag !== undefined) {
      const quoted = etag.startsWith('"') ? etag : `"${etag}"`;
      const head = await this.#engine.send(new HeadObjectCommand({ Bucket: engineBucket, Key: name, IfMatch: quoted })).catch((err: unknown) => {
        if (isPreconditionFailed(err) || isNotFound(err)) return undefined;
        throw err;
      });
      if (head?.LastModified) return head.LastModified.toISOString();
    }
    return new Date().toISOString();
  }

  /** Copies a staging object to its key with new metadata: CopyObject up to 5 GiB, a multipart copy above. */
  async #copy(engineBucket: string, name: string, staging: string, size: number, metadata: Record<string, string>): Promise<string | undefined> {
    const source = `${this.#system}/${staging}`;
    if (size <= COPY_MAX) {
      const copied = await this.#engine.send(new CopyObjectCommand({ Bucket: engineBucket, Key: name, CopySource: source, MetadataDirective: 'REPLACE', Metadata: metadata }));
      return copied.CopyObjectResult?.ETag;
    }
    const { UploadId } = await this.#engine.send(new CreateMultipartUploadCommand({ Bucket: engineBucket, Key: name, Metadata: metadata }));
    try {
      const parts = [];
      for (let offset = 0, number = 1; offset < size; offset += COPY_PART, number++) {
        const end = Math.min(size, offset + COPY_PART) - 1;
        const copied = await this.#engine.send(
          new UploadPartCopyCommand({ Bucket: engineBucket, Key: name, UploadId, PartNumber: number, CopySource: source, CopySourceRange: `bytes=${offset}-${end}` }),
        );
        parts.push({ PartNumber: number, ETag: copied.CopyPartResult!.ETag! });
      }
      return (await this.#engine.send(new CompleteMultipartUploadCommand({ Bucket: engineBucket, Key: name, UploadId, MultipartUpload: { Parts: parts } }))).ETag;
    } catch (err) {
      await this.#engine.send(new AbortMultipartUploadCommand({ Bucket: engineBucket, Key: name, UploadId })).catch(() => {});
      throw err;
    }
  }

  async get(bucket: string, name: string, range?: ByteRange, options: { readonly sha256?: string } = {}): Promise<OpenedFile> {
    const head = await this.#head(bucket, name);
    const info = await this.#describe(bucket, name, head);
    if (options.sha256 !== undefined && info.sha256 !== options.sha256) {
      throw new StorageError(Reason.changed, `${bucket}/${name} has SHA-256 ${info.sha256} now, not ${options.sha256}`);
    }
    const offset = range?.offset ?? 0;
    const length = range?.length ?? info.size - offset;
    if (offset > info.size || offset + length > info.size) {
      throw new StorageError(Reason.badRange, `the range ${offset}+${length} lies outside the file's ${info.size} bytes`);
    }
    const reader = new EngineReader(this.#engine, this.engineBucket(bucket), name, head.ETag!, offset + length, `${bucket}/${name}`);
    // The GET starts now, pinned to the version described: an overwrite after this does not change what is read.
    if (length > 0) await reader.open(offset);
    return { info, offset, length, read: (buffer, count, position) => reader.read(buffer, count, position), close: () => reader.close() };
  }

  async deleteFile(bucket: string, name: string): Promise<void> {
    const head = await this.#head(bucket, name);
    await this.#engine.send(new DeleteObjectCommand({ Bucket: this.engineBucket(bucket), Key: name })).catch((err) => {
      throw isNoSuchBucket(err) ? noSuchBucket(bucket) : this.#fail(err, `cannot delete ${bucket}/${name}`);
    });
    this.#quota?.freed(head.ContentLength ?? 0);
    this.#wrote(bucket);
    this.#changed({ kind: 'file-deleted', bucket, name });
  }

  async beginUpload(bucket: string, name: string, options: PutOptions & { readonly numbered?: boolean }): Promise<UploadSessionInfo> {
    if (isFolderKey(name)) throw new StorageError(Reason.badName, `${JSON.stringify(name)} is a folder: make it with a plain upload of size 0`);
    await this.checkPut(bucket, name, { ...options, size: options.size ?? 0 });
    return this.#sessions.begin(bucket, name, options);
  }

  checkPart(upload: string, offset: number, size: number | undefined): Promise<void> {
    return this.#sessions.checkPart(upload, offset, size);
  }

  writePart(upload: string, offset: number, body: AsyncIterable<Buffer>, options: { size?: number; sha256?: string }): Promise<StoredPart> {
    return this.#sessions.writePart(upload, offset, body, options);
  }

  checkNumberedPart(upload: string, number: number, size: number | undefined): Promise<void> {
    return this.#sessions.checkNumberedPart(upload, number, size);
  }

  writeNumberedPart(upload: string, number: number, body: AsyncIterable<Buffer>, options: { size?: number; md5?: string; sha256?: string }): Promise<NumberedPartInfo> {
    return this.#sessions.writeNumberedPart(upload, number, body, options);
  }

  listParts(upload: string): Promise<NumberedPartInfo[]> {
    return this.#sessions.listParts(upload);
  }

  uploadStatus(upload: string): Promise<UploadSessionInfo> {
    return this.#sessions.status(upload);
  }

  abortUpload(upload: string): Promise<void> {
    return this.#sessions.abort(upload);
  }

  async listUploads(bucket: string): Promise<UploadSessionInfo[]> {
    if (!(await this.#bucketExists(this.engineBucket(bucket)))) throw noSuchBucket(bucket);
    return this.#sessions.list(bucket);
  }

  /**
   * Completes a session: its pieces, read in order from the engine, are
   * hashed into a new staged body, checked, and published as a plain
   * upload's (with the key's claim when it must not exist); the session's
   * objects go after. A refused completion leaves the session as it was.
   */
  async completeUpload(upload: string, options: { sha256?: string; parts?: readonly number[]; create?: boolean }): Promise<FileInfo> {
    const assembled = await this.#sessions.assemble(upload, options);
    try {
      const { bucket, key, attrs } = assembled.meta;
      const overwrite = assembled.meta.overwrite && options.create !== true;
      const writer = { ...(assembled.etag === undefined ? {} : { etag: assembled.etag }), ...(attrs === undefined ? {} : { attrs }) };
      this.#sessions.releaseHeld(upload);
      const reservation = this.#quota?.reserve(assembled.received.size);
      let replaced: number;
      let modified: string;
      try {
        ({ replaced, modified } = await this.publish(bucket, key, assembled.received, { sha256: assembled.received.sha256, ...writer }, overwrite));
      } catch (err) {
        reservation?.release();
        throw err;
      }
      reservation?.commit(assembled.received.size, replaced);
      await assembled.finish().catch((err) => this.#log.warn({ err, upload }, 'cannot remove a completed upload session; it expires'));
      const info: FileInfo = { bucket, name: key, size: assembled.received.size, modified, sha256: assembled.received.sha256, ...writer };
      this.#wrote(bucket);
      this.#changed({ kind: 'file-uploaded', bucket, file: info });
      return info;
    } finally {
      assembled.release();
      await assembled.received.discard().catch((err) => this.#log.warn({ err }, 'cannot remove a staging object'));
    }
  }

  /** Removes upload sessions untouched for the time to live as of `now` (the sweep runs on a timer too); resolves to how many. */
  sweepUploads(now = Date.now()): Promise<number> {
    return this.#sessions.sweep(now);
  }

  /** A change made here: told to this server's watchers at once, and to the other servers' through the event log. */
  #changed(event: PailEvent): void {
    this.emit('change', event);
    this.#events.publish(event);
  }

  #wrote(bucket: string): void {
    this.#totals.forget(bucket);
  }

  /** The StorageError for an engine failure: logged with its cause, `internal` to the client. */
  #fail(err: unknown, message: string): StorageError {
    if (err instanceof StorageError) return err;
    const down = outage(err);
    if (down) {
      this.#log.warn({ err }, message);
      return new StorageError(down.reason, `${message}: ${down.message}`, { cause: err });
    }
    this.#log.error({ err }, message);
    return new StorageError(Reason.internal, `${message}: ${(err as Error).name ?? String(err)}`, { cause: err });
  }
}
