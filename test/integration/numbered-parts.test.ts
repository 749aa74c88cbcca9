import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startChildServer } from '../helpers/child-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
/** S3's ETag of a multipart object, computed here on its own: the MD5 of the parts' binary MD5s, a dash, their count. */
const s3Etag = (parts: readonly Buffer[]) => `${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}`;

const { cleanup, serve } = cleanupAfterEach();

async function connect(port: number): Promise<PailConnection> {
  const connection = await PailConnection.connect({ host: '127.0.0.1', port });
  cleanup.push(async () => connection.destroy());
  return connection;
}

async function withBucket(options: Parameters<typeof serve>[0] = {}) {
  const server = await serve(options);
  const pail = await connect(server.port);
  await pail.createBucket('media');
  return { server, pail };
}

async function raw(port: number): Promise<RawClient> {
  const client = await RawClient.greeted(port);
  cleanup.push(async () => client.close());
  return client;
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => (err instanceof PailError ? err.reason : String(err)),
  );
}

async function downloaded(pail: PailConnection, bucket: string, key: string): Promise<Buffer> {
  const download = await pail.download(bucket, key);
  return Buffer.concat(await download.body.toArray());
}

const partsDir = (data: string, upload: string) => join(data, '.pail', 'uploads', upload, 'parts');

describe('upload sessions of numbered parts', () => {
  it.skipIf(onEngine)('take parts out of order on several connections, list them in number order, and complete into the parts concatenated with S3 multipart etag (the data folder only: looks into the data folder for the session\'s leftovers)', async () => {
    const { server, pail } = await withBucket();
    const parts = [1, 2, 3, 4, 5].map((n) => randomBytes(100_000 + n * 1_111));
    const attrs = 'content-type=video%2Fmp4&x-amz-meta-take=2';
    const upload = await pail.beginUpload('media', 'clips/take.mp4', { parts: true, attrs });
    const connections = await Promise.all([0, 1, 2].map(() => connect(server.port)));
    const order = [4, 1, 5, 2, 3];
    const stored = await Promise.all(
      connections.map(async (c, i) => {
        const mine = order.filter((_, j) => j % 3 === i);
        const answers = [];
        for (const n of mine) answers.push(await c.writeNumberedPart(upload, n, parts[n - 1]));
        return answers;
      }),
    );
    for (const answer of stored.flat()) expect(answer).toEqual({ number: answer.number, size: parts[answer.number - 1].length, md5: md5(parts[answer.number - 1]), sha256: sha256(parts[answer.number - 1]) });

    const listed = await pail.listParts(upload);
    expect(listed.map(({ number, size, md5: m }) => [number, size, m])).toEqual(parts.map((p, i) => [i + 1, p.length, md5(p)]));
    for (const row of listed) expect(row.modified).toMatch(/^\d{4}-\d\d-\d\dT/);
    // A numbered session says the bytes of its parts, no size and no ranges; ls_u lists it marked as numbered.
    expect(await pail.uploadStatus(upload)).toEqual({ held: parts.reduce((n, p) => n + p.length, 0), size: undefined, attrs, ranges: [] });
    expect((await pail.listUploads('media')).map((u) => [u.id, u.held, u.numbered])).toEqual([[upload, parts.reduce((n, p) => n + p.length, 0), true]]);
    expect((await pail.listPage('media', {})).files).toEqual([]);

    const whole = Buffer.concat(parts);
    const done = await pail.completeUpload(upload, { parts: [1, 2, 3, 4, 5] });
    expect(done).toMatchObject({ size: whole.length, sha256: sha256(whole), etag: s3Etag(parts), attrs });
    expect(done.etag).toMatch(/^[0-9a-f]{32}-5$/);
    expect(await pail.stat('media', 'clips/take.mp4')).toMatchObject({ size: whole.length, sha256: sha256(whole), etag: s3Etag(parts), attrs });
    expect((await downloaded(pail, 'media', 'clips/take.mp4')).equals(whole)).toBe(true);
    expect(await refusal(pail.listParts(upload))).toBe(Reason.noSuchUpload);
    expect(await readdir(join(server.data, '.pail', 'uploads'))).toEqual([]);
  });

  it.skipIf(onEngine)('replace a part sent again under its number: the file has the replacement bytes and the etag follows them (the data folder only: looks into the data folder for the parts)', async () => {
    const { server, pail } = await withBucket();
    const first = [randomBytes(70_000), randomBytes(80_000)];
    const replacement = randomBytes(50_000);
    const upload = await pail.beginUpload('media', 'replaced.bin', { parts: true });
    await pail.writeNumberedPart(upload, 1, first[0]);
    await pail.writeNumberedPart(upload, 2, first[1]);
    expect(await pail.writeNumberedPart(upload, 1, replacement)).toMatchObject({ number: 1, size: replacement.length, md5: md5(replacement) });
    expect((await pail.listParts(upload)).map((p) => [p.number, p.md5])).toEqual([
      [1, md5(replacement)],
      [2, md5(first[1])],
    ]);
    // The replaced part's file is gone once its replacement is recorded.
    expect(await readdir(partsDir(server.data, upload))).toHaveLength(2);
    expect((await pail.uploadStatus(upload)).held).toBe(replacement.length + first[1].length);
    const done = await pail.completeUpload(upload, { parts: [1, 2] });
    const whole = Buffer.concat([replacement, first[1]]);
    expect(done).toMatchObject({ size: whole.length, sha256: sha256(whole), etag: s3Etag([replacement, first[1]]) });
    expect((await downloaded(pail, 'media', 'replaced.bin')).equals(whole)).toBe(true);
  });

  it.skipIf(onEngine)('complete with a subset of the parts held: the parts not listed are discarded (the data folder only: looks into the data folder for the session\'s leftovers)', async () => {
    const { server, pail } = await withBucket({ quota: 1_000_000 });
    const parts = [1, 2, 3, 4, 5].map(() => randomBytes(30_000));
    const upload = await pail.beginUpload('media', 'subset.bin', { parts: true });
    for (const [i, part] of parts.entries()) await pail.writeNumberedPart(upload, i + 1, part);
    const chosen = [parts[0], parts[2], parts[3]];
    const done = await pail.completeUpload(upload, { parts: [1, 3, 4] });
    expect(done).toMatchObject({ size: 90_000, sha256: sha256(Buffer.concat(chosen)), etag: s3Etag(chosen) });
    expect((await downloaded(pail, 'media', 'subset.bin')).equals(Buffer.concat(chosen))).toBe(true);
    expect(await readdir(join(server.data, '.pail', 'uploads'))).toEqual([]);
    // The discarded parts' room is given back: only the file counts against the quota.
    await pail.upload('media', 'rest.bin', Buffer.alloc(1_000_000 - 90_000));
  });

  it('write the list of parts with ranges, and the file of a list written so is the parts in order', async () => {
    const { server, pail } = await withBucket();
    const parts = Array.from({ length: 14 }, (_, i) => Buffer.from(`part ${i + 1};`));
    const upload = await pail.beginUpload('media', 'ranges.txt', { parts: true });
    for (const [i, part] of parts.entries()) await pail.writeNumberedPart(upload, i + 1, part);
    const client = await raw(server.port);
    const chosen = [...parts.slice(0, 12), parts[13]];
    const whole = Buffer.concat(chosen);
    expect(await client.command(`complete_u ${upload} parts=1-12,14`)).toMatch(
      new RegExp(`^700 FUTB ${whole.length} ${sha256(whole)} \\S+ etag=${s3Etag(chosen)} stored media/ranges.txt$`),
    );
  });

  it('refuse a part not held (no-such-part) and a list out of order or repeated (bad-args), and keep the session', async () => {
    const { server, pail } = await withBucket();
    const parts = [randomBytes(1_000), randomBytes(2_000), randomBytes(3_000)];
    const upload = await pail.beginUpload('media', 'careful.bin', { parts: true });
    for (const [i, part] of parts.entries()) await pail.writeNumberedPart(upload, i + 1, part);
    expect(await refusal(pail.completeUpload(upload, { parts: [1, 2, 4] }))).toBe(Reason.noSuchPart);
    expect(await refusal(pail.completeUpload(upload, { parts: [2, 1, 3] }))).toBe(Reason.badArgs);
    expect(await refusal(pail.completeUpload(upload, { parts: [1, 1, 2] }))).toBe(Reason.badArgs);
    const client = await raw(server.port);
    expect(await client.command(`complete_u ${upload} parts=1-3,2`)).toMatch(/^400 BCMD bad-args /);
    expect(await client.command(`complete_u ${upload} parts=3-1`)).toMatch(/^400 BCMD bad-args /);
    expect(await client.command(`complete_u ${upload} parts=0-2`)).toMatch(/^400 BCMD bad-args /);
    expect(await client.command(`complete_u ${upload} parts=1,10001`)).toMatch(/^400 BCMD bad-args /);
    expect(await client.command(`complete_u ${upload} parts=5`)).toMatch(/^750 FUTF no-such-part /);
    expect(await client.command(`complete_u ${upload}`)).toMatch(/^750 FUTF bad-args /);
    expect((await pail.listParts(upload)).map((p) => p.number)).toEqual([1, 2, 3]);
    expect((await pail.completeUpload(upload, { parts: [1, 2, 3] })).sha256).toBe(sha256(Buffer.concat(parts)));
  });

  it('refuse the other kind of part, size= with parts, parts= for a session of offsets, and part numbers outside 1 to 10000', async () => {
    const { server, pail } = await withBucket();
    const numbered = await pail.beginUpload('media', 'numbered.bin', { parts: true });
    const offsets = await pail.beginUpload('media', 'offsets.bin');
    // A refusal before the go-ahead closes the connection, as an upload's does: each on a connection of its own.
    expect(await refusal((await connect(server.port)).writePart(numbered, 0, Buffer.from('abc')))).toBe(Reason.notNow);
    expect(await refusal((await connect(server.port)).writeNumberedPart(offsets, 1, Buffer.from('abc')))).toBe(Reason.notNow);
    const closing = await raw(server.port);
    expect(await closing.command(`part_n ${offsets} 1 3`)).toMatch(/^1750 NPF not-now /);
    expect(await closing.closed()).toEqual([]);
    for (const number of ['0', '10001', '01', 'x']) {
      const client = await raw(server.port);
      expect(await client.command(`part_n ${numbered} ${number} 3`)).toMatch(/^1750 NPF bad-args /);
      expect(await client.closed()).toEqual([]);
    }
    const client = await raw(server.port);
    expect(await client.command('begin_u media other.bin parts size=5')).toMatch(/^400 BCMD bad-args /);
    expect(await client.command(`part_n ${numbered} 10000 0`)).toMatch(/^100 SEND 0 /);
    expect(await client.line()).toMatch(/^1700 NPS 10000 0 d41d8cd98f00b204e9800998ecf8427e e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 /);
    await pail.writePart(offsets, 0, Buffer.from('abc'));
    expect(await refusal(pail.completeUpload(offsets, { parts: [1] }))).toBe(Reason.badArgs);
    expect(await refusal(pail.listParts(offsets))).toBe(Reason.notNow);
    expect(await client.command(`status_u ${numbered}`)).toMatch(/^1400 UQS 0 - 0 /);
    expect((await pail.completeUpload(offsets)).size).toBe(3);
  });

  it('give the session back after a completion refused at its commit: parts are taken again, and it completes later', async () => {
    const { pail } = await withBucket();
    const upload = await pail.beginUpload('media', 'taken.bin', { parts: true });
    await pail.writeNumberedPart(upload, 1, Buffer.from('one;'));
    await pail.writeNumberedPart(upload, 2, Buffer.from('two;'));
    // The key is taken meanwhile, and the session was begun without overwrite: refused after its parts were copied.
    await pail.upload('media', 'taken.bin', Buffer.from('someone else'));
    expect(await refusal(pail.completeUpload(upload, { parts: [1, 2] }))).toBe(Reason.exists);
    expect(await pail.writeNumberedPart(upload, 3, Buffer.from('three'))).toMatchObject({ number: 3, size: 5 });
    // A SHA-256 that differs is refused the same way, and the parts stay.
    expect(await refusal(pail.completeUpload(upload, { parts: [1, 2, 3], sha256: sha256('no') }))).toBe(Reason.checksumMismatch);
    await pail.writeNumberedPart(upload, 2, Buffer.from('TWO;'));
    await pail.deleteFile('media', 'taken.bin');
    const done = await pail.completeUpload(upload, { parts: [1, 2, 3] });
    expect(done.sha256).toBe(sha256('one;TWO;three'));
    expect((await downloaded(pail, 'media', 'taken.bin')).toString()).toBe('one;TWO;three');
  });

  it('hold their parts against the quota again after a restart, and expire as other sessions do', async () => {
    const { server, pail } = await withBucket({ quota: 1_000, uploadTtlMs: 3600_000 });
    const upload = await pail.beginUpload('media', 'idle.bin', { parts: true });
    await pail.writeNumberedPart(upload, 1, Buffer.alloc(700));
    await server.server.close();
    const again = await serve({ data: server.data, quota: 1_000, uploadTtlMs: 3600_000 });
    const pail2 = await connect(again.port);
    expect(await refusal(pail2.upload('media', 'other.bin', Buffer.alloc(400)))).toBe(Reason.noSpace);
    await again.server.close();
    const third = await serve({ data: server.data, quota: 1_000, uploadTtlMs: 1 });
    const pail3 = await connect(third.port);
    expect(await refusal(pail3.listParts(upload))).toBe(Reason.noSuchUpload);
    // On the data folder its files are gone too (on s3, its objects: test/s3-store/sessions-expiry.test.ts).
    if (!onEngine) expect(await readdir(join(third.data, '.pail', 'uploads'))).toEqual([]);
    await pail3.upload('media', 'other.bin', Buffer.alloc(400));
  });

  it('refuse a part whose digests differ, and keep the part held under its number', async () => {
    const { pail } = await withBucket();
    const upload = await pail.beginUpload('media', 'digests.bin', { parts: true });
    const held = Buffer.from('the first bytes');
    await pail.writeNumberedPart(upload, 1, held);
    expect(await refusal(pail.writeNumberedPart(upload, 1, Buffer.from('other bytes'), { md5: md5('something else') }))).toBe(Reason.checksumMismatch);
    expect(await refusal(pail.writeNumberedPart(upload, 1, Buffer.from('other bytes'), { sha256: sha256('something else') }))).toBe(Reason.checksumMismatch);
    expect((await pail.listParts(upload)).map((p) => p.md5)).toEqual([md5(held)]);
    const stored = await pail.writeNumberedPart(upload, 2, Buffer.from('two'), { md5: md5('two'), sha256: sha256('two') });
    expect(stored.md5).toBe(md5('two'));
  });

  it.skipIf(onEngine)('record replacements of one number sent at once one at a time: the part that stays is the last record, before and after a restart (the data folder only: looks into the data folder for the parts)', async () => {
    const { server, pail } = await withBucket({ quota: 10_000_000 });
    const upload = await pail.beginUpload('media', 'raced.bin', { parts: true });
    const connections = await Promise.all(Array.from({ length: 8 }, () => connect(server.port)));
    const sent = new Map<string, Buffer>();
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        connections.map(async (c) => {
          const body = randomBytes(64 * 1024);
          sent.set(md5(body), body);
          await c.writeNumberedPart(upload, 1, body);
        }),
      );
      // One file stays for the number, the one its last record names; the quota counts it alone.
      expect(await readdir(partsDir(server.data, upload))).toHaveLength(1);
      expect((await pail.uploadStatus(upload)).held).toBe(64 * 1024);
    }
    const before = (await pail.listParts(upload))[0].md5;
    await server.server.close();
    const again = await serve({ data: server.data, quota: 10_000_000 });
    const pail2 = await connect(again.port);
    expect((await pail2.listParts(upload)).map((p) => p.md5)).toEqual([before]);
    expect(await readdir(partsDir(again.data, upload))).toHaveLength(1);
    const done = await pail2.completeUpload(upload, { parts: [1] });
    expect(done.sha256).toBe(sha256(sent.get(before)!));
    // Only the one part was ever held against the quota: the rest of it is free.
    await pail2.upload('media', 'fill.bin', Buffer.alloc(10_000_000 - 64 * 1024));
  });

  it('count parts against the quota, a replacement by its difference', async () => {
    const { server, pail } = await withBucket({ quota: 1_000 });
    const upload = await pail.beginUpload('media', 'counted.bin', { parts: true });
    await pail.writeNumberedPart(upload, 1, Buffer.alloc(600, 1));
    // Refused before the go-ahead (its size is known), on a connection of its own since that closes it.
    expect(await refusal((await connect(server.port)).writeNumberedPart(upload, 2, Buffer.alloc(600, 2)))).toBe(Reason.noSpace);
    // Sent chunked, the refusal comes at the record: the part is not kept.
    expect(await refusal((await connect(server.port)).writeNumberedPart(upload, 2, [Buffer.alloc(600, 2)]))).toBe(Reason.noSpace);
    expect((await pail.listParts(upload)).map((p) => p.number)).toEqual([1]);
    await pail.writeNumberedPart(upload, 1, Buffer.alloc(300, 3));
    await pail.writeNumberedPart(upload, 2, Buffer.alloc(600, 4));
    expect(await refusal((await connect(server.port)).upload('media', 'over.bin', Buffer.alloc(200)))).toBe(Reason.noSpace);
    expect((await pail.completeUpload(upload, { parts: [1, 2] })).size).toBe(900);
    await pail.upload('media', 'fits.bin', Buffer.alloc(100));
  });

  it.skipIf(onEngine)('keep acknowledged parts across a kill -9, and a replacement cut by the kill never pairs a record with other bytes (the data folder only: looks into the data folder for the parts acknowledged)', async () => {
    const first = await startChildServer();
    cleanup.push(() => first.stop());
    const pail = await connect(first.port);
    await pail.createBucket('media');
    const parts = [randomBytes(200_000), randomBytes(200_000), randomBytes(200_000)];
    const upload = await pail.beginUpload('media', 'survivor.bin', { parts: true });
    for (const [i, part] of parts.entries()) await pail.writeNumberedPart(upload, i + 1, part);
    const acknowledged = async () => (await Promise.all((await readdir(partsDir(first.data, upload))).map(async (f) => `${f}:${(await stat(join(partsDir(first.data, upload), f))).size}`))).sort();
    const held = await acknowledged();

    // Part 2 sent again, half its body on the server when it dies.
    const cut = await raw(first.port);
    expect(await cut.command(`part_n ${upload} 2 200000`)).toMatch(/^100 SEND/);
    cut.send(randomBytes(100_000));
    await expect.poll(acknowledged, { message: 'the replacement reaches the disk', timeout: 10_000, interval: 20 }).not.toEqual(held);
    await first.kill();

    const second = await startChildServer({ data: first.data });
    cleanup.push(() => second.stop());
    const again = await connect(second.port);
    expect((await again.listParts(upload)).map((p) => [p.number, p.size, p.md5])).toEqual(parts.map((p, i) => [i + 1, p.length, md5(p)]));
    // The cut replacement's file is removed at start-up: the folder holds what the log names.
    expect(await readdir(partsDir(first.data, upload))).toHaveLength(3);
    const whole = Buffer.concat(parts);
    const done = await again.completeUpload(upload, { parts: [1, 2, 3] });
    expect(done).toMatchObject({ size: whole.length, sha256: sha256(whole), etag: s3Etag(parts) });
    expect((await downloaded(again, 'media', 'survivor.bin')).equals(whole)).toBe(true);
  });
});
