import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverView, startPail, type StartedPail } from './pail-start.ts';
import { md5, readTree, sha256, tempDir, writeTree } from './trees.ts';

/**
 * Debian's rclone against a real `pail start`, configured through
 * environment variables only. Every file here is small, far below rclone's
 * multipart threshold (200 MiB); a later change adds files above it.
 */
const run = promisify(execFile);
/** One sync of 1,000 small files takes a few seconds here; a hung one fails the test instead of hanging it. */
const CALL_TIMEOUT_MS = 180_000;
const FILES = 1_000;

let pail: StartedPail;
let work: { path: string; remove(): Promise<void> };
let source: string;
let keys: string[];

beforeAll(async () => {
  pail = await startPail('AKRCLONE', 'rclone-secret');
  work = await tempDir('rclone');
  source = join(work.path, 'up');
  keys = await writeTree(source, FILES);
  await writeFile(join(work.path, 'empty.conf'), '');
});
afterAll(async () => {
  await pail?.stop();
  await work?.remove();
});

/** Runs `rclone ARGS…` with the remote `pail:` set up by environment variables, and stdout and stderr (its log) both. */
async function rclone(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RCLONE_')) delete env[key];
  // rclone 1.60 refuses to start when AWS_CA_BUNDLE names a file it cannot use; Pail's listener here is plain HTTP.
  delete env.AWS_CA_BUNDLE;
  Object.assign(env, {
    RCLONE_CONFIG_PAIL_TYPE: 's3',
    RCLONE_CONFIG_PAIL_PROVIDER: 'Other',
    RCLONE_CONFIG_PAIL_ACCESS_KEY_ID: pail.accessKey,
    RCLONE_CONFIG_PAIL_SECRET_ACCESS_KEY: pail.secretKey,
    RCLONE_CONFIG_PAIL_ENDPOINT: pail.endpoint,
    RCLONE_CONFIG_PAIL_FORCE_PATH_STYLE: 'true',
  });
  return run('rclone', ['--config', join(work.path, 'empty.conf'), '--retries', '1', '--low-level-retries', '1', ...args], { env, timeout: CALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
}

/** The number rclone's summary gives for what it transferred (`Transferred: N / M, 100%`, the line of files). */
function transferred(stats: string): number {
  const counts = [...stats.matchAll(/^Transferred:\s+(\d+) \/ \d+, /gm)].map((match) => Number(match[1]));
  return counts.at(-1) ?? 0;
}

describe('rclone against pail start', () => {
  it(`syncs a tree of ${FILES} files up, check finds no difference, and the bucket server holds each with its SHA-256 and MD5 ETag`, async () => {
    const up = await rclone('sync', source, 'pail:rclone-tree/backup', '--stats-one-line=false', '--stats', '1h', '-v');
    expect(transferred(up.stderr)).toBe(FILES);

    const view = await serverView(pail.client, 'rclone-tree');
    expect([...view.keys()]).toEqual(keys.map((key) => `backup/${key}`));
    for (const [key, bytes] of await readTree(source)) {
      const held = view.get(`backup/${key}`)!;
      expect({ size: held.size, sha256: held.sha256, etag: held.etag }).toEqual({ size: bytes.length, sha256: sha256(bytes), etag: md5(bytes) });
    }

    const check = await rclone('check', source, 'pail:rclone-tree/backup');
    expect(check.stderr).toMatch(/0 differences found/);
    expect(check.stderr).toMatch(new RegExp(`${FILES} matching files`));
  });

  it('syncs the bucket back down into an empty folder: the same tree, byte for byte', async () => {
    const down = join(work.path, 'down');
    await mkdir(down);
    await rclone('sync', 'pail:rclone-tree/backup', down);
    expect(await readTree(down)).toEqual(await readTree(source));
  });

  it('a second sync up copies nothing; files deleted locally are removed remotely by the next', async () => {
    const again = await rclone('sync', source, 'pail:rclone-tree/backup', '--stats-one-line=false', '--stats', '1h', '-v');
    expect(transferred(again.stderr)).toBe(0);
    expect(again.stderr).not.toMatch(/: Copied/);

    const gone = keys.filter((_, i) => i % 97 === 0);
    for (const key of gone) await rm(join(source, ...key.split('/')));
    const pruned = await rclone('sync', source, 'pail:rclone-tree/backup', '-v');
    expect(pruned.stderr.match(/: Deleted/g)).toHaveLength(gone.length);

    const listed = (await rclone('lsf', '-R', '--files-only', 'pail:rclone-tree/backup')).stdout.trim().split('\n').sort();
    expect(listed).toEqual(keys.filter((key) => !gone.includes(key)));
    const view = await serverView(pail.client, 'rclone-tree');
    for (const key of gone) expect(view.has(`backup/${key}`)).toBe(false);
    expect(view.size).toBe(FILES - gone.length);
  });

  it('check compares contents through the MD5 ETag: a file changed behind its back with the same size is a difference', async () => {
    const key = keys.find((_, i) => i % 97 !== 0 && i % 61 > 10)!;
    const local = (await readTree(source)).get(key)!;
    const changed = Buffer.from(local.map((byte) => byte ^ 1));
    // Same size, other bytes, written through S3 (so with its own MD5 as ETag): only a hash comparison tells it apart.
    await writeFile(join(work.path, 'changed.bin'), changed);
    await rclone('copyto', join(work.path, 'changed.bin'), `pail:rclone-tree/backup/${key}`);
    expect((await pail.client.stat('rclone-tree', `backup/${key}`)).etag).toBe(md5(changed));
    const check = await rclone('check', source, 'pail:rclone-tree/backup').catch((err: { stderr: string; code: number }) => err);
    expect('code' in check && check.code).toBe(1);
    expect(check.stderr).toMatch(/1 differences found/);
    expect(check.stderr).toContain(key);
  });

  it('purge (32 checkers) deletes the remaining files and the bucket', async () => {
    await rclone('purge', '--checkers', '32', 'pail:rclone-tree');
    expect((await pail.client.listBuckets()).map((bucket) => bucket.name)).not.toContain('rclone-tree');
  });

  it('takes the SHA-256 ETag of a file written through the protocol for no MD5: check cannot compare its hash, and sync sends it again', async () => {
    const other = join(work.path, 'by-protocol');
    await mkdir(other);
    await pail.client.createBucket('rclone-protocol');
    for (let i = 0; i < 3; i++) {
      const bytes = Buffer.from(`written through the protocol ${i}\n`);
      await writeFile(join(other, `p-${i}.txt`), bytes);
      await pail.client.upload('rclone-protocol', `p-${i}.txt`, bytes);
      expect((await pail.client.stat('rclone-protocol', `p-${i}.txt`)).etag).toBeUndefined();
    }
    const check = await rclone('check', other, 'pail:rclone-protocol');
    expect(check.stderr).toMatch(/0 differences found/);
    expect(check.stderr).toMatch(/3 hashes could not be checked/);

    // Same sizes, but no MD5 to compare and a newer time remotely: rclone sends them again, now with their MD5 ETags.
    const sync = await rclone('sync', other, 'pail:rclone-protocol', '--stats-one-line=false', '--stats', '1h', '-v');
    expect(transferred(sync.stderr)).toBe(3);
    for (let i = 0; i < 3; i++) expect((await pail.client.stat('rclone-protocol', `p-${i}.txt`)).etag).toBe(md5(Buffer.from(`written through the protocol ${i}\n`)));
    expect((await rclone('check', other, 'pail:rclone-protocol')).stderr).not.toMatch(/could not be checked/);
  });
});
