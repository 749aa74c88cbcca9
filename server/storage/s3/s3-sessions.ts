import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type _Object,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Reason } from '../../../shared/protocol/reasons.ts';
import { multipartEtag } from '../../../shared/protocol/etags.ts';
import type { Quota, Reservation } from '../quota.ts';
import { StorageError, type NumberedPartInfo, type PutOptions, type StoredPart, type UploadSessionInfo, type SessionMeta } from '../storage.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';
import { isNotFound, isPreconditionFailed } from './engine-errors.ts';
import type { ReceiveOptions, ReceivedBody } from './received-body.ts';
import { multipartUploads } from './multipart-uploads.ts';
import { tooLarge } from './refusals.ts';
import { cover, coveredBytes, describe, describeRanges, merged, offsetParts, partNumber, SESSIONS, sessionKeys, sessionOf, type HeldRange, type Piece } from './session-objects.ts';

/**
 * Upload sessions kept in the engine's system bucket, so any bucket server
 * over the engine can continue, describe, complete or abort any session:
 *
 *   sessions/ID/session.json           the bucket, key, size and options it was begun with
 *   sessions/ID/at/OFFSET-LENGTH       a part of a session of offsets (16 digits each), its SHA-256 in metadata
 *   sessions/ID/part/NUMBER            a numbered part (5 digits), its MD5 and SHA-256 in metadata
 *   uploads/BUCKET/ID                  an empty marker: the sessions of a bucket, listed without reading every session
 *
 * A part is received and checked before it is placed (a PutObject, or a
 * copy of a staged body), so a part's object only ever holds a whole part
 * whose digest was checked; placing it is the moment it counts. A session
 * was last touched when its newest object was written. Completion reads the
 * pieces back in order, each GET pinned to the etag listed (a part replaced
 * meanwhile fails the completion with part-conflict), into a new staged
 * body. Parts being written and completions in progress are known only to
 * the server running them: two servers may write overlapping parts of one
 * session at once (each is checked against what is held before it is placed).
 */
export interface S3SessionsOptions {
  readonly maxFileSize: number;
  readonly ttlMs: number;
  readonly log?: StorageLog;
  readonly quota?: Quota;
  /** Receives a body into memory or a staging object (received-body.ts). */
  readonly receive: (body: AsyncIterable<Buffer>, options: ReceiveOptions) => Promise<ReceivedBody>;
}


/** A session assembled into a received body, ready to publish. */
export interface AssembledSession {
  readonly meta: SessionMeta;
  readonly received: ReceivedBody;
  readonly etag?: string;
  /** Removes the session's objects, after its file is published. */
  finish(): Promise<void>;
  /** Lets parts and completions of the session in again (call once, whatever happened). */
  release(): void;
}

/** CopyObject's limit: a part placed by a copy is at most this large. */
const PART_MAX = 5 * 1024 ** 3;
const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Staging objects and engine multipart uploads of the system bucket older than this were left by a server that died. */
const LEFTOVER_MS = 24 * 3_600_000;

export class S3Sessions {
  readonly #log: StorageLog;
  /** Sessions' descriptions, which never change once written. */
  readonly #metas = new Map<string, SessionMeta>();
  /** Byte ranges of parts this server is writing now, by session. */
  readonly #writing = new Map<string, { start: number; end: number }[]>();
  /** Sessions this server is completing now. */
  readonly #completing = new Set<string>();
  readonly #sweeper: NodeJS.Timeout;
  /**
   * Room held by the quota for sessions (this server's view, as the quota is): a size given at the start is held from
   * then on; otherwise, and for numbered parts, the bytes the parts hold, as they arrive. `bytes` is what is held.
   */
  readonly #held = new Map<string, { readonly reservation: Reservation; bytes: number }>();

  constructor(
    readonly engine: S3Client,
    readonly bucket: string,
    readonly options: S3SessionsOptions,
  ) {
    this.#log = options.log ?? SILENT_LOG;
    this.#sweeper = setInterval(() => void this.sweep().catch((err) => this.#log.warn({ err }, 'cannot sweep expired upload sessions')), Math.min(SWEEP_INTERVAL_MS, Math.max(1_000, options.ttlMs / 4)));
    this.#sweeper.unref();
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  async begin(bucket: string, key: string, options: PutOptions & { readonly numbered?: boolean }): Promise<UploadSessionInfo> {
    if (options.size !== undefined && options.size > this.options.maxFileSize) throw tooLarge(this.options.maxFileSize);
    const id = randomBytes(16).toString('hex');
    // Room for a session begun with its size is held from the start, as on fs, by the server it was begun on.
    const quota = this.options.quota;
    // Without a size nothing is held yet (nor refused): its parts are held as they arrive.
    const reservation = options.size ? quota?.reserve(options.size) : quota?.restore(0);
    const meta: SessionMeta = {
      bucket,
      key,
      ...(options.size === undefined ? {} : { size: options.size }),
      overwrite: options.overwrite === true,
      ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
      ...(options.attrs === undefined ? {} : { attrs: options.attrs }),
      ...(options.numbered ? { parts: true } : {}),
      created: new Date().toISOString(),
    };
    // The marker first: a marker without its session is skipped by listings and swept.
    try {
      await this.#putText(sessionKeys.marker(bucket, id), '');
      await this.#putText(sessionKeys.meta(id), JSON.stringify(meta));
    } catch (err) {
      reservation?.release();
      throw err;
    }
    if (reservation) this.#held.set(id, { reservation, bytes: options.size ?? 0 });
    this.#metas.set(id, meta);
    return describe(id, meta, []);
  }

  async status(id: string): Promise<UploadSessionInfo> {
    const meta = await this.#meta(id);
    return describe(id, meta, await this.#objects(id));
  }

  async list(bucket: string): Promise<UploadSessionInfo[]> {
    const ids: string[] = [];
    for await (const o of this.#listAll(sessionKeys.markers(bucket))) ids.push(o.Key!.slice(sessionKeys.markers(bucket).length));
    const sessions: UploadSessionInfo[] = [];
    for (const id of ids) {
      const info = await this.status(id).catch((err: unknown) => {
        if (err instanceof StorageError && err.reason === Reason.noSuchUpload) return undefined;
        throw err;
      });
      if (info) sessions.push(info);
    }
    return sessions.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  async checkPart(id: string, offset: number, size: number | undefined): Promise<void> {
    const meta = await this.#live(id);
    this.#judge(id, meta, offset, size);
    // Without a size held from the start, a part's bytes must fit as they come (refused before its go-ahead when known).
    if (meta.size === undefined && size !== undefined) this.options.quota?.check(size);
  }

  async checkNumberedPart(id: string, number: number, size: number | undefined): Promise<void> {
    const meta = await this.#live(id);
    if (!meta.parts) throw new StorageError(Reason.notNow, `upload ${id} is a session of offsets: send its parts with part_u`);
    const max = Math.min(this.options.maxFileSize, PART_MAX);
    if (size !== undefined && size > max) throw new StorageError(Reason.tooLarge, `a part is limited to ${max} bytes`);
    if (size !== undefined) this.options.quota?.check(size);
    void number;
  }

  async writePart(id: string, offset: number, body: AsyncIterable<Buffer>, options: { size?: number; sha256?: string }): Promise<StoredPart> {
    const meta = await this.#live(id);
    const range = this.#judge(id, meta, offset, options.size);
    const writing = this.#writing.get(id) ?? [];
    writing.push(range);
    this.#writing.set(id, writing);
    let received: ReceivedBody | undefined;
    try {
      const limit = Math.min(meta.size ?? this.options.maxFileSize, offset + PART_MAX) - offset;
      received = await this.options.receive(body, {
        size: options.size,
        maxSize: limit,
        tooLargeMessage: `the part goes past the upload's ${meta.size ?? this.options.maxFileSize} bytes`,
        md5: false,
      });
      if (options.sha256 !== undefined && options.sha256 !== received.sha256) {
        throw new StorageError(Reason.checksumMismatch, `the part's SHA-256 is ${received.sha256}, not ${options.sha256}`);
      }
      if (received.size > 0) {
        const ranges = offsetParts(id, await this.#objects(id));
        await this.#sameAsHeld(ranges, offset, received);
        // The bytes the session holds with this part placed: a range written again adds nothing.
        const placed = { start: offset, end: offset + received.size };
        this.#hold(id, meta, coveredBytes([...ranges, placed].sort((a, b) => a.start - b.start || b.end - a.end)));
        await this.#place(sessionKeys.offsetPart(id, offset, received.size), received, { 'pail-sha256': received.sha256 });
      }
      // Aborted or completed meanwhile (here or on another server): what was placed goes with it.
      if (!(await this.#exists(id))) {
        await this.#remove(id).catch(() => {});
        throw noSuchUpload(id);
      }
      return { offset, size: received.size, sha256: received.sha256 };
    } finally {
      writing.splice(writing.indexOf(range), 1);
      if (writing.length === 0) this.#writing.delete(id);
      await received?.discard().catch(() => {});
    }
  }

  async writeNumberedPart(id: string, number: number, body: AsyncIterable<Buffer>, options: { size?: number; md5?: string; sha256?: string }): Promise<NumberedPartInfo> {
    const meta = await this.#live(id);
    if (!meta.parts) throw new StorageError(Reason.notNow, `upload ${id} is a session of offsets: send its parts with part_u`);
    if (this.#completing.has(id)) throw new StorageError(Reason.partConflict, 'the upload is being completed');
    const max = Math.min(this.options.maxFileSize, PART_MAX);
    let received: ReceivedBody | undefined;
    try {
      received = await this.options.receive(body, { size: options.size, maxSize: max, tooLargeMessage: `a part is limited to ${max} bytes`, md5: true });
      if (options.sha256 !== undefined && options.sha256 !== received.sha256) throw new StorageError(Reason.checksumMismatch, `the part's SHA-256 is ${received.sha256}, not ${options.sha256}`);
      if (options.md5 !== undefined && options.md5 !== received.md5) throw new StorageError(Reason.checksumMismatch, `the part's MD5 is ${received.md5}, not ${options.md5}`);
      if (this.#completing.has(id)) throw new StorageError(Reason.partConflict, 'the upload is being completed');
      // The parts' bytes with this one placed: a replacement counts by its difference.
      if (this.options.quota) {
        // Listed only under a quota: a part otherwise costs no LIST of its session.
        const others = (await this.#objects(id)).filter((o) => o.Key!.startsWith(sessionKeys.numberedParts(id)) && partNumber(o.Key!) !== number);
        this.#hold(id, meta, others.reduce((sum, o) => sum + (o.Size ?? 0), received.size));
      }
      await this.#place(sessionKeys.numberedPart(id, number), received, { 'pail-sha256': received.sha256, 'pail-md5': received.md5! });
      if (!(await this.#exists(id))) {
        await this.#remove(id).catch(() => {});
        throw noSuchUpload(id);
      }
      return { number, size: received.size, md5: received.md5!, sha256: received.sha256, modified: new Date().toISOString() };
    } finally {
      await received?.discard().catch(() => {});
    }
  }

  async listParts(id: string): Promise<NumberedPartInfo[]> {
    const meta = await this.#meta(id);
    if (!meta.parts) throw new StorageError(Reason.notNow, `upload ${id} is a session of offsets: it has no numbered parts`);
    const objects = (await this.#objects(id)).filter((o) => o.Key!.startsWith(sessionKeys.numberedParts(id)));
    return Promise.all(objects.map((o) => this.#partInfo(o)));
  }

  /** A numbered part's record: its size and time from the listing, its digests from its metadata. */
  async #partInfo(o: _Object): Promise<NumberedPartInfo & { etag: string }> {
    const head = await this.engine.send(new HeadObjectCommand({ Bucket: this.bucket, Key: o.Key! }));
    return {
      number: partNumber(o.Key!),
      size: head.ContentLength ?? 0,
      md5: head.Metadata?.['pail-md5'] ?? '',
      sha256: head.Metadata?.['pail-sha256'] ?? '',
      modified: (head.LastModified ?? new Date()).toISOString(),
      etag: head.ETag!,
    };
  }

  /**
   * Reads a session's pieces back in order into one received body: the
   * offset parts covering 0 to its size, or the numbered parts listed. The
   * session stays as it is until `finish`; refused digests leave it so.
   */
  async assemble(id: string, options: { sha256?: string; parts?: readonly number[] }): Promise<AssembledSession> {
    const meta = await this.#live(id);
    if (this.#completing.has(id)) throw new StorageError(Reason.partConflict, `upload ${id} is being completed`);
    if (!meta.parts && options.parts) throw new StorageError(Reason.badArgs, `upload ${id} is a session of offsets: complete it without parts=`);
    if (meta.parts && !options.parts) throw new StorageError(Reason.badArgs, `upload ${id} is a session of numbered parts: complete it with parts=LIST`);
    if (this.#writing.has(id)) throw new StorageError(Reason.partConflict, `upload ${id} still has parts being written`);
    this.#completing.add(id);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#completing.delete(id);
    };
    try {
      const objects = await this.#objects(id);
      let pieces: Piece[];
      let size: number;
      let etag: string | undefined;
      if (meta.parts) {
        const held = new Map(
          objects.filter((o) => o.Key!.startsWith(sessionKeys.numberedParts(id))).map((o) => [partNumber(o.Key!), o] as const),
        );
        const listed = options.parts!.map((n) => {
          const o = held.get(n);
          if (!o) throw new StorageError(Reason.noSuchPart, `the upload holds no part ${n}`);
          return o;
        });
        size = listed.reduce((sum, o) => sum + (o.Size ?? 0), 0);
        if (size > this.options.maxFileSize) throw new StorageError(Reason.tooLarge, `the parts listed make ${size} bytes; files are limited to ${this.options.maxFileSize} bytes`);
        const infos = await Promise.all(listed.map((o) => this.#partInfo(o)));
        etag = multipartEtag(infos.map((part) => part.md5));
        let start = 0;
        pieces = infos.map((p) => {
          const piece = { key: sessionKeys.numberedPart(id, p.number), etag: p.etag, start, end: start + p.size, from: 0 };
          start += p.size;
          return piece;
        });
      } else {
        const ranges = offsetParts(id, objects);
        size = meta.size ?? (ranges.length ? Math.max(...ranges.map((r) => r.end)) : 0);
        pieces = cover(ranges, size);
        const covered = pieces.length ? pieces[pieces.length - 1].end : 0;
        if (covered !== size || (pieces.length > 0 && pieces[0].start !== 0)) {
          throw new StorageError(Reason.incomplete, `upload ${id} holds ${describeRanges(merged(ranges))} of ${size} bytes`);
        }
      }
      const received = await this.options.receive(this.#read(pieces), { size, maxSize: this.options.maxFileSize, tooLargeMessage: `files are limited to ${this.options.maxFileSize} bytes`, md5: false });
      for (const wanted of [options.sha256, meta.sha256]) {
        if (wanted !== undefined && wanted !== received.sha256) {
          await received.discard().catch(() => {});
          throw new StorageError(Reason.checksumMismatch, `the upload's SHA-256 is ${received.sha256}, not ${wanted}`);
        }
      }
      return { meta, received, ...(etag === undefined ? {} : { etag }), finish: () => this.#remove(id), release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The pieces' bytes in order, each GET pinned to the etag it was listed with. */
  async *#read(pieces: readonly Piece[]): AsyncGenerator<Buffer> {
    for (const piece of pieces) {
      if (piece.end === piece.start) continue;
      let reply;
      try {
        reply = await this.engine.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: piece.key, IfMatch: piece.etag.replace(/"/g, ''), Range: `bytes=${piece.from}-${piece.from + piece.end - piece.start - 1}` }),
        );
      } catch (err) {
        if (isPreconditionFailed(err) || isNotFound(err)) throw new StorageError(Reason.partConflict, 'a part was replaced or removed while the upload was being completed');
        throw err;
      }
      for await (const chunk of reply.Body as Readable) yield chunk as Buffer;
    }
  }

  async abort(id: string): Promise<void> {
    await this.#live(id);
    await this.#remove(id);
  }

  /** Removes sessions untouched for longer than the time to live, and what dead servers left in the system bucket. */
  async sweep(now = Date.now()): Promise<number> {
    const last = new Map<string, number>();
    for await (const o of this.#listAll(SESSIONS)) {
      const id = sessionOf(o.Key!);
      last.set(id, Math.max(last.get(id) ?? 0, o.LastModified?.getTime() ?? 0));
    }
    // Sessions completed or aborted through another server give back the room held for them here.
    for (const id of [...this.#held.keys()]) if (!last.has(id) && !this.#completing.has(id)) this.releaseHeld(id);
    let removed = 0;
    for (const [id, updated] of last) {
      if (this.#writing.has(id) || this.#completing.has(id) || now - updated < this.options.ttlMs) continue;
      await this.#remove(id).catch((err) => this.#log.warn({ err, upload: id }, 'cannot remove an expired upload session'));
      removed++;
    }
    for await (const o of this.#listAll('staging/')) {
      if (now - (o.LastModified?.getTime() ?? now) > LEFTOVER_MS) await this.engine.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.Key! })).catch(() => {});
    }
    for await (const u of multipartUploads(this.engine, this.bucket)) {
      if (now - (u.Initiated?.getTime() ?? now) > LEFTOVER_MS) {
        await this.engine.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key!, UploadId: u.UploadId! })).catch(() => {});
      }
    }
    if (removed) this.#log.info({ sessions: removed }, 'removed expired upload sessions');
    return removed;
  }

  async dropBucket(bucket: string): Promise<void> {
    for await (const o of this.#listAll(sessionKeys.markers(bucket))) {
      const id = o.Key!.slice(sessionKeys.markers(bucket).length);
      await this.#remove(id, bucket).catch(() => {});
    }
  }

  /** Gives back the room held for a session: at its completion (which reserves the file's own), abort or removal. */
  releaseHeld(id: string): void {
    this.#held.get(id)?.reservation.release();
    this.#held.delete(id);
  }

  /**
   * Holds room for what a session's parts come to (never less than a size given at its start): grows or shrinks
   * what is held; refuses with no-space, holding nothing more, when the growth does not fit.
   */
  #hold(id: string, meta: SessionMeta, bytes: number): void {
    const quota = this.options.quota;
    if (!quota) return;
    const want = Math.max(meta.size ?? 0, bytes);
    let held = this.#held.get(id);
    if (!held) {
      held = { reservation: quota.reserve(0), bytes: 0 };
      this.#held.set(id, held);
    }
    if (want > held.bytes) held.reservation.grow(want - held.bytes);
    else if (want < held.bytes) held.reservation.shrink(held.bytes - want);
    held.bytes = want;
  }

  /**
   * At start-up, with a quota: the room every session in the engine holds (its size, or what its parts hold),
   * held again by this server, over the quota or not, as on the data folder after a restart.
   */
  async restoreHeld(): Promise<void> {
    const quota = this.options.quota;
    if (!quota) return;
    const objects = new Map<string, _Object[]>();
    for await (const o of this.#listAll(SESSIONS)) {
      const id = sessionOf(o.Key!);
      const own = objects.get(id);
      if (own) own.push(o);
      else objects.set(id, [o]);
    }
    for (const [id, own] of objects) {
      if (this.#held.has(id)) continue;
      const meta = await this.#meta(id).catch(() => undefined);
      if (!meta) continue;
      const parts = meta.parts
        ? own.filter((o) => o.Key!.startsWith(sessionKeys.numberedParts(id))).reduce((sum, o) => sum + (o.Size ?? 0), 0)
        : coveredBytes(offsetParts(id, own));
      const bytes = Math.max(meta.size ?? 0, parts);
      this.#held.set(id, { reservation: quota.restore(bytes), bytes });
    }
  }

  /** Deletes a session's objects: its description first, so no one writes to or lists it from then on. */
  async #remove(id: string, bucketHint?: string): Promise<void> {
    this.releaseHeld(id);
    const meta = this.#metas.get(id) ?? (await this.#readMeta(id).catch(() => undefined));
    await this.engine.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: sessionKeys.meta(id) }));
    this.#metas.delete(id);
    const keys: string[] = [];
    for await (const o of this.#listAll(sessionKeys.all(id))) keys.push(o.Key!);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.engine.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    const bucket = meta?.bucket ?? bucketHint;
    if (bucket !== undefined) await this.engine.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: sessionKeys.marker(bucket, id) }));
  }

  /** Refuses bytes that would change bytes already held (`ranges`): the overlap's digest on both sides must agree. */
  async #sameAsHeld(ranges: readonly HeldRange[], offset: number, received: ReceivedBody): Promise<void> {
    const end = offset + received.size;
    for (const held of ranges) {
      if (held.end <= offset || held.start >= end) continue;
      const from = Math.max(held.start, offset);
      const to = Math.min(held.end, end);
      const theirs = await this.#digestOf(held.key, held.etag, from - held.start, to - from);
      const ours = received.small
        ? createHash('sha256').update(received.small.subarray(from - offset, to - offset)).digest('hex')
        : await this.#digestOf(received.staging!, undefined, from - offset, to - from);
      if (theirs !== ours) throw new StorageError(Reason.partConflict, `bytes ${from} to ${to} are already held with different contents`);
    }
  }

  async #digestOf(key: string, etag: string | undefined, offset: number, length: number): Promise<string> {
    const reply = await this.engine.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}`, ...(etag ? { IfMatch: etag.replace(/"/g, '') } : {}) }),
    );
    const hash = createHash('sha256');
    for await (const chunk of reply.Body as Readable) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  /** Places a received, checked body at a key of the system bucket with its metadata. */
  async #place(key: string, received: ReceivedBody, metadata: Record<string, string>): Promise<void> {
    if (received.small) {
      await this.engine.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: received.small, ContentLength: received.small.length, Metadata: metadata }));
    } else {
      await this.engine.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${received.staging}`, MetadataDirective: 'REPLACE', Metadata: metadata }));
    }
  }

  /** Where a part may go: inside the size, clear of the parts this server is writing. */
  #judge(id: string, meta: SessionMeta, offset: number, size: number | undefined): { start: number; end: number } {
    if (meta.parts) throw new StorageError(Reason.notNow, `upload ${id} is a session of numbered parts: send its parts with part_n`);
    if (this.#completing.has(id)) throw new StorageError(Reason.partConflict, `upload ${id} is being completed`);
    const end = size === undefined ? Infinity : offset + size;
    const limit = meta.size ?? this.options.maxFileSize;
    if (end !== Infinity && end > limit) {
      throw new StorageError(meta.size === undefined ? Reason.tooLarge : Reason.badRange, `the part ${offset}+${size} goes past the upload's ${limit} bytes`);
    }
    if (offset > limit) throw new StorageError(Reason.badRange, `the part starts past the upload's ${limit} bytes`);
    if ((this.#writing.get(id) ?? []).some((r) => r.start < end && offset < r.end)) {
      throw new StorageError(Reason.partConflict, `the part ${offset}+${size ?? 'chunked'} overlaps a part still being written`);
    }
    return { start: offset, end };
  }

  /** A session's description, from memory or the engine; no-such-upload when it is gone. */
  async #meta(id: string): Promise<SessionMeta> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw noSuchUpload(id);
    const known = this.#metas.get(id);
    if (known) return known;
    const meta = await this.#readMeta(id);
    this.#metas.set(id, meta);
    return meta;
  }

  async #readMeta(id: string): Promise<SessionMeta> {
    try {
      const reply = await this.engine.send(new GetObjectCommand({ Bucket: this.bucket, Key: sessionKeys.meta(id) }));
      return JSON.parse(await reply.Body!.transformToString()) as SessionMeta;
    } catch (err) {
      if (isNotFound(err)) throw noSuchUpload(id);
      throw err;
    }
  }

  /** A session to write to or complete: its description must still be in the engine (another server may have ended it). */
  async #live(id: string): Promise<SessionMeta> {
    const meta = await this.#meta(id);
    if (!(await this.#exists(id))) {
      this.#metas.delete(id);
      throw noSuchUpload(id);
    }
    return meta;
  }

  async #exists(id: string): Promise<boolean> {
    try {
      await this.engine.send(new HeadObjectCommand({ Bucket: this.bucket, Key: sessionKeys.meta(id) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Every object of a session (its description, parts); no-such-upload without a description. */
  async #objects(id: string): Promise<_Object[]> {
    const objects: _Object[] = [];
    for await (const o of this.#listAll(sessionKeys.all(id))) objects.push(o);
    if (!objects.some((o) => o.Key === sessionKeys.meta(id))) {
      this.#metas.delete(id);
      throw noSuchUpload(id);
    }
    return objects;
  }

  async *#listAll(prefix: string): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      const page = await this.engine.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  #putText(key: string, text: string) {
    return this.engine.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentLength: Buffer.byteLength(text) }));
  }
}

const noSuchUpload = (id: string) => new StorageError(Reason.noSuchUpload, `no upload session ${id}`);
