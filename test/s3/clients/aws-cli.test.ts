import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverView, startPail, type StartedPail } from './pail-start.ts';
import { md5, readTree, sha256, tempDir, writeTree } from './trees.ts';
import { awsBinaries } from './aws-bins.ts';

/**
 * The aws CLI against a real `pail start`: Debian's, and the one first on PATH
 * when it is another (aws-bins.ts), each with buckets of its own. Every file
 * here stays below the CLI's multipart threshold (8 MiB): the largest is 3 MiB.
 * Files above it go multipart: test/s3/multipart-clients.test.ts copies 40 MB both ways.
 */
const run = promisify(execFile);
/** No single aws call here comes near this; a hung one fails the test instead of hanging it. */
const CALL_TIMEOUT_MS = 120_000;

let pail: StartedPail;
let work: { path: string; remove(): Promise<void> };
let config: string;

beforeAll(async () => {
  pail = await startPail('AKAWSCLI', 'aws-cli-secret');
  work = await tempDir('aws');
  config = join(work.path, 'aws-config');
  await writeFile(config, '[default]\nregion = us-east-1\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n');
});
afterAll(async () => {
  await pail?.stop();
  await work?.remove();
});

/** Runs `BIN --endpoint-url PAIL ARGS…` with the test's key pair and config, and nothing else from the machine's AWS settings. */
async function awsWith(bin: string, ...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: pail.accessKey,
    AWS_SECRET_ACCESS_KEY: pail.secretKey,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(work.path, 'no-credentials'),
    AWS_MAX_ATTEMPTS: '1',
  };
  // The machine may set a CA bundle the CLI cannot read; Pail's listener here is plain HTTP on loopback.
  delete env.AWS_CA_BUNDLE;
  delete env.AWS_PROFILE;
  const { stdout } = await run(bin, ['--endpoint-url', pail.endpoint, ...args], { env, timeout: CALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe.each(awsBinaries().map((bin, index) => ({ bin, s: index === 0 ? '' : `-${index}` })))('aws-cli ($bin) against pail start', ({ bin, s }) => {
  const aws = (...args: string[]): Promise<string> => awsWith(bin, ...args);
  let here: string;
  beforeAll(async () => {
    here = join(work.path, `cli${s}`);
    await mkdir(here);
  });

  it('s3 mb, cp up and down, ls recursive with a prefix: the bytes come back and the bucket server holds them with their MD5 as ETag', async () => {
    await aws('s3', 'mb', `s3://aws-photos${s}`);
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeFile(join(here, 'big.bin'), big);
    await writeFile(join(here, 'small.txt'), 'a small file\n');
    await aws('s3', 'cp', join(here, 'big.bin'), `s3://aws-photos${s}/2024/summer/big.bin`);
    await aws('s3', 'cp', join(here, 'small.txt'), `s3://aws-photos${s}/2024/small.txt`);
    await aws('s3', 'cp', join(here, 'small.txt'), `s3://aws-photos${s}/2025/other.txt`);
    await aws('s3', 'cp', `s3://aws-photos${s}/2024/summer/big.bin`, join(here, 'big.down'));
    expect((await readFile(join(here, 'big.down'))).equals(big)).toBe(true);

    const listed = await aws('s3', 'ls', '--recursive', `s3://aws-photos${s}/2024/`);
    const keys = listed.trim().split('\n').map((line) => line.split(/\s+/).slice(3).join(' '));
    expect(keys).toEqual(['2024/small.txt', '2024/summer/big.bin']);
    expect(listed).toMatch(new RegExp(`\\s${big.length} 2024/summer/big\\.bin`));

    const stat = await pail.client.stat(`aws-photos${s}`, '2024/summer/big.bin');
    expect(stat.size).toBe(big.length);
    expect(stat.sha256).toBe(sha256(big));
    expect(stat.etag).toBe(md5(big));
  });

  it('s3 sync of 300 files up, then down into an empty folder gives the same tree; a second sync transfers nothing', async () => {
    const source = join(here, 'tree-up');
    const keys = await writeTree(source, 300);
    await aws('s3', 'mb', `s3://aws-tree${s}`);
    const up = await aws('s3', 'sync', '--no-progress', source, `s3://aws-tree${s}/backup/`);
    expect(up.split('\n').filter((line) => line.startsWith('upload:'))).toHaveLength(300);

    const view = await serverView(pail.client, `aws-tree${s}`);
    expect([...view.keys()]).toEqual(keys.map((key) => `backup/${key}`));
    const local = await readTree(source);
    for (const [key, bytes] of local) {
      const held = view.get(`backup/${key}`)!;
      expect({ size: held.size, sha256: held.sha256, etag: held.etag }).toEqual({ size: bytes.length, sha256: sha256(bytes), etag: md5(bytes) });
    }

    const target = join(here, 'tree-down');
    await mkdir(target);
    await aws('s3', 'sync', '--no-progress', `s3://aws-tree${s}/backup/`, target);
    expect(await readTree(target)).toEqual(local);

    const again = await aws('s3', 'sync', '--no-progress', source, `s3://aws-tree${s}/backup/`);
    expect(again.trim()).toBe('');

    const removed = await aws('s3', 'rm', '--recursive', `s3://aws-tree${s}/`);
    expect(removed.split('\n').filter((line) => line.startsWith('delete:'))).toHaveLength(300);
    expect((await pail.client.listPage(`aws-tree${s}`, { limit: 10 })).files).toEqual([]);
    await aws('s3', 'rb', `s3://aws-tree${s}`);
    expect((await pail.client.listBuckets()).map((bucket) => bucket.name)).not.toContain(`aws-tree${s}`);
  });

  it('s3api put-object, get-object with a range, head-object, copy-object and delete-objects', async () => {
    await aws('s3api', 'create-bucket', '--bucket', 'aws-api');
    const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    await writeFile(join(here, 'api.txt'), body);
    const put = JSON.parse(await aws('s3api', 'put-object', '--bucket', 'aws-api', '--key', 'dir/api.txt', '--body', join(here, 'api.txt'), '--content-type', 'text/plain', '--metadata', 'colour=blue'));
    expect(put.ETag).toBe(`"${md5(body)}"`);

    const range = JSON.parse(await aws('s3api', 'get-object', '--bucket', 'aws-api', '--key', 'dir/api.txt', '--range', 'bytes=10-15', join(here, 'range.out')));
    expect(range.ContentRange).toBe(`bytes 10-15/${body.length}`);
    expect(await readFile(join(here, 'range.out'), 'utf8')).toBe('abcdef');

    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'aws-api', '--key', 'dir/api.txt'));
    expect(head).toMatchObject({ ContentLength: body.length, ETag: `"${md5(body)}"`, ContentType: 'text/plain', Metadata: { colour: 'blue' } });

    const copy = JSON.parse(await aws('s3api', 'copy-object', '--bucket', 'aws-api', '--key', 'copies/api.txt', '--copy-source', 'aws-api/dir/api.txt'));
    expect(copy.CopyObjectResult.ETag).toBe(`"${md5(body)}"`);
    expect((await pail.client.stat('aws-api', 'copies/api.txt')).sha256).toBe(sha256(body));

    const deleted = JSON.parse(await aws('s3api', 'delete-objects', '--bucket', 'aws-api', '--delete', JSON.stringify({ Objects: [{ Key: 'dir/api.txt' }, { Key: 'copies/api.txt' }, { Key: 'never-was' }] })));
    expect(deleted.Deleted.map((entry: { Key: string }) => entry.Key).sort()).toEqual(['copies/api.txt', 'dir/api.txt', 'never-was']);
    expect(deleted.Errors ?? []).toEqual([]);
    expect([...(await serverView(pail.client, 'aws-api')).keys()]).toEqual([]);
  });

  it('s3 presign (s3v4) works for a plain fetch without credentials, and an expired one is refused 403', async () => {
    await aws('s3', 'mb', `s3://aws-shared${s}`);
    await writeFile(join(here, 'shared.txt'), 'shared through a presigned link\n');
    await aws('s3', 'cp', join(here, 'shared.txt'), `s3://aws-shared${s}/shared.txt`);

    const url = (await aws('s3', 'presign', `s3://aws-shared${s}/shared.txt`, '--expires-in', '600')).trim();
    expect(url).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('shared through a presigned link\n');

    const short = (await aws('s3', 'presign', `s3://aws-shared${s}/shared.txt`, '--expires-in', '1')).trim();
    // The link lives one second from its X-Amz-Date (whole seconds); poll, bounded, until the listener says it expired.
    const deadline = Date.now() + 10_000;
    let expired = await fetch(short);
    while (expired.status === 200 && Date.now() < deadline) {
      await expired.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expired = await fetch(short);
    }
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code>.*expired/is);
  });

  it('s3 rm and s3 rb empty a bucket and remove it', async () => {
    await aws('s3', 'rm', '--recursive', `s3://aws-photos${s}/`);
    await aws('s3', 'rb', `s3://aws-photos${s}`);
    const buckets = await aws('s3', 'ls');
    expect(buckets).not.toContain(`aws-photos${s}`);
    expect((await pail.client.listBuckets()).map((bucket) => bucket.name)).not.toContain(`aws-photos${s}`);
  });
});
