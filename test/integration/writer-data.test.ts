import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { MAX_ATTRS_BYTES } from '../../shared/protocol/request.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startChildServer } from '../helpers/child-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
const { cleanup, serve } = cleanupAfterEach();

async function connect(port: number): Promise<PailConnection> {
  const connection = await PailConnection.connect({ host: '127.0.0.1', port });
  cleanup.push(async () => connection.destroy());
  return connection;
}

async function withBucket() {
  const server = await serve();
  const pail = await connect(server.port);
  await pail.createBucket('docs');
  return { server, pail };
}

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => (err instanceof PailError ? err.reason : String(err)),
  );
}

/** Text as S3's content type and metadata would come: spaces, quotes, an equals sign. */
const ATTRS = 'content-type=text%2Fplain%3B%20charset%3Dutf-8&x-amz-meta-note=say "hi" = fine';

describe('an etag and attrs kept with a file', () => {
  it('are given back by the upload, stat, download and a page of the listing, and by nothing else', async () => {
    const { pail, server } = await withBucket();
    const body = randomBytes(70_000);
    const stored = await pail.upload('docs', 'notes/a.txt', body, { md5: true, attrs: ATTRS });
    expect(stored).toMatchObject({ size: body.length, etag: md5(body), attrs: ATTRS });

    expect(await pail.stat('docs', 'notes/a.txt')).toMatchObject({ etag: md5(body), attrs: ATTRS });
    const download = await pail.download('docs', 'notes/a.txt', { offset: 10, length: 5 });
    expect(download.info).toMatchObject({ etag: md5(body), attrs: ATTRS, length: 5 });
    download.body.resume();
    await new Promise((resolve) => download.body.once('end', resolve));

    const page = await pail.listPage('docs', { prefix: 'notes/' });
    expect(page.files.map((f) => [f.name, f.etag])).toEqual([['notes/a.txt', md5(body)]]);

    // The listing without options keeps its five tokens a row, as earlier clients read it.
    const raw = await RawClient.greeted(server.port);
    cleanup.push(() => raw.close());
    const head = await raw.command('ls_f docs');
    expect(head).toMatch(/^800 FLS 1 /);
    expect((await raw.line()).split(' ')).toHaveLength(5);

    // A file written without them has neither.
    const plain = await pail.upload('docs', 'plain.txt', Buffer.from('x'));
    expect(plain.etag).toBeUndefined();
    expect(plain.attrs).toBeUndefined();
    expect(await raw.command('stat docs plain.txt')).toMatch(/^1100 FSS 1 [0-9a-f]{64} \S+$/);
  });

  it.skipIf(onEngine)('belong to the version written: an overwrite without them leaves none, a change behind Pail\'s back drops them (the data folder only: rewrites the stored file in the data folder behind Pail\'s back)', async () => {
    const { pail, server } = await withBucket();
    await pail.upload('docs', 'a.txt', Buffer.from('first'), { md5: true, attrs: ATTRS });
    await pail.upload('docs', 'a.txt', Buffer.from('second'), { overwrite: true });
    const replaced = await pail.stat('docs', 'a.txt');
    expect([replaced.etag, replaced.attrs]).toEqual([undefined, undefined]);

    await pail.upload('docs', 'b.txt', Buffer.from('kept'), { md5: true, attrs: ATTRS });
    await writeFile(join(server.data, 'docs', 'b.txt'), 'rewritten by an operator');
    const changed = await pail.stat('docs', 'b.txt');
    expect(changed.sha256).toBe(createHash('sha256').update('rewritten by an operator').digest('hex'));
    expect([changed.etag, changed.attrs]).toEqual([undefined, undefined]);
  });

  it('refuse a body whose MD5 differs from md5=HEX and store nothing', async () => {
    const { pail, server } = await withBucket();
    const wrong = md5('something else');
    expect(await reason(pail.upload('docs', 'a.txt', Buffer.from('body'), { md5: wrong }))).toBe(Reason.checksumMismatch);
    const next = await connect(server.port);
    expect(await reason(next.stat('docs', 'a.txt'))).toBe(Reason.noSuchFile);
    const right = await next.upload('docs', 'a.txt', Buffer.from('body'), { md5: md5('body') });
    expect(right.etag).toBe(md5('body'));
  });

  it('refuse attrs longer than the limit before any byte is sent', async () => {
    const { server } = await withBucket();
    const raw = await RawClient.greeted(server.port);
    cleanup.push(() => raw.close());
    expect(await raw.command(`upload_f docs a.txt 1 attrs=${'x'.repeat(MAX_ATTRS_BYTES + 1)}`)).toMatch(/^400 BCMD bad-args attrs=TEXT: takes at most 4096 bytes/);
  });

  it('given to an upload session are described by status_u and kept with the file it completes', async () => {
    const { pail } = await withBucket();
    const upload = await pail.beginUpload('docs', 'big.bin', { size: 4, attrs: ATTRS });
    expect((await pail.uploadStatus(upload)).attrs).toBe(ATTRS);
    await pail.writePart(upload, 0, Buffer.from('abcd'));
    const done = await pail.completeUpload(upload);
    expect(done.attrs).toBe(ATTRS);
    expect((await pail.stat('docs', 'big.bin')).attrs).toBe(ATTRS);
  });
});

describe('an etag and attrs across a kill -9', () => {
  it.skipIf(onEngine)('are there after the bucket server is killed and started again, also when their folder\'s log was compacted (the data folder only: reads the folder\'s log of records in the data folder)', async () => {
    const first = await startChildServer();
    cleanup.push(() => first.stop());
    const pail = await PailConnection.connect({ host: '127.0.0.1', port: first.port });
    await pail.createBucket('docs');
    const body = randomBytes(10_000);
    await pail.upload('docs', 'deep/er/a.bin', body, { md5: true, attrs: ATTRS });
    // Another file replaced many times makes the folder's log long; reading the folder rewrites it with the live records only.
    const log = join(first.data, '.pail', 'meta', 'docs', `${createHash('sha1').update('deep/er/').digest('hex')}.log`);
    for (let i = 0; i < 80; i++) await pail.upload('docs', 'deep/er/churn.txt', Buffer.from(String(i)), { overwrite: true });
    const longLines = (await readFile(log, 'utf8')).split('\n').length;
    await pail.listPage('docs', { prefix: 'deep/er/' });
    const deadline = Date.now() + 10_000;
    let lines = longLines;
    while (lines >= longLines && Date.now() < deadline) {
      await pail.stat('docs', 'deep/er/churn.txt');
      lines = (await readFile(log, 'utf8')).split('\n').length;
    }
    expect(lines).toBeLessThan(longLines);
    pail.destroy();
    await first.kill();

    const second = await startChildServer({ data: first.data });
    cleanup.push(() => second.stop());
    const again = await connect(second.port);
    expect(await again.stat('docs', 'deep/er/a.bin')).toMatchObject({ etag: md5(body), attrs: ATTRS });
  });
});

