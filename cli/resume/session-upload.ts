import type { PailConnection, Uploaded } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { formatBytes } from '../format.ts';
import { RETRIES, withRetries } from './connection-lost.ts';
import { FileDigest } from './file-digest.ts';
import { forgetUploadState, readUploadState, writeUploadState, type UploadStateKey } from './upload-state.ts';

/**
 * Files larger than this go through an upload session, in parts of this
 * size, sent in order: an interrupted upload costs at most the part that was
 * under way, and the next `pail put` goes on from what the server holds.
 * Smaller ones go as one plain upload (one round trip, and little to lose).
 */
export const PART_SIZE = 8 * 1024 * 1024;

/** Lends a connection for one try; a try that fails on a lost connection is made again on another. */
export type UseConnection = <T>(work: (connection: PailConnection) => Promise<T>) => Promise<T>;

export interface SessionUploadOptions {
  readonly overwrite: boolean;
  readonly sha256?: string;
  /** --no-resume: abort the session remembered for this file, if any, and start over. */
  readonly fresh: boolean;
  readonly signal: AbortSignal;
  /** Bytes of the file the server holds or was sent, for the bar: a resumed upload starts at what is held. */
  readonly onBytes?: (done: number) => void;
  /** Says what happens that a person should know (resuming, starting over, retrying). */
  readonly say: (line: string) => void;
}

export interface SessionUploaded extends Uploaded {
  readonly upload: string;
  /** Bytes the server held when this run went on with a session begun before (0 for a new one). */
  readonly resumedFrom: number;
}

/**
 * Uploads the local file `file.path` to `bucket`/`file.key` through an
 * upload session: the one remembered for this file (still open, and begun
 * with the same options) from the bytes it holds, else a new one, which is
 * remembered until it completes. A lost connection is tried again (see
 * withRetries), each try asking the server what it holds; a session that
 * is gone (completed, aborted, expired) starts over.
 */
export async function uploadInSession(use: UseConnection, file: UploadStateKey, options: SessionUploadOptions): Promise<SessionUploaded> {
  const { bucket, key, size } = file;
  const label = `${bucket}/${key}`;
  let remembered = await readUploadState(file);
  if (remembered && (options.fresh || remembered.overwrite !== options.overwrite || remembered.sha256 !== options.sha256)) {
    const old = remembered.upload;
    await use((c) => c.abortUpload(old)).catch(() => {});
    await forgetUploadState(file);
    options.say(`pail: aborted the earlier upload session ${old} of ${label}; starting over`);
    remembered = undefined;
  }
  let upload = remembered?.upload;
  let resumedFrom = 0;
  let resumeChecked = upload === undefined;
  let completing = false;
  const digest = new FileDigest(file.path);
  let acknowledged = 0;
  let lastTry = 0;

  const begin = async (c: PailConnection): Promise<string> => {
    const id = await c.beginUpload(bucket, key, { size, overwrite: options.overwrite, sha256: options.sha256 });
    await writeUploadState({ ...file, upload: id, overwrite: options.overwrite, sha256: options.sha256, begun: new Date().toISOString() }).catch((err: Error) =>
      options.say(`pail: cannot remember the upload session of ${label} (${err.message}); an interrupted upload will start over`),
    );
    return id;
  };

  const attempt = (): Promise<SessionUploaded> =>
    use(async (c) => {
      let held = 0;
      if (upload !== undefined) {
        const status = await c.uploadStatus(upload).catch((err: unknown) => {
          if (err instanceof PailError && err.reason === Reason.noSuchUpload) return undefined;
          throw err;
        });
        if (status === undefined) {
          const done = completing ? await completedMeanwhile(c) : undefined;
          if (done) return done;
          options.say(`pail: the upload session ${upload} of ${label} is gone (completed, aborted or expired); starting over`);
          await forgetUploadState(file);
          upload = undefined;
        } else {
          held = status.held;
          if (!resumeChecked) resumedFrom = held;
          if (held > 0) options.say(`pail: resuming ${label} at ${held} of ${size} bytes (${formatBytes(held)} held by the server)`);
        }
      }
      resumeChecked = true;
      upload ??= await begin(c);
      const id = upload;
      await digest.catchUp(held);
      acknowledged = held;
      options.onBytes?.(held);
      for (let offset = held; offset < size; ) {
        const length = Math.min(PART_SIZE, size - offset);
        const from = offset;
        await c.writePart(id, offset, digest.part(offset, length), { size: length, onProgress: (sent) => options.onBytes?.(from + sent) });
        digest.acknowledged();
        offset += length;
        acknowledged = offset;
      }
      completing = true;
      try {
        const done = await c.completeUpload(id, { sha256: digest.hex() });
        await forgetUploadState(file);
        return { ...done, upload: id, resumedFrom };
      } catch (err) {
        if (!(err instanceof PailError && err.reason === Reason.checksumMismatch)) throw err;
        // The server keeps a session refused at completion; nothing would ever complete it, so it goes, and is forgotten.
        await c.abortUpload(id).catch(() => {});
        await forgetUploadState(file);
        upload = undefined;
        if (resumedFrom === 0) throw err;
        // The bytes held before this run are not the file's now (it changed in place, keeping its size and time): start over once.
        options.say(`pail: the bytes held for ${label} do not match the local file; starting over`);
        resumedFrom = 0;
        completing = false;
        throw new RestartUpload();
      }
    });

  /** complete_u went out but its answer was lost: the file is there if it has this file's SHA-256. */
  const completedMeanwhile = async (c: PailConnection): Promise<SessionUploaded | undefined> => {
    const info = await c.stat(bucket, key).catch(() => undefined);
    if (info?.sha256 !== digest.hex() || digest.at !== size) return undefined;
    await forgetUploadState(file);
    return { size: info.size, sha256: info.sha256, modified: info.modified, upload: upload!, resumedFrom };
  };

  for (;;) {
    try {
      return await withRetries(
        options.signal,
        attempt,
        (err, wait, count) => options.say(`pail: lost the connection while uploading ${label} (${err.message}); trying again in ${wait / 1000} s (${count} of ${RETRIES})`),
        () => {
          const gained = acknowledged > lastTry;
          lastTry = acknowledged;
          return gained;
        },
      );
    } catch (err) {
      if (err instanceof RestartUpload) continue;
      if (options.signal.aborted) {
        if (acknowledged > 0) options.say(`pail: interrupted; the server holds at least ${acknowledged} of ${size} bytes of ${label}: put the same file again to resume`);
        throw err;
      }
      throw withHeld(err, acknowledged, size, label);
    }
  }
}

class RestartUpload extends Error {}

/** Tells a person whose upload stopped that it can go on where it stopped. */
function withHeld(err: unknown, held: number, size: number, label: string): unknown {
  if (held > 0 && err instanceof Error) err.message += ` (the server holds ${held} of ${size} bytes of ${label}; put the same file again to resume)`;
  return err;
}
