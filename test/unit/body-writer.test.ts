import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BodyWriter } from '../../server/storage/body-writer.ts';

const dir = await mkdtemp(join(tmpdir(), 'pail-body-writer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const MiB = 1 << 20;

/** Feeds `body` to a BodyWriter in pieces of `piece` bytes; returns what it reported and what the file holds. */
async function write(body: Buffer, piece: number, name: string) {
  const path = join(dir, name);
  const fh = await open(path, 'wx');
  const writer = new BodyWriter(fh);
  for (let at = 0; at < body.length; at += piece) await writer.add(body.subarray(at, at + piece));
  const reported = await writer.finish();
  await fh.close();
  return { reported, stored: await readFile(path) };
}

describe('BodyWriter', () => {
  // Sizes around the 1 MiB batch, fed in pieces that do and do not divide it.
  const cases: [size: number, piece: number][] = [
    [0, 1],
    [1, 1],
    [MiB - 1, 65_536],
    [MiB, 65_536],
    [MiB + 1, 65_536],
    [3 * MiB + 12_345, 100_003],
    [2 * MiB, 2 * MiB],
  ];
  it.each(cases)('stores %i bytes fed %i at a time, in order, with their SHA-256', async (size, piece) => {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31 + (i >> 11)) & 0xff;
    const { reported, stored } = await write(body, piece, `${size}-${piece}.bin`);
    expect(reported.size).toBe(size);
    expect(reported.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(stored.equals(body)).toBe(true);
  });

  it('counts what it has taken before the batch is written', async () => {
    const fh = await open(join(dir, 'count.bin'), 'wx');
    const writer = new BodyWriter(fh);
    await writer.add(Buffer.alloc(1000));
    expect(writer.size).toBe(1000);
    await writer.add(Buffer.alloc(MiB));
    expect(writer.size).toBe(MiB + 1000);
    await writer.abort();
    await fh.close();
  });

  describe('background syncs', () => {
    /** A real file whose datasync calls are counted, or made to fail. */
    async function counted(name: string, fail = false) {
      const fh = await open(join(dir, name), 'wx');
      const calls = { datasync: 0 };
      const datasync = fh.datasync.bind(fh);
      fh.datasync = async () => {
        calls.datasync++;
        if (fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        return datasync();
      };
      return { fh, calls };
    }

    it('hands written bytes to the disk while the body still arrives', async () => {
      const { fh, calls } = await counted('synced.bin');
      const writer = new BodyWriter(fh, 2 * MiB);
      const body = Buffer.alloc(9 * MiB, 7);
      for (let at = 0; at < body.length; at += 65_536) await writer.add(body.subarray(at, at + 65_536));
      const reported = await writer.finish();
      await fh.close();
      expect(calls.datasync).toBeGreaterThanOrEqual(1);
      expect(reported.size).toBe(body.length);
      expect((await readFile(join(dir, 'synced.bin'))).equals(body)).toBe(true);
    });

    it('leaves a body smaller than the interval to the final fsync', async () => {
      const { fh, calls } = await counted('small.bin');
      const writer = new BodyWriter(fh, 2 * MiB);
      await writer.add(Buffer.alloc(MiB + 5));
      await writer.finish();
      await fh.close();
      expect(calls.datasync).toBe(0);
    });

    it('fails the body when a background sync fails', async () => {
      const { fh, calls } = await counted('failed-sync.bin', true);
      const writer = new BodyWriter(fh, MiB);
      for (let i = 0; i < 4; i++) await writer.add(Buffer.alloc(MiB, i));
      await expect(writer.finish()).rejects.toMatchObject({ code: 'EIO' });
      await fh.close();
      expect(calls.datasync).toBe(1);
    });
  });
});
