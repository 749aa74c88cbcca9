import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverView, startPail, type StartedPail } from './pail-start.ts';
import { md5, readTree, sha256, tempDir, writeTree } from './trees.ts';

/**
 * Debian's s3cmd against a real `pail start`, with a config file of its own.
 * Every file here stays below s3cmd's multipart threshold (15 MiB): the
 * largest is 2 MiB. A later change adds files above it.
 */
const run = promisify(execFile);
/** No single s3cmd call here comes near this; a hung one fails the test instead of hanging it. */
const CALL_TIMEOUT_MS = 120_000;

let pail: StartedPail;
let work: { path: string; remove(): Promise<void> };
let config: string;

beforeAll(async () => {
  pail = await startPail('AKS3CMD', 's3cmd-secret');
  work = await tempDir('s3cmd');
  config = join(work.path, 's3cfg');
  const host = `127.0.0.1:${pail.s3Port}`;
  await writeFile(
    config,
    ['[default]', `access_key = ${pail.accessKey}`, `secret_key = ${pail.secretKey}`, `host_base = ${host}`, `host_bucket = ${host}`, 'use_https = False', 'signature_v2 = False', 'bucket_location = us-east-1', ''].join('\n'),
  );
});
afterAll(async () => {
  await pail?.stop();
  await work?.remove();
});

/** Runs `s3cmd -c CONFIG ARGS…`; it reads no other config, and no proxy. */
async function s3cmd(...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: work.path };
  delete env.http_proxy;
  delete env.HTTP_PROXY;
  const { stdout } = await run('s3cmd', ['-c', config, '--no-progress', ...args], { env, timeout: CALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe('s3cmd against pail start', () => {
  it('mb, put, ls and get: the bytes come back, and the bucket server holds them with their SHA-256 and MD5 ETag', async () => {
    await s3cmd('mb', 's3://s3cmd-files');
    const bytes = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2246822519) >>> 0, i);
    await writeFile(join(work.path, 'blob.bin'), bytes);
    await s3cmd('put', join(work.path, 'blob.bin'), 's3://s3cmd-files/in/blob.bin');

    const listed = await s3cmd('ls', 's3://s3cmd-files/in/');
    expect(listed).toMatch(new RegExp(`\\s${bytes.length}\\s+s3://s3cmd-files/in/blob\\.bin`));
    expect(await s3cmd('ls')).toMatch(/s3:\/\/s3cmd-files$/m);

    await s3cmd('get', 's3://s3cmd-files/in/blob.bin', join(work.path, 'blob.down'));
    expect((await readFile(join(work.path, 'blob.down'))).equals(bytes)).toBe(true);

    const stat = await pail.client.stat('s3cmd-files', 'in/blob.bin');
    expect({ size: stat.size, sha256: stat.sha256, etag: stat.etag }).toEqual({ size: bytes.length, sha256: sha256(bytes), etag: md5(bytes) });
  });

  it('sync a small tree up and down into an empty folder gives the same tree; a second sync uploads nothing', async () => {
    const source = join(work.path, 'tree');
    const keys = await writeTree(source, 60);
    const up = await s3cmd('sync', `${source}/`, 's3://s3cmd-files/tree/');
    expect(up.match(/^upload: /gm)).toHaveLength(keys.length);
    const view = await serverView(pail.client, 's3cmd-files');
    const local = await readTree(source);
    for (const [key, bytes] of local) expect(view.get(`tree/${key}`)).toMatchObject({ size: bytes.length, sha256: sha256(bytes), etag: md5(bytes) });
    expect([...view.keys()].filter((key) => key.startsWith('tree/'))).toEqual(keys.map((key) => `tree/${key}`));

    const again = await s3cmd('sync', `${source}/`, 's3://s3cmd-files/tree/');
    // s3cmd compares sizes and MD5s (the ETags) before it uploads.
    expect(again).not.toMatch(/upload:/);

    const down = join(work.path, 'down');
    await mkdir(down);
    const got = await s3cmd('sync', 's3://s3cmd-files/tree/', `${down}/`);
    expect(got.match(/^download: /gm)).toHaveLength(keys.length);
    expect(await readTree(down)).toEqual(local);
  });

  it('del removes objects and rb the emptied bucket', async () => {
    await s3cmd('del', 's3://s3cmd-files/in/blob.bin');
    expect((await serverView(pail.client, 's3cmd-files')).has('in/blob.bin')).toBe(false);
    await s3cmd('del', '--recursive', '--force', 's3://s3cmd-files/tree/');
    expect((await serverView(pail.client, 's3cmd-files')).size).toBe(0);
    await s3cmd('rb', 's3://s3cmd-files');
    expect((await pail.client.listBuckets()).map((bucket) => bucket.name)).not.toContain('s3cmd-files');
  });
});
