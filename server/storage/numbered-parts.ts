import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Reason } from '../../shared/protocol/reasons.ts';
import { multipartEtag } from '../../shared/protocol/etags.ts';
import { syncDir, writeSynced } from './durable.ts';
import { StorageError, type NumberedPartInfo } from './storage.ts';
import { SILENT_LOG, type StorageLog } from './storage-log.ts';

/**
 * The parts of an upload session of numbered parts (S3's multipart upload),
 * kept in its folder:
 *
 *   parts/N-RANDOM  one file per part received, written, datasynced, and the
 *                   folder synced before the part is recorded
 *   parts.log       a synced line per part recorded,
 *                   `{"p":N,"f":"N-RANDOM","n":SIZE,"m":MD5,"h":SHA256,"t":MS}`
 *
 * A part's record names its own file, so a record never stands for another
 * upload's bytes: a part sent again under its number goes to a new file, and
 * the earlier file is removed only once the new line is durable. At start-up
 * the last line of each number wins and files no winning line names (parts
 * cut by a crash, or replaced before their removal) are removed. Recording
 * (the quota, the line, the replaced file's removal) and completion take
 * turns, so the last line of a number is always the file that stays, and a
 * completion reads a set of parts no one changes under it.
 */
export interface HeldPart extends NumberedPartInfo {
  /** The part's file in `parts/`. */
  readonly file: string;
}

/** The log line of a part: short keys, as the offset sessions' log has. */
interface PartLine {
  readonly p: number;
  readonly f: string;
  readonly n: number;
  readonly m: string;
  readonly h: string;
  readonly t: number;
}

export interface PartWriteOptions {
  readonly size?: number;
  readonly md5?: string;
  readonly sha256?: string;
  /** The most bytes a part may have (the largest file). */
  readonly maxSize: number;
  /** Counts `delta` bytes more (or fewer) against the quota; throws no-space when they do not fit. */
  readonly account: (delta: number) => void;
  /** Refuses the record when the session is gone meanwhile. */
  readonly stillLive: () => void;
}

/** What a completion copied into place: the file's size and SHA-256, and its S3 multipart etag. */
export interface AssembledParts {
  readonly size: number;
  readonly sha256: string;
  readonly etag: string;
}

const COPY_BUFFER = 1 << 20;
/** A part file's name: its number, then random hex (never a name of another part). */
const PART_FILE = /^([1-9]\d*)-[0-9a-f]+$/;

export class NumberedParts {
  readonly #parts = new Map<number, HeldPart>();
  readonly #partsDir: string;
  readonly #logPath: string;
  readonly #log: StorageLog;
  /** The end of the chain of records and completions, which run one at a time. */
  #turn: Promise<unknown> = Promise.resolve();
  /** Parts whose bytes are coming now. */
  writing = 0;
  /** A completion took the parts: no part is recorded until it fails (and `completing` is cleared) or the session is gone. */
  completing = false;

  private constructor(dir: string, log: StorageLog) {
    this.#partsDir = join(dir, 'parts');
    this.#logPath = join(dir, 'parts.log');
    this.#log = log;
  }

  /** Makes the parts folder of a new session (its parent synced by the caller). */
  static async create(dir: string, log: StorageLog = SILENT_LOG): Promise<NumberedParts> {
    await mkdir(join(dir, 'parts'));
    await syncDir(join(dir, 'parts'));
    return new NumberedParts(dir, log);
  }

  /** Reads a session's parts after a restart: the last line of each number wins; files no winning line names are removed. */
  static async load(dir: string, log: StorageLog = SILENT_LOG): Promise<NumberedParts> {
    const parts = new NumberedParts(dir, log);
    await mkdir(parts.#partsDir, { recursive: true });
    const text = await readFile(parts.#logPath, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const part = readLine(line);
      if (part) parts.#parts.set(part.number, part);
    }
    const named = new Set([...parts.#parts.values()].map((p) => p.file));
    const files = new Set(await readdir(parts.#partsDir));
    for (const part of [...parts.#parts.values()]) {
      if (files.has(part.file)) continue;
      // Written and synced before its line: a record without its file is a disk that lost it, not a crash.
      log.warn({ part: part.number, file: part.file }, 'a recorded part has no file; it is dropped');
      parts.#parts.delete(part.number);
    }
    for (const file of files) if (!named.has(file)) await rm(join(parts.#partsDir, file), { force: true });
    return parts;
  }

  /** The bytes of every part held. */
  get held(): number {
    let bytes = 0;
    for (const part of this.#parts.values()) bytes += part.size;
    return bytes;
  }

  list(): NumberedPartInfo[] {
    return [...this.#parts.values()].sort((a, b) => a.number - b.number).map(publicPart);
  }

  /** The size of the part now held under a number (0 for none). */
  sizeOf(number: number): number {
    return this.#parts.get(number)?.size ?? 0;
  }

  /**
   * Writes a part to a file of its own, makes it durable, then records it
   * (replacing the part held under its number, whose file goes only after
   * the new record is on disk). A refused part leaves nothing behind.
   */
  async write(number: number, body: AsyncIterable<Buffer>, options: PartWriteOptions): Promise<NumberedPartInfo> {
    const file = `${number}-${randomBytes(8).toString('hex')}`;
    const path = join(this.#partsDir, file);
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    const limit = options.size ?? options.maxSize;
    let fh: FileHandle | undefined;
    let size = 0;
    let recorded = false;
    this.writing++;
    try {
      fh = await open(path, 'wx', 0o644);
      for await (const chunk of body) {
        if (size + chunk.length > limit) {
          throw options.size === undefined
            ? new StorageError(Reason.tooLarge, `a part is limited to ${options.maxSize} bytes`)
            : new StorageError(Reason.badSize, `the part's body goes past the ${options.size} bytes announced`);
        }
        await writeAll(fh, chunk, size);
        md5.update(chunk);
        sha256.update(chunk);
        size += chunk.length;
      }
      if (options.size !== undefined && size !== options.size) throw new StorageError(Reason.badSize, `the part had ${size} bytes, not the ${options.size} announced`);
      const part: HeldPart = { number, file, size, md5: md5.digest('hex'), sha256: sha256.digest('hex'), modified: new Date().toISOString() };
      if (options.sha256 !== undefined && options.sha256 !== part.sha256) throw new StorageError(Reason.checksumMismatch, `the part's SHA-256 is ${part.sha256}, not ${options.sha256}`);
      if (options.md5 !== undefined && options.md5 !== part.md5) throw new StorageError(Reason.checksumMismatch, `the part's MD5 is ${part.md5}, not ${options.md5}`);
      await fh.datasync();
      await fh.close();
      fh = undefined;
      // The file's name is durable before a line names it.
      await syncDir(this.#partsDir);
      await this.#inTurn(() => this.#record(part, options));
      recorded = true;
      return publicPart(part);
    } finally {
      this.writing--;
      await fh?.close().catch(() => {});
      if (!recorded) await rm(path, { force: true }).catch(() => {});
    }
  }

  /** The part counts from here: its line is durable; the file it replaces goes after. Runs in turn. */
  async #record(part: HeldPart, options: PartWriteOptions): Promise<void> {
    options.stillLive();
    if (this.completing) throw new StorageError(Reason.partConflict, 'the upload is being completed');
    const replaced = this.#parts.get(part.number);
    const delta = part.size - (replaced?.size ?? 0);
    options.account(delta);
    try {
      const line: PartLine = { p: part.number, f: part.file, n: part.size, m: part.md5, h: part.sha256, t: Date.parse(part.modified) };
      await writeSynced(this.#logPath, `${JSON.stringify(line)}\n`, 'a');
    } catch (err) {
      options.account(-delta);
      throw err;
    }
    this.#parts.set(part.number, part);
    if (replaced) {
      await rm(join(this.#partsDir, replaced.file), { force: true }).catch((err: unknown) =>
        this.#log.warn({ err, file: replaced.file }, 'cannot remove a replaced part; the next start will'),
      );
    }
  }

  /**
   * Copies the listed parts, in order, into `dataPath` (one reused buffer),
   * hashing the file as it goes, and datasyncs it. From here no part is
   * recorded until `completing` is cleared (a failed completion) or the
   * session is gone. Refuses a number not held (no-such-part) and a file past
   * `maxFileSize` (too-large) before copying anything.
   */
  assemble(numbers: readonly number[], dataPath: string, maxFileSize: number): Promise<AssembledParts> {
    return this.#inTurn(async () => {
      if (this.completing) throw new StorageError(Reason.partConflict, 'the upload is being completed');
      const listed = numbers.map((n) => {
        const part = this.#parts.get(n);
        if (!part) throw new StorageError(Reason.noSuchPart, `the upload holds no part ${n}`);
        return part;
      });
      const size = listed.reduce((sum, p) => sum + p.size, 0);
      if (size > maxFileSize) throw new StorageError(Reason.tooLarge, `the parts listed make ${size} bytes; files are limited to ${maxFileSize} bytes`);
      this.completing = true;
      try {
        const sha256 = await copyParts(listed.map((p) => ({ path: join(this.#partsDir, p.file), size: p.size })), dataPath);
        return { size, sha256, etag: multipartEtag(listed.map((part) => part.md5)) };
      } catch (err) {
        this.completing = false;
        throw err;
      }
    });
  }

  /** Runs `step` after every step before it, whether they succeeded or not. */
  #inTurn<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(step, step);
    this.#turn = run.catch(() => {});
    return run;
  }
}

/** Writes the parts' bytes one after another into a new `dataPath`, synced; resolves to the file's SHA-256. */
async function copyParts(parts: readonly { path: string; size: number }[], dataPath: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(COPY_BUFFER);
  const out = await open(dataPath, 'w', 0o644);
  try {
    let position = 0;
    for (const part of parts) {
      const input = await open(part.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        for (let read = 0; read < part.size; ) {
          const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, part.size - read), read);
          if (bytesRead === 0) throw new Error(`${part.path} ends at ${read}, before the ${part.size} bytes recorded`);
          const bytes = buffer.subarray(0, bytesRead);
          hash.update(bytes);
          await writeAll(out, bytes, position);
          read += bytesRead;
          position += bytesRead;
        }
      } finally {
        await input.close();
      }
    }
    await out.datasync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** A part as the session's users see it, without its file. */
function publicPart({ number, size, md5, sha256, modified }: HeldPart): NumberedPartInfo {
  return { number, size, md5, sha256, modified };
}

/** A log line read back, or undefined for a line cut by a crash (never acknowledged) or not of this log's shape. */
function readLine(line: string): HeldPart | undefined {
  if (line === '') return undefined;
  try {
    const p = JSON.parse(line) as Partial<PartLine>;
    const valid =
      Number.isSafeInteger(p.p) &&
      typeof p.f === 'string' &&
      PART_FILE.exec(p.f)?.[1] === String(p.p) &&
      Number.isSafeInteger(p.n) &&
      typeof p.m === 'string' &&
      typeof p.h === 'string' &&
      Number.isFinite(p.t);
    return valid ? { number: p.p!, file: p.f, size: p.n!, md5: p.m, sha256: p.h, modified: new Date(p.t!).toISOString() } : undefined;
  } catch {
    return undefined;
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}
