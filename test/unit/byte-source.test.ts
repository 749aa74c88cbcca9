import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ByteSource } from '../../server/storage/s3/byte-source.ts';

const KiB = 1024;

/** A body handed out in pieces of `piece` bytes, telling when it was finished (read to its end or returned early). */
function body(bytes: Buffer, piece: number, state = { finished: false, pulled: 0 }) {
  return {
    state,
    async *[Symbol.asyncIterator]() {
      try {
        for (let at = 0; at < bytes.length; at += piece) {
          state.pulled += Math.min(piece, bytes.length - at);
          yield bytes.subarray(at, at + piece);
        }
      } finally {
        state.finished = true;
      }
    },
  };
}

/** Reads everything left, `max` bytes at a time at most. */
async function rest(source: ByteSource, max: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for (let chunk = await source.next(max); chunk; chunk = await source.next(max)) out.push(chunk);
  return Buffer.concat(out);
}

describe('ByteSource read-ahead', () => {
  it('takes bytes ahead (hashed once, in order, counted as taken) and hands them out first, then the rest of the body', async () => {
    const bytes = randomBytes(300 * KiB);
    const hash = createHash('sha256');
    const source = new ByteSource(body(bytes, 64 * KiB), (chunk) => hash.update(chunk));
    const first = await source.next(10 * KiB);
    source.readAhead(100 * KiB);
    // The read-ahead runs in the background; the next `next` stops it and starts with what it took.
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.taken).toBeGreaterThan(10 * KiB);
    const after = await rest(source, 7 * KiB);
    expect(Buffer.concat([first!, after])).toEqual(bytes);
    expect(source.taken).toBe(bytes.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('stops at its limit: no more than `max` bytes are held ahead', async () => {
    const bytes = randomBytes(1024 * KiB);
    const input = body(bytes, 16 * KiB);
    const source = new ByteSource(input, () => {});
    source.readAhead(100 * KiB);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(source.taken).toBe(100 * KiB);
    expect(input.state.pulled).toBeLessThanOrEqual(112 * KiB);
    expect(await rest(source, 64 * KiB)).toEqual(bytes);
  });

  it('a failure met reading ahead (a limit passed) is thrown by the next read and kept, and nothing past it is handed out', async () => {
    const bytes = randomBytes(256 * KiB);
    const tooMuch = new Error('past the limit');
    const source = new ByteSource(body(bytes, 32 * KiB), () => {
      if (source.taken >= 64 * KiB) throw tooMuch;
    });
    expect((await source.next(64 * KiB))!.length).toBe(32 * KiB);
    source.readAhead(200 * KiB);
    await expect(rest(source, 64 * KiB)).rejects.toBe(tooMuch);
    expect(source.failure).toBe(tooMuch);
    expect(source.taken).toBe(64 * KiB);
  });

  it('cancel ends a read-ahead and then the body, which finishes', async () => {
    const input = body(randomBytes(512 * KiB), 8 * KiB);
    const source = new ByteSource(input, () => {});
    source.readAhead(256 * KiB);
    await source.cancel();
    expect(input.state.finished).toBe(true);
    expect(input.state.pulled).toBeLessThan(512 * KiB);
  });
});
