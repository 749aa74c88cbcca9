import { Readable } from 'node:stream';
import type { Download } from '../client/connection.ts';

/** Starts a download of `length` bytes at `offset` of the same file, on a connection of its own. */
export type Reopen = (offset: number, length: number) => Promise<Download>;

/**
 * A reader that has not asked for more within this long has stalled: its
 * download lets go of the bucket server until it reads again.
 */
export const STALL_MS = 2_000;

/**
 * A download's body for an HTTP response, which lets go of the bucket
 * server while the HTTP client does not read. When the response has taken
 * all it can hold and asks for nothing more within `stallMs`, the protocol
 * download is cut (its connection, mid-body, is dropped), so a stalled
 * client holds no bucket server connection and none of the bucket server's
 * or the kernel's buffers on that hop. When the client reads again, the rest
 * is downloaded from where it stopped, bound to the file's SHA-256: if the
 * file changed meanwhile, the bucket server refuses (`changed`) and the
 * response fails rather than splice two versions.
 */
export function resumableDownload(first: Download, reopen: Reopen, stallMs = STALL_MS): Readable {
  const { info } = first;
  const end = info.offset + info.length;
  let position = info.offset;
  let current: Readable | undefined;
  let stall: NodeJS.Timeout | undefined;
  let reopening = false;
  let detach = () => {};

  const body: Readable = new Readable({
    // The response's own buffer is the one that matters; this holds about one chunk.
    highWaterMark: 64 * 1024,
    read() {
      clearTimeout(stall);
      stall = undefined;
      if (current) current.resume();
      else if (!reopening) void resume();
    },
    destroy(err, callback) {
      clearTimeout(stall);
      current?.destroy();
      current = undefined;
      callback(err);
    },
  });

  function attach(download: Readable): void {
    const onData = (chunk: Buffer) => {
      position += chunk.length;
      if (!body.push(chunk)) {
        download.pause();
        stall = setTimeout(letGo, stallMs);
      }
    };
    const onEnd = () => {
      current = undefined;
      body.push(null);
    };
    const onError = (err: Error) => body.destroy(err);
    download.on('data', onData).once('end', onEnd).once('error', onError);
    current = download;
    detach = () => {
      download.off('data', onData).off('end', onEnd).off('error', onError);
      // Cut on purpose: its error (if any) is of no interest.
      download.on('error', () => {});
    };
  }

  /** The client stopped reading: the protocol download goes, the bytes already here stay. */
  function letGo(): void {
    const download = current;
    if (!download) return;
    current = undefined;
    detach();
    download.destroy();
  }

  async function resume(): Promise<void> {
    // Let go after its last byte but before its end: nothing is left to fetch.
    if (position >= end) {
      body.push(null);
      return;
    }
    reopening = true;
    try {
      const next = await reopen(position, end - position);
      if (body.destroyed) {
        next.body.destroy();
        return;
      }
      attach(next.body);
    } catch (err) {
      body.destroy(err as Error);
    } finally {
      reopening = false;
    }
  }

  attach(first.body);
  return body;
}
