import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Storage } from '../../server/storage/s3/s3-storage.ts';
import { receiveBody } from '../../server/storage/s3/received-body.ts';
import type { Storage, StorageError } from '../../server/storage/storage.ts';
import { parseStoreUrl } from '../../shared/config/store-url.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import { md5, readOpened, reason, sha256 } from '../storage/bytes.ts';
import { ENGINE_TEST_OPTIONS, inPieces, NEEDS_ENGINE, ownStore, rawEngine, TEST_STORE } from './engine.ts';

const MiB = 1024 * 1024;
async function rows(storage: Storage, bucket: string, query = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const row of storage.list(bucket, query)) out.push(row.kind === 'file' ? row.file.name : `[${row.prefix}]`);
  return out;
}

describe.skipIf(!TEST_STORE)(`S3Storage on an engine (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  let storage: S3Storage;
  const options = ENGINE_TEST_OPTIONS;

  beforeAll(async () => {
    storage = await S3Storage.open(url, options);
    await storage.createBucket('files');
  });
  afterAll(() => storage?.close());

  it('creates, lists and refuses buckets: an existing name, the reserved name, a name too long for the prefix', async () => {
    expect(await reason(storage.createBucket('files'))).toBe('exists');
    expect(await reason(storage.createBucket('pail-system'))).toBe('bad-name');
    const prefix = parseStoreUrl(url).prefix;
    const longest = 'b'.repeat(63 - prefix.length);
    expect(await reason(storage.createBucket(`${longest}x`))).toBe('bad-name');
    await storage.createBucket(longest);
    expect((await storage.listBuckets()).map((b) => b.name)).toEqual(expect.arrayContaining(['files', longest]));
    expect((await storage.listBuckets()).map((b) => b.name)).not.toContain('pail-system');
    await storage.deleteBucket(longest);
    expect(await reason(storage.stat('nobucket', 'a'))).toBe('no-such-bucket');
    expect(await reason(storage.stat('files', 'absent'))).toBe('no-such-file');
  });

  it('puts a small file with its SHA-256, etag and attrs kept as metadata; a wrong sha256 is refused and nothing is visible', async () => {
    const body = randomBytes(100_000);
    const info = await storage.put('files', 'small.bin', inPieces(body), { size: body.length, md5: true, attrs: 'content-type=text%2Fplain&x=é' });
    expect(info).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body), attrs: 'content-type=text%2Fplain&x=é' });
    expect(await storage.stat('files', 'small.bin')).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body), attrs: 'content-type=text%2Fplain&x=é' });
    expect(await readOpened(await storage.get('files', 'small.bin'))).toEqual(body);
    expect(await reason(storage.put('files', 'wrong-small.bin', inPieces(body), { size: body.length, sha256: sha256(Buffer.from('other')) }))).toBe('checksum-mismatch');
    expect(await reason(storage.stat('files', 'wrong-small.bin'))).toBe('no-such-file');
    // An existing name is refused without overwrite, replaced with it.
    expect(await reason(storage.put('files', 'small.bin', inPieces(body), { size: body.length }))).toBe('exists');
    const other = randomBytes(10);
    await storage.put('files', 'small.bin', inPieces(other), { size: other.length, overwrite: true });
    expect(await storage.stat('files', 'small.bin')).toMatchObject({ size: 10, sha256: sha256(other) });
    expect((await storage.stat('files', 'small.bin')).etag).toBeUndefined();
  });

  it('puts a 20 MiB file (staged, then copied into place) announced and chunked; a wrong sha256 leaves nothing, not even staging', async () => {
    const body = randomBytes(20 * MiB);
    const info = await storage.put('files', 'large.bin', inPieces(body, 1 * MiB), { size: body.length, md5: true });
    expect(info).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body) });
    expect(await storage.stat('files', 'large.bin')).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body) });
    expect(sha256(await readOpened(await storage.get('files', 'large.bin')))).toBe(sha256(body));
    const chunked = await storage.put('files', 'large-chunked.bin', inPieces(body, 3 * MiB + 7), {});
    expect(chunked.sha256).toBe(sha256(body));
    expect((await storage.stat('files', 'large-chunked.bin')).size).toBe(body.length);
    expect(await reason(storage.put('files', 'wrong-large.bin', inPieces(body, MiB), { size: body.length, sha256: sha256(Buffer.from('x')) }))).toBe('checksum-mismatch');
    expect(await reason(storage.stat('files', 'wrong-large.bin'))).toBe('no-such-file');
    const engine = rawEngine(url);
    try {
      const staging = await engine.send(new ListObjectsV2Command({ Bucket: `${parseStoreUrl(url).prefix}pail-system`, Prefix: 'staging/' }));
      expect(staging.KeyCount ?? 0).toBe(0);
    } finally {
      engine.destroy();
    }
  });

  // The bound is not a timing measure: a part request left waiting for bytes that never come hangs until the engine drops it (about a minute).
  it('a body that ends before its announced size is refused at once (its part request aborted), and nothing is visible', { timeout: 30_000 }, async () => {
    const body = randomBytes(20 * MiB);
    expect(await reason(storage.put('files', 'short.bin', inPieces(body.subarray(0, 10 * MiB)), { size: body.length }))).toBe('bad-size');
    expect(await reason(storage.stat('files', 'short.bin'))).toBe('no-such-file');
  });

  it('of N creates of one key racing, small and large bodies mixed, exactly one wins and the file is the winner\'s', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(i % 2 === 0 ? 1000 + i : 9 * MiB + i));
    const results = await Promise.allSettled(bodies.map((b) => storage.put('files', 'raced.bin', inPieces(b, MiB), { size: b.length })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as StorageError).reason).toBe('exists');
    expect((await storage.stat('files', 'raced.bin')).sha256).toBe(sha256(bodies[winners[0]]));
  });

  it('of N staged bodies published at once as creates of one key (copies, which ignore If-None-Match), exactly one wins', async () => {
    const engine = rawEngine(url);
    const system = `${parseStoreUrl(url).prefix}pail-system`;
    try {
      for (const round of [1, 2, 3]) {
        const bodies = Array.from({ length: 6 }, () => randomBytes(9 * MiB));
        // Every body received and staged first, so the publishes (claim, look, copy) all run at the same moment.
        const staged = await Promise.all(
          bodies.map((b) => receiveBody(engine, system, inPieces(b, MiB), { size: b.length, maxSize: 1024 ** 3, tooLargeMessage: 'too large', md5: false })),
        );
        expect(staged.every((r) => r.staging !== undefined)).toBe(true);
        const key = `published-${round}.bin`;
        const results = await Promise.allSettled(staged.map((r) => storage.publish('files', key, r, { sha256: r.sha256 }, false)));
        await Promise.all(staged.map((r) => r.discard()));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect((r.reason as StorageError).reason).toBe('exists');
        expect((await storage.stat('files', key)).sha256).toBe(sha256(bodies[winners[0]]));
      }
    } finally {
      engine.destroy();
    }
  });

  it('reads ranges, and a download pinned to a SHA-256 is refused (changed) once the file is another', async () => {
    const body = randomBytes(3 * MiB);
    await storage.put('files', 'ranged.bin', inPieces(body), { size: body.length });
    const part = await storage.get('files', 'ranged.bin', { offset: MiB + 5, length: 1000 });
    expect(part.length).toBe(1000);
    expect(await readOpened(part)).toEqual(body.subarray(MiB + 5, MiB + 1005));
    // Reads that jump (not ascending from the last) open a new ranged GET.
    const file = await storage.get('files', 'ranged.bin');
    const buf = Buffer.alloc(10);
    expect(await file.read(buf, 10, 2 * MiB)).toBe(10);
    expect(buf).toEqual(body.subarray(2 * MiB, 2 * MiB + 10));
    expect(await file.read(buf, 10, 7)).toBe(10);
    expect(buf).toEqual(body.subarray(7, 17));
    await file.close();
    expect(await reason(storage.get('files', 'ranged.bin', { offset: body.length - 1, length: 2 }))).toBe('bad-range');
    const pinned = await storage.get('files', 'ranged.bin', { offset: 0, length: 10 }, { sha256: sha256(body) });
    await pinned.close();
    // The version opened stays the version read: an overwrite after the GET began does not mix versions.
    const opened = await storage.get('files', 'ranged.bin');
    await storage.put('files', 'ranged.bin', inPieces(randomBytes(body.length)), { size: body.length, overwrite: true });
    expect(sha256(await readOpened(opened))).toBe(sha256(body));
    expect(await reason(storage.get('files', 'ranged.bin', { offset: 0, length: 10 }, { sha256: sha256(body) }))).toBe('changed');
    // A read that jumps opens a new GET pinned to the version opened: after an overwrite it is refused, never the other version's bytes.
    const current = await storage.stat('files', 'ranged.bin');
    const jumping = await storage.get('files', 'ranged.bin');
    expect(await jumping.read(buf, 10, 0)).toBe(10);
    await storage.put('files', 'ranged.bin', inPieces(randomBytes(body.length)), { size: body.length, overwrite: true });
    expect(await reason(jumping.read(buf, 10, 2 * MiB))).toBe('changed');
    await jumping.close();
    expect((await storage.stat('files', 'ranged.bin')).sha256).not.toBe(current.sha256);
  });

  it('a download whose reader pauses past the engine client\'s silence timeout goes on where it was (the GET asked again, the same version)', { timeout: 60_000 }, async () => {
    // A store whose engine client gives up on 1 s of silence; the file is larger than the sockets' buffers, so a pause leaves its GET silent.
    const patient = await S3Storage.open(url, { ...options, engineTimeouts: { connectMs: 10_000, silentMs: 1_000 } });
    try {
      const body = randomBytes(48 * MiB);
      await patient.put('files', 'paused.bin', inPieces(body), { size: body.length });
      const file = await patient.get('files', 'paused.bin');
      const buf = Buffer.alloc(MiB);
      const got: Buffer[] = [];
      let position = 0;
      for (let n = await file.read(buf, MiB, 0); n > 0; n = await file.read(buf, MiB, position)) {
        got.push(Buffer.from(buf.subarray(0, n)));
        position += n;
        // The pause is the scenario (a download client that stops reading for a while), not a wait for something to happen.
        if (got.length === 1) await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
      await file.close();
      expect(position).toBe(body.length);
      expect(sha256(Buffer.concat(got))).toBe(sha256(body));
    } finally {
      await patient.close();
    }
  });

  it('lists in key order with prefix, delimiter and after (after a folder row: past everything under it)', async () => {
    await storage.createBucket('listing');
    for (const key of ['a.txt', 'b/1', 'b/2', 'b/c/3', 'c/', 'd', 'é']) await storage.put('listing', key, inPieces(Buffer.alloc(0)), { size: 0 });
    expect(await rows(storage, 'listing')).toEqual(['a.txt', 'b/1', 'b/2', 'b/c/3', 'c/', 'd', 'é']);
    expect(await rows(storage, 'listing', { delimiter: '/' })).toEqual(['a.txt', '[b/]', '[c/]', 'd', 'é']);
    expect(await rows(storage, 'listing', { delimiter: '/', after: 'b/' })).toEqual(['[c/]', 'd', 'é']);
    expect(await rows(storage, 'listing', { after: 'b/' })).toEqual(['b/1', 'b/2', 'b/c/3', 'c/', 'd', 'é']);
    expect(await rows(storage, 'listing', { prefix: 'b/', delimiter: '/' })).toEqual(['b/1', 'b/2', '[b/c/]']);
    expect(await rows(storage, 'listing', { prefix: 'b/', after: 'b/1' })).toEqual(['b/2', 'b/c/3']);
    const first = (await storage.list('listing')[Symbol.asyncIterator]().next()).value as ListingRow;
    expect(first).toMatchObject({ kind: 'file', file: { name: 'a.txt', size: 0 } });
    // File rows carry the SHA-256, etag and attributes kept as metadata (looked up ahead of the caller).
    const body = Buffer.from('listed body');
    await storage.put('listing', 'b/2', inPieces(body), { size: body.length, overwrite: true, md5: true, attrs: 'k=v' });
    const listed = [];
    for await (const row of storage.list('listing', { prefix: 'b/' })) if (row.kind === 'file') listed.push(row.file);
    expect(listed.find((f) => f.name === 'b/2')).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body), attrs: 'k=v' });
    expect(listed.find((f) => f.name === 'b/1')).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await reason(rows(storage, 'nobucket'))).toBe('no-such-bucket');
    // A folder key and a key under it may both exist on S3.
    await storage.put('listing', 'b', inPieces(Buffer.from('x')), { size: 1 });
    expect((await storage.stat('listing', 'b')).size).toBe(1);
    await storage.deleteFile('listing', 'b');
    expect(await reason(storage.deleteBucket('listing'))).toBe('not-empty');
    await storage.deleteBucket('listing', { force: true });
    expect(await reason(storage.stat('listing', 'a.txt'))).toBe('no-such-bucket');
  });

  it('pages a listing of more than one engine page (1,000 keys) lazily and in order', async () => {
    await storage.createBucket('many');
    const keys = Array.from({ length: 1100 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    // Written straight to the engine (one request each, not Pail's checks and claim): the listing is what is tested.
    const engine = rawEngine(url);
    try {
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => engine.send(new PutObjectCommand({ Bucket: `${parseStoreUrl(url).prefix}many`, Key: k, Body: k, ContentLength: k.length }))));
      }
    } finally {
      engine.destroy();
    }
    expect(await rows(storage, 'many')).toEqual(keys);
    expect(await rows(storage, 'many', { after: 'k01049' })).toEqual(keys.slice(1050));
    expect((await storage.listBuckets()).find((b) => b.name === 'many')).toMatchObject({ files: 1100, bytes: 1100 * 6 });
    await storage.deleteBucket('many', { force: true });
  });

  it('gives a file written behind Pail\'s back its SHA-256 (computed from its bytes) and deletes files', async () => {
    const engine = rawEngine(url);
    const body = randomBytes(5000);
    try {
      await engine.send(new PutObjectCommand({ Bucket: `${parseStoreUrl(url).prefix}files`, Key: 'foreign.bin', Body: body, ContentLength: body.length }));
    } finally {
      engine.destroy();
    }
    const listed = [];
    for await (const row of storage.list('files', { prefix: 'foreign' })) if (row.kind === 'file') listed.push(row.file);
    expect(listed).toMatchObject([{ name: 'foreign.bin', size: 5000, sha256: null }]);
    expect(await storage.stat('files', 'foreign.bin')).toMatchObject({ size: 5000, sha256: sha256(body) });
    expect(await readOpened(await storage.get('files', 'foreign.bin', undefined, { sha256: sha256(body) }))).toEqual(body);
    await storage.deleteFile('files', 'foreign.bin');
    expect(await reason(storage.deleteFile('files', 'foreign.bin'))).toBe('no-such-file');
  });

  it('with a quota, usage is counted from the engine at open and an upload past it is refused (no-space) before any byte', async () => {
    await storage.put('files', 'quota-base.bin', inPieces(randomBytes(1000)), { size: 1000 });
    const used = (await storage.listBuckets()).reduce((sum, b) => sum + b.bytes, 0);
    const limited = await S3Storage.open(url, { ...options, quota: used + 5000 });
    try {
      await limited.put('files', 'quota-1.bin', inPieces(randomBytes(4000)), { size: 4000 });
      expect(await reason(limited.put('files', 'quota-2.bin', inPieces(randomBytes(4000)), { size: 4000 }))).toBe('no-space');
      await limited.deleteFile('files', 'quota-1.bin');
      await limited.put('files', 'quota-2.bin', inPieces(randomBytes(4000)), { size: 4000 });
    } finally {
      await limited.close();
    }
  });

  it('a second S3Storage on the same engine (another bucket server) sees the first one\'s files at once', async () => {
    const second = await S3Storage.open(url, options);
    try {
      const body = randomBytes(2000);
      await storage.put('files', 'shared.bin', inPieces(body), { size: body.length });
      expect(await second.stat('files', 'shared.bin')).toMatchObject({ sha256: sha256(body) });
      expect(await readOpened(await second.get('files', 'shared.bin'))).toEqual(body);
      expect(await reason(second.put('files', 'shared.bin', inPieces(body), { size: body.length }))).toBe('exists');
    } finally {
      await second.close();
    }
  });

  it('a claim left by a dead server is taken over after its lease, by exactly one of several takers', async () => {
    const engine = rawEngine(url);
    const system = `${parseStoreUrl(url).prefix}pail-system`;
    try {
      const { Claims } = await import('../../server/storage/s3/claims.ts');
      const claimKey = new Claims(engine, system).keyFor('files', 'stale.bin');
      const stale = JSON.stringify({ holder: 'dead', at: Date.now() - 3_600_000 });
      await engine.send(new PutObjectCommand({ Bucket: system, Key: claimKey, Body: stale, ContentLength: stale.length }));
      // Staged bodies (published by copies, which no If-None-Match guards): only the claim keeps it to one winner.
      const bodies = Array.from({ length: 6 }, () => randomBytes(9 * MiB));
      const staged = await Promise.all(
        bodies.map((b) => receiveBody(engine, system, inPieces(b, MiB), { size: b.length, maxSize: 1024 ** 3, tooLargeMessage: 'too large', md5: false })),
      );
      const results = await Promise.allSettled(staged.map((r) => storage.publish('files', 'stale.bin', r, { sha256: r.sha256 }, false)));
      await Promise.all(staged.map((r) => r.discard()));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      await expect(engine.send(new HeadObjectCommand({ Bucket: system, Key: claimKey }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    } finally {
      engine.destroy();
    }
  });
});
