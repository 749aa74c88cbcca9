import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { startTestServer } from '../helpers/bucket-server.ts';
import { startChildServer } from '../helpers/child-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { RawClient } from '../helpers/raw-client.ts';

const { cleanup } = cleanupAfterEach();

/**
 * A folder the server may not read is a failure to explain, not an absence:
 * `internal`, with the cause in the server's log. Root ignores permission
 * bits, so as root the real `pail server` runs as nobody (through setpriv);
 * as any other user it runs as that user and chmod alone takes access away.
 */
const NOBODY = { uid: 65534, gid: 65534 };
const isRoot = process.getuid?.() === 0;
const hasSetpriv = (() => {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Whether the file system under tmpdir() honours chattr's append-only flag (ext2/3/4 and a few others, and only for root). */
const canMakeAppendOnly = (() => {
  let probe: string | undefined;
  try {
    probe = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('chattr', ['+a', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-a', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    if (probe) execFileSync('rmdir', [probe]);
  }
})();

describe('a folder the server may not read', () => {
  it.skipIf(isRoot && !hasSetpriv)('answers internal, not no-such-file or no-such-bucket, and logs why (as root, needs util-linux setpriv to drop privileges)', async () => {
    const data = await mkdtemp(join(tmpdir(), 'pail-perm-'));
    cleanup.push(() => rm(data, { recursive: true, force: true }));
    if (isRoot) await chown(data, NOBODY.uid, NOBODY.gid);
    const server = await startChildServer({ data, user: isRoot ? NOBODY : undefined });
    cleanup.push(() => server.stop());
    let client = await RawClient.greeted(server.port);
    cleanup.push(() => client.close());
    expect(await client.command('create_b photos')).toMatch(/^300 BCS/);
    expect(await client.command('put photos a.txt 5')).toMatch(/^100 /);
    client.send('hello');
    expect(await client.line()).toMatch(/^700 FUTB/);

    const bucket = join(data, 'photos');
    await chmod(bucket, 0o000);
    cleanup.push(() => chmod(bucket, 0o755));
    // Looking at a file in it fails with EACCES: the file is there, the server cannot tell.
    expect(parseStatus(await client.command('delete_f photos a.txt')).reason).toBe(Reason.internal);
    // An upload is refused before the go-ahead, not accepted into a folder it cannot check.
    expect(parseStatus(await client.command('put photos b.txt 5')).reason).toBe(Reason.internal);
    // A refused upload whose body may follow ends its connection (PROTOCOL.md): go on over a new one.
    client = await RawClient.greeted(server.port);
    cleanup.push(() => client.close());
    expect(parseStatus(await client.command('get photos a.txt')).reason).toBe(Reason.internal);
    expect(await server.waitForOutput(/EACCES/)).toContain('photos');

    // The data folder itself: every bucket is out of reach, none is absent.
    await chmod(data, 0o000);
    cleanup.push(() => chmod(data, 0o755));
    expect(parseStatus(await client.command('ls_f photos')).reason).toBe(Reason.internal);
    expect(parseStatus(await client.command('delete_f photos a.txt')).reason).toBe(Reason.internal);
  });

  it.skipIf(!canMakeAppendOnly)('logs a retired file it cannot remove, and still deletes the file (needs root and chattr +a on the temporary folder)', async () => {
    const logged: string[] = [];
    const server = await startTestServer({ log: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }) });
    cleanup.push(() => server.close());
    const client = await RawClient.greeted(server.port);
    cleanup.push(() => client.close());
    await client.command('create_b photos');
    expect(await client.command('put photos a.txt 5')).toMatch(/^100 /);
    client.send('hello');
    expect(await client.line()).toMatch(/^700 FUTB/);

    // An append-only trash takes the deleted file's new name but refuses to unlink it (EPERM).
    const trash = join(server.data, '.pail', 'trash');
    execFileSync('chattr', ['+a', trash]);
    cleanup.push(() => void execFileSync('chattr', ['-a', trash]));
    expect(await client.command('delete_f photos a.txt')).toMatch(/^1000 FDS/);
    expect(parseStatus(await client.command('get photos a.txt')).reason).toBe(Reason.noSuchFile);
    // The unlink runs after the reply: wait (bounded) for its log line.
    await expect
      .poll(() => logged.find((line) => line.includes('cannot remove a retired file')) ?? `no such line in: ${logged.join('')}`, { timeout: 2_000, interval: 10 })
      .toMatch(/EPERM.*cannot remove a retired file/);
  });
});
