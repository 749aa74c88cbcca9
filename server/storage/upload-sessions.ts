import { createHash, randomBytes, type Hash } from 'node:crypto';
import { hashFileRange, syncDir, writeSynced } from './durable.ts';
import { mkdir, open, readdir, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Reason } from '../../shared/protocol/reasons.ts';
import { NumberedParts } from './numbered-parts.ts';
import type { Quota, Reservation } from './quota.ts';
import { StorageError, type NumberedPartInfo, type PutOptions, type StoredPart, type UploadSessionInfo, type SessionMeta } from './storage.ts';
import { errnoCode, SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * Upload sessions: an upload that lives on the server, part by part, until
 * it is completed or aborted or it expires. Each session is a folder of
 * `.pail/uploads/`:
 *
 *   session.json  the bucket, key, size and options it was begun with (synced)
 *   data          the file being assembled, parts written where they belong
 *   parts.log     a line per part held, `{"o":OFFSET,"n":LENGTH,"h":SHA256}`,
 *                 appended and synced only after the part's bytes are synced
 *
 * so what was acknowledged survives a kill -9: at start-up a session is its
 * folder, and the bytes it holds are the ranges of its log. Parts may come
 * in any order and on several connections at once; a part overlapping bytes
 * already held must carry the same bytes, and two parts being written at
 * once may not overlap. The SHA-256 of the whole file is kept running over
 * the parts that arrive in order from byte 0 (a copy of the running state per
 * part, so a failed part costs nothing); what it has not covered at
 * completion (parts that came out of order, or bytes held before a restart)
 * is read once from the data file then.
 *
 * A session begun with `numbered` holds numbered parts instead (S3's
 * multipart upload), each in a file of its own under `parts/` with its own
 * log (numbered-parts.ts); its completion copies the parts it lists into
 * `data`, hashing them as they go, since their offsets are known only then.
 */
export interface UploadSessionsOptions {
  readonly maxFileSize: number;
  /** Sessions untouched this long are removed. */
  readonly ttlMs: number;
  readonly quota?: Quota;
  readonly log?: StorageLog;
}


interface Range {
  start: number;
  end: number;
}

interface Session {
  readonly id: string;
  readonly dir: string;
  readonly meta: SessionMeta;
  /** Held byte ranges, sorted and merged. */
  held: Range[];
  /** Parts being written now. */
  readonly writing: Range[];
  /** The SHA-256 of bytes [0, end) held, when they were fed in order. */
  running: { hash: Hash; end: number };
  updated: number;
  reservation?: Reservation;
  gone: boolean;
  /** The parts of a session of numbered parts; absent for a session of offsets. */
  readonly numbered?: NumberedParts;
}

/** A completed session's assembled file, ready to be committed to its key. */
export interface Assembled {
  readonly meta: SessionMeta;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** S3's multipart etag of a file made of numbered parts. */
  readonly etag?: string;
  /** Commits the quota held for the session as the stored file's; call once the file is in place. */
  readonly stored: (replaced: number) => void;
  /** Removes the session, after its file was committed (or its commit failed for good). */
  readonly finish: () => Promise<void>;
  /** Gives the session back as it was, after a commit that failed (parts may be recorded again). */
  readonly release: () => void;
}

const SWEEP_INTERVAL_MS = 10 * 60_000;

export class UploadSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #log: StorageLog;
  #sweeper: NodeJS.Timeout | undefined;

  private constructor(
    readonly root: string,
    readonly options: UploadSessionsOptions,
  ) {
    this.#log = options.log ?? SILENT_LOG;
  }

  /** Opens the sessions of a data folder: expired ones are removed, the others' quota held again. */
  static async open(root: string, options: UploadSessionsOptions): Promise<UploadSessions> {
    await mkdir(root, { recursive: true });
    const sessions = new UploadSessions(root, options);
    for (const id of await readdir(root)) await sessions.#load(id).catch((err) => sessions.#log.warn({ err, upload: id }, 'cannot read an upload session; it is left as it is'));
    await sessions.sweep();
    sessions.#sweeper = setInterval(() => void sessions.sweep(), Math.min(SWEEP_INTERVAL_MS, Math.max(1_000, options.ttlMs / 4)));
    sessions.#sweeper.unref();
    return sessions;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  async begin(bucket: string, key: string, options: PutOptions & { readonly numbered?: boolean }): Promise<UploadSessionInfo> {
    if (options.size !== undefined && options.size > this.options.maxFileSize) {
      throw new StorageError(Reason.tooLarge, `files are limited to ${this.options.maxFileSize} bytes`);
    }
    const reservation = this.options.quota?.reserve(options.size ?? 0);
    const id = randomBytes(16).toString('hex');
    const dir = join(this.root, id);
    const meta: SessionMeta = {
      bucket,
      key,
      size: options.size,
      overwrite: options.overwrite === true,
      sha256: options.sha256,
      attrs: options.attrs,
      ...(options.numbered ? { parts: true } : {}),
      created: new Date().toISOString(),
    };
    let numbered: NumberedParts | undefined;
    try {
      await mkdir(dir);
      // The description last: a session folder without one is a begin that never answered.
      await writeSynced(join(dir, 'data'), '');
      await writeSynced(join(dir, 'parts.log'), '');
      if (options.numbered) numbered = await NumberedParts.create(dir, this.#log);
      await writeSynced(join(dir, 'session.json'), JSON.stringify(meta));
      await syncDir(dir);
      await syncDir(this.root);
    } catch (err) {
      reservation?.release();
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    const session = this.#remember(id, meta, [], Date.now(), reservation, numbered);
    return info(session);
  }

  async status(id: string): Promise<UploadSessionInfo> {
    return info(await this.#get(id));
  }

  async list(bucket: string): Promise<UploadSessionInfo[]> {
    return [...this.#sessions.values()].filter((s) => s.meta.bucket === bucket && !s.gone).map(info).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /** Refuses a part before its bytes are sent, when it can already tell. */
  async checkPart(id: string, offset: number, size: number | undefined): Promise<void> {
    const session = await this.#live(id);
    this.#judge(session, offset, size);
  }

  /** Refuses a numbered part before its bytes are sent, when it can already tell: a session of offsets, a size too large or past the quota. */
  async checkNumberedPart(id: string, number: number, size: number | undefined): Promise<void> {
    const parts = this.#numbered(await this.#live(id));
    if (size !== undefined && size > this.options.maxFileSize) throw new StorageError(Reason.tooLarge, `a part is limited to ${this.options.maxFileSize} bytes`);
    if (size !== undefined) this.options.quota?.check(size - parts.sizeOf(number));
  }

  async writeNumberedPart(id: string, number: number, body: AsyncIterable<Buffer>, options: { size?: number; md5?: string; sha256?: string }): Promise<NumberedPartInfo> {
    const session = await this.#live(id);
    const parts = this.#numbered(session);
    try {
      const part = await parts.write(number, body, {
        ...options,
        maxSize: this.options.maxFileSize,
        account: (delta) => {
          if (delta > 0) session.reservation?.grow(delta);
          else session.reservation?.shrink(-delta);
        },
        stillLive: () => {
          if (session.gone) throw noSuchUpload(id);
        },
      });
      session.updated = Date.now();
      return part;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw noSuchUpload(id);
      throw err;
    }
  }

  async listParts(id: string): Promise<NumberedPartInfo[]> {
    return this.#numbered(await this.#get(id)).list();
  }

  async writePart(id: string, offset: number, body: AsyncIterable<Buffer>, options: { size?: number; sha256?: string }): Promise<StoredPart> {
    const session = await this.#live(id);
    const range = this.#judge(session, offset, options.size);
    session.writing.push(range);
    // Fed in order from the running hash's end: a copy, kept only if the part is held.
    const running = session.running.end >= offset ? { hash: session.running.hash.copy(), end: session.running.end } : undefined;
    const partHash = createHash('sha256');
    let fh: FileHandle | undefined;
    let position = offset;
    try {
      const data = await open(join(session.dir, 'data'), 'r+');
      fh = data;
      for await (const chunk of body) {
        if (options.size !== undefined ? position + chunk.length > offset + options.size : this.#pastSize(session, position + chunk.length)) {
          throw new StorageError(Reason.badSize, `the part's body goes past ${options.size !== undefined ? `the ${options.size} bytes announced` : "the upload's size"}`);
        }
        await this.#sameAsHeld(session, data, chunk, position);
        await writeAll(data, chunk, position);
        partHash.update(chunk);
        if (running && position + chunk.length > running.end) {
          running.hash.update(chunk.subarray(Math.max(0, running.end - position)));
          running.end = position + chunk.length;
        }
        position += chunk.length;
      }
      const size = position - offset;
      if (options.size !== undefined && size !== options.size) {
        throw new StorageError(Reason.badSize, `the part had ${size} bytes, not the ${options.size} announced`);
      }
      const sha256 = partHash.digest('hex');
      if (options.sha256 !== undefined && options.sha256 !== sha256) {
        throw new StorageError(Reason.checksumMismatch, `the part's SHA-256 is ${sha256}, not ${options.sha256}`);
      }
      const newBytes = size - overlap(session.held, offset, offset + size);
      if (session.meta.size === undefined && newBytes > 0) {
        session.reservation?.grow(newBytes);
      }
      await data.datasync();
      await data.close();
      fh = undefined;
      if (session.gone) throw noSuchUpload(id);
      // The part counts from here: its bytes are durable, and so is the line that says they are held.
      await writeSynced(join(session.dir, 'parts.log'), `${JSON.stringify({ o: offset, n: size, h: sha256 })}\n`, 'a');
      if (size > 0) session.held = merge(session.held, { start: offset, end: offset + size });
      if (running && running.end > session.running.end) session.running = running;
      session.updated = Date.now();
      return { offset, size, sha256 };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw noSuchUpload(id);
      throw err;
    } finally {
      await fh?.close().catch(() => {});
      session.writing.splice(session.writing.indexOf(range), 1);
    }
  }

  /**
   * Assembles a session holding every byte from 0 to its size: the data
   * file and its SHA-256 (the running one, finished by reading what it did
   * not see). The session stays until `finish`, so a failed commit can be
   * retried and a refused SHA-256 leaves it as it was.
   */
  async assemble(id: string, options: { sha256?: string; parts?: readonly number[] }): Promise<Assembled> {
    const session = await this.#live(id);
    if (session.numbered) return this.#assembleNumbered(session, options);
    if (options.parts) throw new StorageError(Reason.badArgs, `upload ${id} is a session of offsets: complete it without parts=`);
    if (session.writing.length) throw new StorageError(Reason.partConflict, `upload ${id} still has parts being written`);
    const size = session.meta.size ?? (session.held.length ? session.held[session.held.length - 1].end : 0);
    const complete = size === 0 ? session.held.length === 0 : session.held.length === 1 && session.held[0].start === 0 && session.held[0].end === size;
    if (!complete) throw new StorageError(Reason.incomplete, `upload ${id} holds ${describe(session.held)} of ${size} bytes`);
    const path = join(session.dir, 'data');
    // A part refused mid-body may have left bytes past the end; the file is exactly what is held.
    await truncate(path, size);
    const hash = session.running.hash.copy();
    if (session.running.end < size) await hashFileRange(path, hash, session.running.end, size);
    return this.#assembled(session, options, { path, size, sha256: hash.digest('hex') }, () => {});
  }

  /** Assembles a session of numbered parts from the parts listed, in their order; the others are discarded with the session. */
  async #assembleNumbered(session: Session, options: { sha256?: string; parts?: readonly number[] }): Promise<Assembled> {
    const parts = session.numbered!;
    if (!options.parts) throw new StorageError(Reason.badArgs, `upload ${session.id} is a session of numbered parts: complete it with parts=LIST`);
    const path = join(session.dir, 'data');
    const assembled = await parts.assemble(options.parts, path, this.options.maxFileSize);
    return this.#assembled(session, options, { path, ...assembled }, () => {
      parts.completing = false;
    });
  }

  /**
   * A session's assembled file, once its SHA-256 is the one asked for (at
   * the beginning or at completion); a digest that differs refuses, and
   * `release` gives the session back as it was.
   */
  #assembled(
    session: Session,
    options: { sha256?: string },
    file: { path: string; size: number; sha256: string; etag?: string },
    release: () => void,
  ): Assembled {
    for (const wanted of [options.sha256, session.meta.sha256]) {
      if (wanted !== undefined && wanted !== file.sha256) {
        release();
        throw new StorageError(Reason.checksumMismatch, `the upload's SHA-256 is ${file.sha256}, not ${wanted}`);
      }
    }
    return {
      meta: session.meta,
      ...file,
      stored: (replaced) => {
        session.reservation?.commit(file.size, replaced);
        session.reservation = undefined;
      },
      finish: () => this.#remove(session),
      release,
    };
  }

  async abort(id: string): Promise<void> {
    const session = await this.#live(id);
    await this.#remove(session);
  }

  /** Removes sessions untouched for longer than the time to live, their quota given back. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.writing.length || session.numbered?.writing || now - session.updated < this.options.ttlMs) continue;
      await this.#remove(session).catch((err) => this.#log.warn({ err, upload: session.id }, 'cannot remove an expired upload session'));
      removed++;
    }
    if (removed) this.#log.info({ sessions: removed }, 'removed expired upload sessions');
    return removed;
  }

  /** Drops the sessions of a deleted bucket. */
  async dropBucket(bucket: string): Promise<void> {
    for (const session of [...this.#sessions.values()]) if (session.meta.bucket === bucket) await this.#remove(session).catch(() => {});
  }

  async #remove(session: Session): Promise<void> {
    // No part is stored from here on; the session is forgotten once its folder is gone, so that no
    // one is told it is gone while its bytes are still on disk.
    session.gone = true;
    session.reservation?.release();
    session.reservation = undefined;
    try {
      await rm(session.dir, { recursive: true, force: true });
    } finally {
      this.#sessions.delete(session.id);
    }
  }

  /** A session to describe: one being removed is still found until its folder is gone ("no such upload" means its bytes are). */
  async #get(id: string): Promise<Session> {
    const session = this.#sessions.get(id);
    if (!session) throw noSuchUpload(id);
    return session;
  }

  /** A session to write to, complete or abort: not one being removed. */
  async #live(id: string): Promise<Session> {
    const session = await this.#get(id);
    if (session.gone) throw noSuchUpload(id);
    return session;
  }

  /** The parts of a session of numbered parts; a session of offsets refuses numbered parts. */
  #numbered(session: Session): NumberedParts {
    if (!session.numbered) throw new StorageError(Reason.notNow, `upload ${session.id} is a session of offsets: send its parts with part_u`);
    return session.numbered;
  }

  /** Where a part may go: inside the size, clear of the parts being written. */
  #judge(session: Session, offset: number, size: number | undefined): Range {
    if (session.numbered) throw new StorageError(Reason.notNow, `upload ${session.id} is a session of numbered parts: send its parts with part_n`);
    const end = size === undefined ? Infinity : offset + size;
    const limit = session.meta.size ?? this.options.maxFileSize;
    if (end !== Infinity && end > limit) {
      throw new StorageError(session.meta.size === undefined ? Reason.tooLarge : Reason.badRange, `the part ${offset}+${size} goes past the upload's ${limit} bytes`);
    }
    if (offset > limit) throw new StorageError(Reason.badRange, `the part starts past the upload's ${limit} bytes`);
    if (session.writing.some((r) => r.start < end && offset < r.end)) {
      throw new StorageError(Reason.partConflict, `the part ${offset}+${size ?? 'chunked'} overlaps a part still being written`);
    }
    if (session.meta.size === undefined && size !== undefined) {
      const newBytes = size - overlap(session.held, offset, end);
      this.options.quota?.check(newBytes);
    }
    return { start: offset, end };
  }

  #pastSize(session: Session, end: number): boolean {
    return end > (session.meta.size ?? this.options.maxFileSize);
  }

  /** Refuses bytes that would change bytes already held. */
  async #sameAsHeld(session: Session, fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
    const end = position + chunk.length;
    for (const r of session.held) {
      if (r.end <= position || r.start >= end) continue;
      const from = Math.max(r.start, position);
      const to = Math.min(r.end, end);
      const existing = Buffer.allocUnsafe(to - from);
      let read = 0;
      while (read < existing.length) {
        const { bytesRead } = await fh.read(existing, read, existing.length - read, from + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      if (read < existing.length || !existing.equals(chunk.subarray(from - position, to - position))) {
        throw new StorageError(Reason.partConflict, `bytes ${from} to ${to} are already held with different contents`);
      }
    }
  }

  async #load(id: string): Promise<void> {
    const dir = join(this.root, id);
    let meta: SessionMeta;
    try {
      meta = JSON.parse(await readFile(join(dir, 'session.json'), 'utf8')) as SessionMeta;
    } catch (err) {
      // A session whose begin never finished (a crash before its description was synced) never answered: removed.
      if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) {
        await rm(dir, { recursive: true, force: true });
        return;
      }
      throw err;
    }
    // No data file: the session was completed (its file renamed to its key) and a crash came before its folder went.
    if (!(await stat(join(dir, 'data')).then(() => true, () => false))) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    if (meta.parts) {
      const numbered = await NumberedParts.load(dir, this.#log);
      const updated = Math.max(...(await Promise.all(['session.json', 'parts.log'].map((f) => stat(join(dir, f)).then((s) => s.mtimeMs, () => 0)))));
      this.#remember(id, meta, [], updated, this.options.quota?.restore(numbered.held), numbered);
      return;
    }
    const log = await readFile(join(dir, 'parts.log'), 'utf8').catch(() => '');
    let held: Range[] = [];
    for (const line of log.split('\n')) {
      try {
        const part = JSON.parse(line) as { o: number; n: number };
        if (Number.isSafeInteger(part.o) && Number.isSafeInteger(part.n) && part.n > 0) held = merge(held, { start: part.o, end: part.o + part.n });
      } catch {
        // A line cut by a crash was never acknowledged.
      }
    }
    const updated = Math.max(...(await Promise.all(['session.json', 'parts.log'].map((f) => stat(join(dir, f)).then((s) => s.mtimeMs, () => 0)))));
    const holding = meta.size ?? (held.length ? held[held.length - 1].end : 0);
    // Quota is held again as it was before the restart; a full quota now still keeps what was acknowledged.
    const reservation = this.options.quota?.restore(holding);
    this.#remember(id, meta, held, updated, reservation);
  }

  #remember(id: string, meta: SessionMeta, held: Range[], updated: number, reservation: Reservation | undefined, numbered?: NumberedParts): Session {
    const session: Session = { id, dir: join(this.root, id), meta, held, writing: [], running: { hash: createHash('sha256'), end: 0 }, updated, reservation, gone: false, numbered };
    this.#sessions.set(id, session);
    return session;
  }
}

function info(s: Session): UploadSessionInfo {
  return {
    id: s.id,
    bucket: s.meta.bucket,
    key: s.meta.key,
    size: s.meta.size,
    overwrite: s.meta.overwrite,
    sha256: s.meta.sha256,
    attrs: s.meta.attrs,
    created: s.meta.created,
    updated: new Date(s.updated).toISOString(),
    numbered: s.numbered !== undefined,
    held: s.numbered ? s.numbered.held : s.held.length && s.held[0].start === 0 ? s.held[0].end : 0,
    ranges: s.held.map((r) => ({ offset: r.start, length: r.end - r.start })),
  };
}

/** A sorted, merged list of ranges with one more added (ranges that touch become one). */
function merge(ranges: readonly Range[], added: Range): Range[] {
  const out: Range[] = [];
  let current = { ...added };
  let placed = false;
  for (const r of ranges) {
    if (r.end < current.start) out.push(r);
    else if (r.start > current.end) {
      if (!placed) out.push(current);
      placed = true;
      out.push(r);
    } else current = { start: Math.min(current.start, r.start), end: Math.max(current.end, r.end) };
  }
  if (!placed) out.push(current);
  return out;
}

/** How many bytes of [start, end) the ranges cover. */
function overlap(ranges: readonly Range[], start: number, end: number): number {
  let bytes = 0;
  for (const r of ranges) bytes += Math.max(0, Math.min(r.end, end) - Math.max(r.start, start));
  return bytes;
}

function describe(ranges: readonly Range[]): string {
  return ranges.length ? ranges.map((r) => `${r.start}–${r.end}`).join(', ') : 'no bytes';
}

async function writeAll(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}

const noSuchUpload = (id: string) => new StorageError(Reason.noSuchUpload, `no upload session ${id}`);
