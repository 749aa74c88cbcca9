import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import type { ListingOptions } from '../../shared/protocol/request.ts';
import { RawClient } from '../helpers/raw-client.ts';
import type { TestServer } from '../helpers/bucket-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const { cleanup, serve } = cleanupAfterEach();

async function connect(server: TestServer): Promise<PailConnection> {
  const connection = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  cleanup.push(async () => connection.destroy());
  return connection;
}

async function withBucket(keys: readonly string[] = []): Promise<{ server: TestServer; pail: PailConnection }> {
  const server = await serve();
  const pail = await connect(server);
  await pail.createBucket('photos');
  for (const key of keys) await pail.upload('photos', key, Buffer.from(key.endsWith('/') ? '' : key), { size: key.endsWith('/') ? 0 : Buffer.byteLength(key) });
  return { server, pail };
}

const keysOf = (rows: readonly ListingRow[]) => rows.map((r) => (r.kind === 'file' ? r.file.name : `[${r.prefix}]`));

async function all(pail: PailConnection, options: Omit<ListingOptions, 'limit' | 'after'> = {}, pageSize = 1000): Promise<string[]> {
  const rows: ListingRow[] = [];
  for await (const row of pail.walk('photos', { ...options, pageSize })) rows.push(row);
  return keysOf(rows);
}

/** The reason an upload is refused for, on a connection of its own (a refused upload closes its connection). */
async function uploadRefusal(server: TestServer, key: string, body: string, options: { overwrite?: boolean } = {}): Promise<string | undefined> {
  const connection = await connect(server);
  return refusal(connection.upload('photos', key, Buffer.from(body), { size: Buffer.byteLength(body), ...options }));
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => (err instanceof PailError ? err.reason : String(err)),
  );
}

describe('keys', () => {
  it.skipIf(onEngine)('store a key a/b/c.txt at BUCKET/a/b/c.txt, a plain tree, and give it back by that key (the data folder only: looks into the data folder for the plain tree)', async () => {
    const { server, pail } = await withBucket(['a/b/c.txt', 'a/d.txt', 'top.txt']);
    expect(await readFile(join(server.data, 'photos', 'a', 'b', 'c.txt'), 'utf8')).toBe('a/b/c.txt');
    expect((await pail.stat('photos', 'a/b/c.txt')).sha256).toBe(sha256('a/b/c.txt'));
    const download = await pail.download('photos', 'a/d.txt');
    expect((await download.body.toArray()).join('')).toBe('a/d.txt');
    expect(await all(pail)).toEqual(['a/b/c.txt', 'a/d.txt', 'top.txt']);
  });

  it('list in the byte order of their UTF-8, as S3 does', async () => {
    const keys = ['b', 'a/b', 'a-c', 'a.txt', 'a', '\uffff', '😀', '\ue000x', 'Z', 'é/x'];
    const { pail } = await withBucket(keys.filter((k) => k !== 'a'));
    const byBytes = keys.filter((k) => k !== 'a').sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await all(pail)).toEqual(byBytes);
    expect((await pail.listFiles('photos')).map((f) => f.name)).toEqual(byBytes);
  });

  it.skipIf(onEngine)('refuse a key that would be both a file and a folder, either way round, with folder-conflict, and lose nothing (the data folder only: folder-conflict is the plain tree\'s refusal; S3 holds a and a/b both)', async () => {
    const { server, pail } = await withBucket(['a', 'b/c']);
    expect(await uploadRefusal(server, 'a/x', '1')).toBe(Reason.folderConflict);
    expect(await uploadRefusal(server, 'a/x/y', '1', { overwrite: true })).toBe(Reason.folderConflict);
    expect(await uploadRefusal(server, 'b', '1')).toBe(Reason.folderConflict);
    expect(await uploadRefusal(server, 'b', '1', { overwrite: true })).toBe(Reason.folderConflict);
    expect(await uploadRefusal(server, 'a/', '')).toBe(Reason.folderConflict);
    expect(await readFile(join(server.data, 'photos', 'a'), 'utf8')).toBe('a');
    expect(await readFile(join(server.data, 'photos', 'b', 'c'), 'utf8')).toBe('b/c');
    expect(await all(pail)).toEqual(['a', 'b/c']);
  });

  it.skipIf(onEngine)('of racing uploads of a and a/b, exactly one wins and the other hears folder-conflict (the data folder only: folder-conflict is the plain tree\'s refusal; S3 holds a and a/b both)', async () => {
    for (let round = 0; round < 10; round++) {
      const { server } = await withBucket();
      const other = await connect(server);
      const outcomes = await Promise.all([
        uploadRefusal(server, 'a', '1'),
        refusal(other.upload('photos', 'a/b', Buffer.from('2'), { size: 1 })),
      ]);
      expect(outcomes.filter((o) => o === undefined), `round ${round}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === Reason.folderConflict), `round ${round}`).toHaveLength(1);
    }
  });

  it.skipIf(onEngine)('remove folders a delete leaves empty, up to the first that still holds something (the data folder only: looks into the data folder for emptied folders)', async () => {
    const { server, pail } = await withBucket(['a/b/c/d.txt', 'a/keep.txt']);
    await pail.deleteFile('photos', 'a/b/c/d.txt');
    expect(await readdir(join(server.data, 'photos', 'a'))).toEqual(['keep.txt']);
    await pail.deleteFile('photos', 'a/keep.txt');
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
    expect(await all(pail)).toEqual([]);
  });

  it.skipIf(onEngine)('keep an explicit folder (a key ending in /) until it is deleted, even when emptied (the data folder only: looks into the data folder for the folder)', async () => {
    const { server, pail } = await withBucket(['docs/', 'docs/a.txt']);
    expect(await all(pail)).toEqual(['docs/', 'docs/a.txt']);
    await pail.deleteFile('photos', 'docs/a.txt');
    expect((await lstat(join(server.data, 'photos', 'docs'))).isDirectory()).toBe(true);
    expect(await all(pail)).toEqual(['docs/']);
    expect(await pail.stat('photos', 'docs/')).toMatchObject({ size: 0, sha256: sha256('') });
    expect(await uploadRefusal(server, 'docs/', '')).toBe(Reason.exists);
    expect(await uploadRefusal(server, 'docs/', 'x')).toBe(Reason.badSize);
    await pail.deleteFile('photos', 'docs/');
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
    expect(await refusal(pail.deleteFile('photos', 'docs/'))).toBe(Reason.noSuchFile);
  });

  it('keep the mark of an explicit folder across a restart, so emptying it later keeps it', async () => {
    const { server } = await withBucket(['docs/', 'docs/a.txt']);
    await server.server.close();
    const again = await serve({ data: server.data });
    const pail2 = await connect(again);
    await pail2.deleteFile('photos', 'docs/a.txt');
    expect(await all(pail2)).toEqual(['docs/']);
  });

  it.skipIf(onEngine)('never follow a symbolic link planted as a folder (the data folder only: plants a symbolic link in the data folder)', async () => {
    const { server, pail } = await withBucket(['inside.txt']);
    const outside = join(server.data, '..', `outside-${process.pid}-${Date.now()}`);
    await mkdir(outside);
    cleanup.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, join(server.data, 'photos', 'link'));
    expect(await refusal(pail.stat('photos', 'link/secret.txt'))).toBe(Reason.noSuchFile);
    expect(await refusal(pail.download('photos', 'link/secret.txt'))).toBe(Reason.noSuchFile);
    expect(await refusal(pail.deleteFile('photos', 'link/secret.txt'))).toBe(Reason.noSuchFile);
    expect(await uploadRefusal(server, 'link/new.txt', 'x')).toBeDefined();
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(await all(pail)).toEqual(['inside.txt']);
  });
});

describe('paged listings', () => {
  const tree = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'b/c/4.txt', 'b/d/', 'b0.txt', 'c/5.txt', 'd.txt'];

  it('filter by prefix, roll folders up with delimiter=/, and say where the next page starts', async () => {
    const { pail } = await withBucket(tree);
    const page = await pail.listPage('photos', { delimiter: '/' });
    expect(page).toMatchObject({ files: [{ name: 'a.txt' }, { name: 'b0.txt' }, { name: 'd.txt' }], folders: ['b/', 'c/'], next: null });
    expect(await all(pail, { prefix: 'b/', delimiter: '/' })).toEqual(['b/1.txt', 'b/2.txt', '[b/c/]', '[b/d/]']);
    expect(await all(pail, { prefix: 'b/d/', delimiter: '/' })).toEqual(['b/d/']);
    expect(await all(pail, { prefix: 'b' })).toEqual(['b/1.txt', 'b/2.txt', 'b/c/3.txt', 'b/c/4.txt', 'b/d/', 'b0.txt']);
    expect(await all(pail, { prefix: 'b', delimiter: '/' })).toEqual(['[b/]', 'b0.txt']);
    expect(await all(pail, { prefix: 'zzz' })).toEqual([]);
    expect(await all(pail, { prefix: 'b/c/3' })).toEqual(['b/c/3.txt']);
  });

  it('give every row exactly once across pages of every size, with and without the delimiter', async () => {
    const { pail } = await withBucket(tree);
    const whole = await all(pail);
    const level = await all(pail, { delimiter: '/' });
    for (const size of [1, 2, 3, 4, 7]) {
      expect(await all(pail, {}, size), `pages of ${size}`).toEqual(whole);
      expect(await all(pail, { delimiter: '/' }, size), `pages of ${size} with delimiter`).toEqual(level);
    }
    expect(level).toEqual(['a.txt', '[b/]', 'b0.txt', '[c/]', 'd.txt']);
  });

  it('say more KEY on a truncated page and end on the last, over the wire', async () => {
    const { server } = await withBucket(tree);
    const raw = await RawClient.greeted(server.port);
    cleanup.push(async () => raw.close());
    expect(await raw.command('ls_f photos delimiter=/ limit=2')).toBe('800 FLS 2 more b/');
    expect(await raw.lines(2)).toEqual([expect.stringMatching(/^photos a.txt 5 /), 'photos b/']);
    expect(await raw.command('ls_f photos delimiter=/ after=b/ limit=2')).toBe('800 FLS 2 more c/');
    expect(await raw.lines(2)).toEqual([expect.stringMatching(/^photos b0.txt /), 'photos c/']);
    expect(await raw.command('ls_f photos delimiter=/ after=c/')).toBe('800 FLS 1 end');
    expect(await raw.lines(1)).toEqual([expect.stringMatching(/^photos d.txt /)]);
    expect(parseStatus(await raw.command('ls_f nowhere limit=5')).reason).toBe(Reason.noSuchBucket);
  });

  it('never repeat or skip a key that existed throughout, while the listing changes between pages', async () => {
    const stable = Array.from({ length: 60 }, (_, i) => `f${String(i).padStart(3, '0')}/${i % 3 === 0 ? 'deep/' : ''}x${i}`);
    const { pail, server } = await withBucket(stable);
    const writer = await connect(server);
    const seen: string[] = [];
    let after: string | undefined;
    let round = 0;
    do {
      const page = await pail.listPage('photos', { after, limit: 7 });
      seen.push(...page.files.map((f) => f.name));
      // Between pages, keys come and go before, inside and after where the listing stands.
      for (const key of [`f000/new${round}`, `f030/new${round}`, `zz/new${round}`, `f${String(round * 5).padStart(3, '0')}/tmp`]) {
        await writer.upload('photos', key, Buffer.from('n'), { size: 1, overwrite: true }).catch(() => undefined);
      }
      if (round > 0) await writer.deleteFile('photos', `f${String((round - 1) * 5).padStart(3, '0')}/tmp`).catch(() => undefined);
      after = page.next ?? undefined;
      round++;
    } while (after !== undefined && round < 100);
    const stableSeen = seen.filter((k) => stable.includes(k));
    expect(stableSeen).toEqual([...stable].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.skipIf(onEngine)('pick up a tree an operator made behind Pail\'s back, and a change to it (the data folder only: writes a tree into the data folder behind Pail\'s back)', async () => {
    const { server, pail } = await withBucket(['kept.txt']);
    await mkdir(join(server.data, 'photos', 'y2024', 'jan'), { recursive: true });
    await writeFile(join(server.data, 'photos', 'y2024', 'jan', 'p1.jpg'), 'p1');
    await expect.poll(() => all(pail), { timeout: 2_000, interval: 10 }).toEqual(['kept.txt', 'y2024/jan/p1.jpg']);
    await writeFile(join(server.data, 'photos', 'y2024', 'jan', 'p2.jpg'), 'p2');
    await rm(join(server.data, 'photos', 'kept.txt'));
    await expect.poll(() => all(pail), { timeout: 2_000, interval: 10 }).toEqual(['y2024/jan/p1.jpg', 'y2024/jan/p2.jpg']);
    await expect.poll(async () => (await pail.listPage('photos', { prefix: 'y2024/jan/p2' })).files[0]?.sha256, { timeout: 5_000, interval: 20 }).toBe(sha256('p2'));
    const buckets = await pail.listBuckets();
    expect(buckets).toEqual([expect.objectContaining({ name: 'photos', files: 2, bytes: 4 })]);
  });
});

describe('folders changed behind Pail\'s back', () => {
  it.skipIf(onEngine)('are seen again after an operator removes a bucket folder and makes it anew (the data folder only: removes and remakes a bucket folder behind Pail\'s back)', async () => {
    const { server, pail } = await withBucket(['a/old.txt']);
    expect(await all(pail)).toEqual(['a/old.txt']);
    await rm(join(server.data, 'photos'), { recursive: true });
    await expect.poll(() => refusal(pail.listPage('photos', {})), { timeout: 2_000, interval: 10 }).toBe(Reason.noSuchBucket);
    await mkdir(join(server.data, 'photos', 'a'), { recursive: true });
    await writeFile(join(server.data, 'photos', 'a', 'new.txt'), 'new');
    await expect.poll(() => all(pail), { timeout: 2_000, interval: 10 }).toEqual(['a/new.txt']);
    // The folder made anew is watched anew: a file added to it later is seen too.
    await writeFile(join(server.data, 'photos', 'a', 'later.txt'), 'later');
    await expect.poll(() => all(pail), { timeout: 2_000, interval: 10 }).toEqual(['a/later.txt', 'a/new.txt']);
    await writeFile(join(server.data, 'photos', 'top.txt'), 'top');
    await expect.poll(() => all(pail), { timeout: 2_000, interval: 10 }).toEqual(['a/later.txt', 'a/new.txt', 'top.txt']);
  });
});
