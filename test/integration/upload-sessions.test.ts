import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { RawClient } from '../helpers/raw-client.ts';
import type { TestServer } from '../helpers/bucket-server.ts';
import { startChildServer } from '../helpers/child-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const { cleanup, serve } = cleanupAfterEach();

async function connect(port: number): Promise<PailConnection> {
  const connection = await PailConnection.connect({ host: '127.0.0.1', port });
  cleanup.push(async () => connection.destroy());
  return connection;
}

async function withBucket(options: Parameters<typeof serve>[0] = {}): Promise<{ server: TestServer; pail: PailConnection }> {
  const server = await serve(options);
  const pail = await connect(server.port);
  await pail.createBucket('photos');
  return { server, pail };
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => (err instanceof PailError ? err.reason : String(err)),
  );
}

/** The reason a part is refused for, on a connection of its own (a part refused before its go-ahead closes its connection). */
async function partRefusal(port: number, upload: string, offset: number, body: Buffer): Promise<string | undefined> {
  return refusal((await connect(port)).writePart(upload, offset, body));
}

describe('upload sessions', () => {
  it.skipIf(onEngine)('take parts in order, say what they hold, and complete into the file with the 700 FUTB line of a plain upload (the data folder only: looks into the data folder for the session\'s leftovers)', async () => {
    const { pail, server } = await withBucket();
    const body = randomBytes(3 * 65_536 + 17);
    const id = await pail.beginUpload('photos', 'big/file.bin', { size: body.length });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await pail.writePart(id, 0, body.subarray(0, 65_536))).toEqual({ offset: 0, size: 65_536, sha256: sha256(body.subarray(0, 65_536)) });
    await pail.writePart(id, 65_536, body.subarray(65_536, 2 * 65_536));
    expect(await pail.uploadStatus(id)).toEqual({ held: 2 * 65_536, size: body.length, ranges: [{ offset: 0, length: 2 * 65_536 }] });
    // Nothing appears before completion.
    expect((await pail.listPage('photos', {})).files).toEqual([]);
    await pail.writePart(id, 2 * 65_536, body.subarray(2 * 65_536));
    const raw = await RawClient.greeted(server.port);
    cleanup.push(async () => raw.close());
    expect(await raw.command(`complete_u ${id}`)).toMatch(new RegExp(`^700 FUTB ${body.length} ${sha256(body)} \\S+ stored photos/big/file.bin$`));
    expect((await pail.stat('photos', 'big/file.bin')).sha256).toBe(sha256(body));
    const download = await pail.download('photos', 'big/file.bin');
    expect(Buffer.concat(await download.body.toArray()).equals(body)).toBe(true);
    expect(await refusal(pail.uploadStatus(id))).toBe(Reason.noSuchUpload);
    expect(await readdir(join(server.data, '.pail', 'uploads'))).toEqual([]);
  });

  it('take parts out of order and on several connections at once, and give the right SHA-256', async () => {
    const { pail, server } = await withBucket();
    const body = randomBytes(8 * 100_000);
    const id = await pail.beginUpload('photos', 'parallel.bin', { size: body.length });
    const order = [5, 2, 7, 0, 3, 6, 1, 4];
    const connections = await Promise.all([0, 1, 2, 3].map(() => connect(server.port)));
    await Promise.all(
      connections.map(async (c, i) => {
        for (const part of order.filter((_, j) => j % 4 === i)) await c.writePart(id, part * 100_000, body.subarray(part * 100_000, (part + 1) * 100_000));
      }),
    );
    expect((await pail.completeUpload(id)).sha256).toBe(sha256(body));
    expect((await pail.stat('photos', 'parallel.bin')).size).toBe(body.length);
  });

  it('accept a range written twice with the same bytes, and refuse different bytes without mixing them', async () => {
    const { pail, server } = await withBucket();
    const body = Buffer.from('0123456789abcdefghij');
    const id = await pail.beginUpload('photos', 'overlap.txt', { size: 20 });
    await pail.writePart(id, 0, body.subarray(0, 12));
    await pail.writePart(id, 8, body.subarray(8, 16));
    expect(await partRefusal(server.port, id, 10, Buffer.from('XXXXXX'))).toBe(Reason.partConflict);
    expect(await pail.uploadStatus(id)).toMatchObject({ held: 16, ranges: [{ offset: 0, length: 16 }] });
    await pail.writePart(id, 16, body.subarray(16));
    expect((await pail.completeUpload(id)).sha256).toBe(sha256(body));
  });

  it('refuse a part overlapping one still being written', async () => {
    const { pail, server } = await withBucket();
    const id = await pail.beginUpload('photos', 'busy.bin', { size: 1000 });
    const slow = await RawClient.greeted(server.port);
    cleanup.push(async () => slow.close());
    expect(await slow.command(`part_u ${id} 0 500`)).toBe('100 SEND 500 send the body now');
    slow.send(Buffer.alloc(100, 1));
    expect(await partRefusal(server.port, id, 400, Buffer.alloc(200, 1))).toBe(Reason.partConflict);
    slow.send(Buffer.alloc(400, 1));
    expect(await slow.line()).toMatch(/^1300 UPS 0 500 /);
    await pail.writePart(id, 400, Buffer.alloc(200, 1));
    expect((await pail.uploadStatus(id)).held).toBe(600);
  });

  it('refuse to complete with bytes missing, and keep the session', async () => {
    const { pail } = await withBucket();
    const id = await pail.beginUpload('photos', 'gap.bin', { size: 10 });
    await pail.writePart(id, 0, Buffer.from('abc'));
    await pail.writePart(id, 5, Buffer.from('fghij'));
    expect(await refusal(pail.completeUpload(id))).toBe(Reason.incomplete);
    await pail.writePart(id, 3, Buffer.from('de'));
    expect((await pail.completeUpload(id)).sha256).toBe(sha256('abcdefghij'));
  });

  it('complete a session of unknown size at the end of what it holds, and refuse a SHA-256 that differs', async () => {
    const { pail } = await withBucket();
    const id = await pail.beginUpload('photos', 'unknown.txt');
    await pail.writePart(id, 0, Buffer.from('hello '));
    await pail.writePart(id, 6, Buffer.from('world'));
    expect(await pail.uploadStatus(id)).toEqual({ held: 11, size: undefined, ranges: [{ offset: 0, length: 11 }] });
    expect(await refusal(pail.completeUpload(id, { sha256: sha256('other') }))).toBe(Reason.checksumMismatch);
    expect((await pail.listPage('photos', {})).files).toEqual([]);
    expect(await pail.completeUpload(id, { sha256: sha256('hello world') })).toMatchObject({ size: 11 });
  });

  it('refuse a part past the size given, a key taken without overwrite, and list and abort sessions', async () => {
    const { pail, server } = await withBucket();
    await pail.upload('photos', 'taken.txt', Buffer.from('x'));
    expect(await refusal(pail.beginUpload('photos', 'taken.txt'))).toBe(Reason.exists);
    expect(await refusal(pail.beginUpload('nowhere', 'a.txt'))).toBe(Reason.noSuchBucket);
    const id = await pail.beginUpload('photos', 'a/b.txt', { size: 4 });
    expect(await partRefusal(server.port, id, 2, Buffer.from('xyz'))).toBe(Reason.badRange);
    const other = await pail.beginUpload('photos', 'c.txt', { overwrite: true });
    expect((await pail.listUploads('photos')).map((u) => [u.id, u.key, u.size])).toEqual(
      expect.arrayContaining([
        [id, 'a/b.txt', 4],
        [other, 'c.txt', undefined],
      ]),
    );
    await pail.abortUpload(id);
    expect(await refusal(pail.uploadStatus(id))).toBe(Reason.noSuchUpload);
    expect((await pail.listUploads('photos')).map((u) => u.id)).toEqual([other]);
  });

  it('keep every acknowledged part across a kill -9 and restart, show nothing before completion, and resume', async () => {
    const first = await startChildServer();
    cleanup.push(() => first.stop());
    const pail = await connect(first.port);
    await pail.createBucket('photos');
    const body = randomBytes(5 * 200_000);
    const id = await pail.beginUpload('photos', 'survivor.bin', { size: body.length });
    await pail.writePart(id, 0, body.subarray(0, 200_000));
    await pail.writePart(id, 400_000, body.subarray(400_000, 600_000));
    // A part under way when the server dies was never acknowledged.
    const cut = await RawClient.greeted(first.port);
    cleanup.push(async () => cut.close());
    expect(await cut.command(`part_u ${id} 200000 200000`)).toMatch(/^100 SEND/);
    cut.send(body.subarray(200_000, 300_000));
    await first.kill();

    const second = await startChildServer({ data: first.data });
    cleanup.push(() => second.stop());
    const again = await connect(second.port);
    expect(await again.uploadStatus(id)).toEqual({
      held: 200_000,
      size: body.length,
      ranges: [
        { offset: 0, length: 200_000 },
        { offset: 400_000, length: 200_000 },
      ],
    });
    expect((await again.listPage('photos', {})).files).toEqual([]);
    await again.writePart(id, 200_000, body.subarray(200_000, 400_000));
    await again.writePart(id, 600_000, body.subarray(600_000));
    expect((await again.completeUpload(id)).sha256).toBe(sha256(body));
    expect((await again.stat('photos', 'survivor.bin')).sha256).toBe(sha256(body));
  });

  it.skipIf(onEngine)('hold room for their size against the quota, and give it back when they expire (removed at start-up past their time to live) (the data folder only: looks into the data folder for the session\'s leftovers (the start-up removal on s3: test/s3-store/sessions-expiry.test.ts))', async () => {
    const { pail, server } = await withBucket({ uploadTtlMs: 3600_000, quota: 1000 });
    const id = await pail.beginUpload('photos', 'idle.bin', { size: 800 });
    await pail.writePart(id, 0, Buffer.alloc(100));
    // The session holds room for its 800 bytes: a plain upload of 300 does not fit.
    expect(await refusal((await connect(server.port)).upload('photos', 'other.bin', Buffer.alloc(300)))).toBe(Reason.noSpace);
    await server.server.close();
    const again = await serve({ data: server.data, uploadTtlMs: 1, quota: 1000 });
    const pail2 = await connect(again.port);
    expect(await refusal(pail2.uploadStatus(id))).toBe(Reason.noSuchUpload);
    expect(await readdir(join(again.data, '.pail', 'uploads'))).toEqual([]);
    await pail2.upload('photos', 'other.bin', Buffer.alloc(300));
  });

  it.skipIf(onEngine)('expire while the server runs, once untouched for their time to live (the data folder only: looks into the data folder for the session\'s leftovers)', async () => {
    const { pail, server } = await withBucket({ uploadTtlMs: 300 });
    const id = await pail.beginUpload('photos', 'idle.bin', { size: 800 });
    await expect.poll(() => refusal(pail.uploadStatus(id)), { message: 'the session expires', timeout: 10_000, interval: 50 }).toBe(Reason.noSuchUpload);
    expect(await readdir(join(server.data, '.pail', 'uploads'))).toEqual([]);
  });

  it('count against the quota as their parts arrive when no size was given', async () => {
    const { pail, server } = await withBucket({ quota: 1000 });
    const id = await pail.beginUpload('photos', 'growing.bin');
    await pail.writePart(id, 0, Buffer.alloc(600));
    expect(await partRefusal(server.port, id, 600, Buffer.alloc(600))).toBe(Reason.noSpace);
    await pail.abortUpload(id);
    await pail.upload('photos', 'fits.bin', Buffer.alloc(900));
  });
});
