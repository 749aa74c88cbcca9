import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const { cleanup } = cleanupAfterEach();

async function put(client: RawClient, name: string, body: Buffer, mode: 'sized' | 'chunked' = 'sized'): Promise<string> {
  const goAhead = await client.command(`put photos ${name} ${mode === 'sized' ? body.length : 'chunked'} overwrite`);
  if (!goAhead.startsWith('100 ')) return goAhead;
  if (mode === 'sized') client.send(body);
  else client.send(Buffer.concat([Buffer.from(`${body.length}\n`), body, Buffer.from('0\n')]));
  return client.line();
}

/**
 * The promise when space runs out, whether the disk's or the quota's: a clear
 * 750 FUTF no-space, no temporary left, existing files still readable, and the
 * next upload works once space is freed.
 */
async function provesNoSpacePromise(server: TestServer, fits: number, tooMuch: number, mode: 'sized' | 'chunked') {
  const client = await RawClient.greeted(server.port);
  cleanup.push(() => client.close());
  await client.command('create_b photos');
  const kept = Buffer.alloc(fits, 0x6b);
  expect(await put(client, 'kept.bin', kept)).toMatch(/^700 FUTB/);

  const refused = await put(client, 'big.bin', Buffer.alloc(tooMuch, 0x62), mode);
  expect(parseStatus(refused).reason).toBe(Reason.noSpace);
  expect(await readdir(join(server.data, '.pail', 'tmp'))).toEqual([]);
  expect(await readdir(join(server.data, 'photos'))).toEqual(['kept.bin']);

  const reader = await RawClient.greeted(server.port);
  cleanup.push(() => reader.close());
  const status = parseStatus(await reader.command('get photos kept.bin'));
  expect((await reader.bytes(Number(status.fields.length))).equals(kept)).toBe(true);

  expect(await reader.command('delete_f photos kept.bin')).toMatch(/^1000 FDS/);
  expect(await put(reader, 'big.bin', Buffer.alloc(tooMuch, 0x62), mode)).toMatch(/^700 FUTB/);
}

describe('storage quota', () => {
  it('refuses an announced size that does not fit before the go-ahead', async () => {
    const server = await startTestServer({ quota: 10_000 });
    cleanup.push(() => server.close());
    await provesNoSpacePromise(server, 6_000, 6_000, 'sized');
  });

  it('refuses a chunked body that outgrows the quota mid-stream', async () => {
    const server = await startTestServer({ quota: 10_000 });
    cleanup.push(() => server.close());
    await provesNoSpacePromise(server, 6_000, 6_000, 'chunked');
  });

  it('counts what is already on disk at start-up', async () => {
    const first = await startTestServer();
    const client = await RawClient.greeted(first.port);
    await client.command('create_b photos');
    expect(await put(client, 'a.bin', Buffer.alloc(8_000))).toMatch(/^700 FUTB/);
    client.close();
    await first.server.close();
    const second = await startTestServer({ data: first.data, quota: 10_000 });
    cleanup.push(async () => {
      await second.close();
      await rm(first.data, { recursive: true, force: true });
    });
    const again = await RawClient.greeted(second.port);
    cleanup.push(() => again.close());
    expect(parseStatus(await again.command('put photos b.bin 3000')).reason).toBe(Reason.noSpace);
  });
});

describe('a full disk', () => {
  // A real ENOSPC needs a small file system of its own: a tmpfs, which only root may mount.
  const mountPoint = join(tmpdir(), `pail-full-${process.pid}`);
  let mounted = false;
  try {
    execFileSync('mkdir', ['-p', mountPoint]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it.skipIf(!mounted)('answers 750 FUTF no-space, keeps the old files and recovers when space is freed (needs root to mount a tmpfs)', async () => {
    const data = join(mountPoint, 'data');
    await mkdir(data);
    cleanup.push(() => rm(data, { recursive: true }));
    const server = await startTestServer({ data });
    cleanup.push(() => server.close());
    await provesNoSpacePromise(server, 2 << 20, 3 << 20, 'sized');
    expect((await readFile(join(data, 'photos', 'big.bin'))).length).toBe(3 << 20);
  });

  it.skipIf(!mounted)('still lists and downloads files whose SHA-256 record cannot be written, with the right hash (needs root to mount a tmpfs)', async () => {
    const data = join(mountPoint, 'cache');
    cleanup.push(() => rm(data, { recursive: true }));
    // Files copied into a bucket folder by an operator have no record yet: the first read computes and records one.
    const fetched = randomBytes(100_000);
    const listed = randomBytes(100_000);
    await mkdir(join(data, 'photos'), { recursive: true });
    await writeFile(join(data, 'photos', 'fetched.bin'), fetched);
    await writeFile(join(data, 'photos', 'listed.bin'), listed);
    const logged: string[] = [];
    const server = await startTestServer({ data, log: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }) });
    cleanup.push(() => server.close());

    // Fill the disk to its last page: the write stops at ENOSPC, the bytes that fitted stay.
    const filler = join(mountPoint, 'filler');
    cleanup.push(() => rm(filler));
    await expect(writeFile(filler, Buffer.alloc(8 << 20))).rejects.toMatchObject({ code: 'ENOSPC' });

    const client = await RawClient.greeted(server.port);
    cleanup.push(() => client.close());
    const download = parseStatus(await client.command('get photos fetched.bin'));
    expect(download.code).toBe(900);
    expect(download.fields.sha256).toBe(sha256(fetched));
    expect((await client.bytes(Number(download.fields.length))).equals(fetched)).toBe(true);

    // A file only listed is hashed in the background (the first listing says `-`), and its hash kept in memory.
    const listing = async () => {
      expect(await client.command('ls_f photos')).toMatch(/^800 FLS 2 /);
      return client.lines(2);
    };
    await expect.poll(listing, { message: 'both hashes are listed', timeout: 5_000, interval: 20 }).toEqual([
      expect.stringMatching(new RegExp(`^photos fetched.bin 100000 \\S+ ${sha256(fetched)}$`)),
      expect.stringMatching(new RegExp(`^photos listed.bin 100000 \\S+ ${sha256(listed)}$`)),
    ]);

    // No record was written and no temporary record was left; the cause was logged once, not once per file.
    const logs = join(data, '.pail', 'meta', 'photos');
    for (const log of await readdir(logs).catch(() => [])) expect(await readFile(join(logs, log), 'utf8')).toBe('');
    expect(await readdir(join(data, '.pail', 'tmp'))).toEqual([]);
    const warnings = logged.filter((line) => line.includes('cannot write a SHA-256 record'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENOSPC');
  });
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
