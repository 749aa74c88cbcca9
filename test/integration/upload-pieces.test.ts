import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';

// The server reads connections into 1 MiB slabs and writes bodies in 1 MiB batches; these uploads, at once and in
// odd pieces, catch a wrong digest or bytes written out of order, overwritten, or crossed between connections at
// those boundaries. (Against the reverted hashing thread of issue 18, it failed when a slab was refilled too early.)
const MiB = 1 << 20;
/** Not a multiple of a slab, so every body ends in a partial one. */
const SIZE = 6 * MiB + 12_345;
/** Bodies at once, each on its own connection. */
const UPLOADS = 20;
/** Odd piece sizes, so the client's writes straddle the server's 1 MiB boundaries at ever different places. */
const PIECES = [65_537, 1_000_003, 4_093, 333_331, 1];

let server: ChildServer;
beforeAll(async () => {
  server = await startChildServer();
});
afterAll(async () => {
  await server.stop();
});

/** Bytes that never repeat within a body and differ between bodies (xorshift32 seeded per upload), in odd-sized pieces. */
function* body(seed: number, size: number): Generator<Buffer> {
  let state = seed * 2_654_435_761 || 1;
  for (let sent = 0, i = 0; sent < size; i++) {
    const piece = Buffer.allocUnsafe(Math.min(PIECES[i % PIECES.length], size - sent));
    for (let at = 0; at < piece.length; at++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      piece[at] = state & 0xff;
    }
    sent += piece.length;
    yield piece;
  }
}

it(`stores ${UPLOADS} concurrent ${SIZE}-byte uploads sent in odd pieces with the SHA-256 each client computed, byte for byte`, async () => {
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await setup.createBucket('pieces');
  await setup.quit();
  const results = await Promise.all(
    Array.from({ length: UPLOADS }, async (_, n) => {
      const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
      const sent = createHash('sha256');
      const source = (function* () {
        for (const piece of body(n + 1, SIZE)) {
          sent.update(piece);
          yield piece;
        }
      })();
      const stored = await client.upload('pieces', `body-${n}.bin`, source, { size: SIZE });
      const expected = sent.digest('hex');
      const download = await client.download('pieces', `body-${n}.bin`);
      const received = createHash('sha256');
      let bytes = 0;
      for await (const chunk of download.body) {
        received.update(chunk);
        bytes += chunk.length;
      }
      await client.quit();
      return { stored, expected, bytes, received: received.digest('hex') };
    }),
  );
  for (const { stored, expected, bytes, received } of results) {
    expect(stored).toMatchObject({ size: SIZE, sha256: expected });
    expect(bytes).toBe(SIZE);
    expect(received).toBe(expected);
  }
}, 120_000);
