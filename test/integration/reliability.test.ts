import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { COMMANDS, commandSpec, type ArgKind } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import type { PailEvent } from '../../shared/protocol/types.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const { cleanup, serve } = cleanupAfterEach();

async function greeted(server: TestServer): Promise<RawClient> {
  const client = await RawClient.greeted(server.port);
  cleanup.push(() => client.close());
  return client;
}

/** Whatever the server still says before it closes, or 'open' if it has not closed within `ms` (a bound, not a measurement). */
async function closedWithin(client: RawClient, ms: number): Promise<string[] | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)));
  try {
    return await Promise.race([client.closed(), bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe('an upload is whole or absent', () => {
  it.skipIf(onEngine)('keeps a replaced or deleted file readable by a download already open, then leaves nothing in the trash (the data folder only: looks into the data folder\'s trash)', async () => {
    const server = await serve();
    const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    cleanup.push(() => client.quit());
    await client.createBucket('photos');
    const first = Buffer.alloc(3 << 20, 0x61);
    await client.upload('photos', 'a.bin', first);
    await client.upload('photos', 'b.bin', first);
    const reader = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    cleanup.push(() => reader.quit());
    // Opened before the overwrite: the old file must stay whole for this download.
    const download = await reader.download('photos', 'a.bin');
    const second = Buffer.alloc(2 << 20, 0x62);
    await client.upload('photos', 'a.bin', second, { overwrite: true });
    await client.deleteFile('photos', 'b.bin');
    expect(sha256(Buffer.concat(await download.body.toArray()))).toBe(sha256(first));
    expect((await client.listFiles('photos')).map((f) => [f.name, f.size])).toEqual([['a.bin', second.length]]);
    const trash = join(server.data, '.pail', 'trash');
    await expect.poll(() => readdir(trash), { message: 'the replaced and deleted files leave the trash', timeout: 2_000, interval: 10 }).toHaveLength(0);
  });

  it.skipIf(onEngine)('leaves no file and no temporary when the client vanishes mid-upload (the data folder only: looks into the data folder for the temporary)', async () => {
    const server = await serve();
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('put photos half.bin 1000000')).toMatch(/^100 SEND/);
    client.send(Buffer.alloc(500_000, 1));
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the temporary appears', timeout: 2_000, interval: 10 }).toHaveLength(1);
    client.close();
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the temporary is removed', timeout: 2_000, interval: 10 }).toHaveLength(0);
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
  });

  it.skipIf(onEngine)('keeps one whole file when two clients upload the same name at once, never a mix (the data folder only: reads the stored file from the data folder)', async () => {
    const server = await serve();
    const setup = await greeted(server);
    await setup.command('create_b photos');
    const a = await greeted(server);
    const b = await greeted(server);
    const size = 4 << 20;
    const bodyA = Buffer.alloc(size, 0x61);
    const bodyB = Buffer.alloc(size, 0x62);
    expect(await a.command(`put photos same.bin ${size} overwrite`)).toMatch(/^100 SEND/);
    expect(await b.command(`put photos same.bin ${size} overwrite`)).toMatch(/^100 SEND/);
    // Interleave the two bodies in small pieces so both uploads are in flight together.
    for (let at = 0; at < size; at += 256 * 1024) {
      a.send(bodyA.subarray(at, at + 256 * 1024));
      b.send(bodyB.subarray(at, at + 256 * 1024));
    }
    const replies = [parseStatus(await a.line()), parseStatus(await b.line())];
    expect(replies.map((r) => r.code)).toEqual([Code.FUTB, Code.FUTB]);
    const stored = await readFile(join(server.data, 'photos', 'same.bin'));
    expect([sha256(bodyA), sha256(bodyB)]).toContain(sha256(stored));
  });

  it('lets exactly one of ten racing creates of one name win', async () => {
    const server = await serve();
    const setup = await greeted(server);
    await setup.command('create_b photos');
    const clients = await Promise.all(Array.from({ length: 10 }, () => greeted(server)));
    const goAheads = await Promise.all(clients.map((c) => c.command('put photos race.txt 2')));
    const started = clients.filter((_, i) => goAheads[i].startsWith('100 '));
    for (const [i, c] of started.entries()) c.send(String(i).padStart(2, '0'));
    const results = await Promise.all(started.map((c) => c.line()));
    const wins = results.filter((r) => r.startsWith('700 ')).length;
    const refusals = [...goAheads, ...results].filter((r) => parseStatus(r).reason === Reason.exists).length;
    expect(wins).toBe(1);
    expect(wins + refusals).toBe(10);
  });

  it.skipIf(onEngine)('answers 750 FUTF too-large for a chunked body beyond the maximum and stores nothing (the data folder only: looks into the data folder)', async () => {
    const server = await serve({ limits: { maxFileSize: 1000 } });
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('put photos big 2000')).toMatch(/^750 FUTF too-large/);
    expect(await client.closed()).toEqual([]);
    const chunked = await greeted(server);
    await chunked.command('put photos big chunked');
    chunked.send(`600\n${'a'.repeat(600)}600\n${'b'.repeat(600)}0\n`);
    expect(parseStatus(await chunked.line()).reason).toBe(Reason.tooLarge);
    await chunked.closed();
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
  });

  it.skipIf(onEngine)('loses nothing across a restart, and sweeps temporaries left by a crash (the data folder only: plants a temporary in the data folder)', async () => {
    const first = await startTestServer();
    const client = await RawClient.greeted(first.port);
    await client.command('create_b photos');
    await client.command('put photos keep.txt 4');
    client.send('kept');
    const stored = parseStatus(await client.line());
    client.close();
    await first.server.close();
    await writeFile(join(first.data, '.pail', 'tmp', 'crashed.part'), 'half');
    const second = await serve({ data: first.data });
    cleanup.push(() => first.close());
    expect(await readdir(join(first.data, '.pail', 'tmp'))).toEqual([]);
    const again = await greeted(second);
    expect(await again.command('ls_f photos')).toMatch(/^800 FLS 1/);
    expect(await again.line()).toContain(stored.fields.sha256);
  });
});

describe('SHA-256 records', () => {
  it.skipIf(onEngine)('keeps no record of an upload whose bucket was deleted with force while it ran (the data folder only: looks into the data folder for the temporary and the records)', async () => {
    const server = await serve();
    const uploader = await greeted(server);
    await uploader.command('create_b photos');
    expect(await uploader.command('put photos late.bin 10')).toMatch(/^100 /);
    uploader.send('hello');
    // The upload is under way once its temporary exists: past every check of the bucket before its commit.
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the upload started', timeout: 2_000, interval: 10 }).toHaveLength(1);
    const other = await greeted(server);
    expect(parseStatus(await other.command('delete_b photos force')).code).toBe(Code.BDS);
    uploader.send('world');
    // Its record is written after the body and before the commit, which then finds no bucket.
    expect(parseStatus(await uploader.line()).reason).toBe(Reason.noSuchBucket);
    expect(await readdir(join(server.data, '.pail', 'meta'))).toEqual([]);
  });

  it.skipIf(onEngine)('sweeps at start-up the records of buckets removed while the server was down and of the old layout, and keeps the rest (the data folder only: looks into the data folder\'s SHA-256 records)', async () => {
    const first = await startTestServer();
    cleanup.push(() => first.close());
    const client = await RawClient.greeted(first.port);
    for (const bucket of ['photos', 'notes']) await client.command(`create_b ${bucket}`);
    for (const [bucket, name] of [
      ['photos', 'kept.txt'],
      ['notes', 'gone.txt'],
    ]) {
      expect(await client.command(`put ${bucket} ${name} 4`)).toMatch(/^100 /);
      client.send('data');
      expect(await client.line()).toMatch(/^700 FUTB/);
    }
    client.close();
    await first.server.close();
    const meta = join(first.data, '.pail', 'meta');
    const logs = await readdir(join(meta, 'photos'));
    expect(logs).toEqual([expect.stringMatching(/^[0-9a-f]{40}\.log$/)]);
    // While the server is down an operator removes a whole bucket; an older Pail left a record file of its own layout.
    await rm(join(first.data, 'notes'), { recursive: true });
    await writeFile(join(meta, 'photos', 'kept.txt'), '{}');

    const second = await serve({ data: first.data });
    expect(await readdir(meta)).toEqual(['photos']);
    expect(await readdir(join(meta, 'photos'))).toEqual(logs);
    const again = await greeted(second);
    // The kept record serves the first listing: no `-` while a hash is computed again.
    expect(await again.command('ls_f photos')).toMatch(/^800 FLS 1 /);
    expect(await again.line()).toContain(sha256('data'));
  });

  it.skipIf(onEngine)("compacts a folder's log once it has grown far past the folder's files (the data folder only: looks into the data folder's SHA-256 records)", async () => {
    const server = await serve();
    const client = await greeted(server);
    await client.command('create_b photos');
    for (let i = 0; i < 100; i++) {
      expect(await client.command(`put photos a/same.txt 1 overwrite`)).toMatch(/^100 /);
      client.send(String(i % 10));
      expect(await client.line()).toMatch(/^700 FUTB/);
    }
    const dir = join(server.data, '.pail', 'meta', 'photos');
    const lines = async () => (await readFile(join(dir, (await readdir(dir))[0]), 'utf8')).split('\n').filter(Boolean).length;
    expect(await lines()).toBe(100);
    expect(await client.command('ls_f photos prefix=a/')).toMatch(/^800 FLS 1 end/);
    expect(await client.line()).toContain(sha256('9'));
    await expect.poll(lines, { message: 'the log is rewritten with one record', timeout: 2_000, interval: 10 }).toBe(1);
  });
});

describe('listings', () => {
  it('show an acknowledged upload at once on another connection, every time', async () => {
    const server = await serve();
    const writer = await greeted(server);
    const reader = await greeted(server);
    await writer.command('create_b photos');
    for (let i = 0; i < 50; i++) {
      expect(await reader.command('ls_f photos')).toMatch(new RegExp(`^800 FLS ${i} `));
      await reader.lines(i);
      await writer.command(`put photos f${i} 1`);
      writer.send('x');
      expect(await writer.line()).toMatch(/^700 FUTB/);
    }
  });

  it.skipIf(onEngine)('pick up files an operator copies into or removes from a bucket folder (the data folder only: copies files into the data folder behind Pail\'s back)', async () => {
    const server = await serve();
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('ls_f photos')).toMatch(/^800 FLS 0 /);
    await writeFile(join(server.data, 'photos', 'copied.txt'), 'by hand');
    // Listed at once; its SHA-256 is computed in the background (`-` until then), never by the listing itself.
    const listed = async () => client.lines(Number(parseStatus(await client.command('ls_f photos')).fields.rows));
    await expect.poll(listed, { message: 'the copied file is listed with its hash', timeout: 5_000, interval: 10 }).toEqual([
      expect.stringMatching(new RegExp(`^photos copied.txt 7 \\S+ ${sha256('by hand')}$`)),
    ]);
    const { rm } = await import('node:fs/promises');
    await rm(join(server.data, 'photos', 'copied.txt'));
    const listedCount = async () => {
      const count = Number(parseStatus(await client.command('ls_f photos')).fields.rows);
      await client.lines(count);
      return count;
    };
    await expect.poll(listedCount, { message: 'the removed file is gone', timeout: 2_000, interval: 10 }).toBe(0);
  });
});

describe('nothing reaches outside the data folder', () => {
  it.skipIf(onEngine)('refuses names that try to escape (the data folder only: looks into the data folder)', async () => {
    const server = await serve();
    const client = await greeted(server);
    await client.command('create_b photos');
    for (const name of ['..', '../x', 'a/../../x', '/etc/passwd', 'a//b', '"a\\x00b"', '"a\\nb"']) {
      // A refused upload closes its connection (its body may be on the way): one connection per name.
      const uploader = await greeted(server);
      const line = await uploader.command(`put photos ${name} 1`);
      expect(parseStatus(line).reason, name).toBe(Reason.badName);
      expect(await uploader.closed()).toEqual([]);
    }
    for (const bucket of ['..', '.pail', '%2e%2e', '../photos']) {
      expect(parseStatus(await client.command(`ls_f ${bucket}`)).reason, bucket).toBe(Reason.badName);
    }
    // Percent-encoded dots are only a file name here, stored inside the bucket.
    expect(await client.command('put photos %2e%2e%2fx 1')).toMatch(/^100 SEND/);
    client.send('z');
    expect(await client.line()).toMatch(/^700 FUTB/);
    expect(await readdir(join(server.data, 'photos'))).toEqual(['%2e%2e%2fx']);
  });

  it.skipIf(onEngine)('never follows symbolic links planted in the data folder (the data folder only: plants symbolic links in the data folder)', async () => {
    const server = await serve();
    const outside = join(server.data, '..', `outside-${process.pid}-${Date.now()}`);
    await mkdir(outside, { recursive: true });
    cleanup.push(async () => {
      const { rm } = await import('node:fs/promises');
      await rm(outside, { recursive: true, force: true });
    });
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, join(server.data, 'linked'));
    await mkdir(join(server.data, 'photos'));
    await symlink(join(outside, 'secret.txt'), join(server.data, 'photos', 'secret.txt'));
    const client = await greeted(server);
    expect(await client.command('ls_b')).toMatch(/^500 BLS 1/);
    expect(await client.line()).toMatch(/^photos 0 0 /);
    expect(parseStatus(await client.command('ls_f linked')).reason).toBe(Reason.noSuchBucket);
    expect(parseStatus(await client.command('get photos secret.txt')).reason).toBe(Reason.noSuchFile);
    expect(await client.command('ls_f photos')).toMatch(/^800 FLS 0/);
    expect(parseStatus(await client.command('delete_f photos secret.txt')).reason).toBe(Reason.noSuchFile);
    expect(parseStatus(await client.command('put linked x 1')).reason).toBe(Reason.noSuchBucket);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });
});

describe('limits', () => {
  it('refuses connections beyond the cap with 421 BUSY too-many-connections', async () => {
    const server = await serve({ limits: { maxConnections: 2 } });
    await greeted(server);
    await greeted(server);
    const third = await RawClient.open(server.port);
    cleanup.push(() => third.close());
    const line = await third.line();
    expect(parseStatus(line).reason).toBe(Reason.tooManyConnections);
    await third.closed();
  });

  it('drops a silent client with 421 BUSY idle-timeout', async () => {
    const server = await serve({ limits: { idleTimeoutMs: 200 } });
    const client = await greeted(server);
    const rest = await client.closed();
    expect(parseStatus(rest[0]).reason).toBe(Reason.idleTimeout);
  });
});

describe('slow senders', () => {
  /** Sends `data` one byte at a time, a little apart, until the server closes the connection. */
  async function trickle(client: RawClient, data: string): Promise<string[]> {
    const closed = client.closed();
    let open = true;
    void closed.then(() => (open = false));
    for (let i = 0; i < data.length && open; i++) {
      client.send(data[i]);
      await new Promise((r) => setTimeout(r, 20));
    }
    return closed;
  }

  it('drops a client that trickles a command line, with 421 BUSY too-slow', async () => {
    const server = await serve({ limits: { lineTimeoutMs: 150 } });
    const client = await greeted(server);
    const rest = await trickle(client, 'ls_b'.padEnd(200, ' ') + '\n');
    expect(parseStatus(rest[0]).reason).toBe(Reason.tooSlow);
  });

  it.skipIf(onEngine)('drops an upload whose body trickles, leaving no file and no temporary (the data folder only: looks into the data folder for the temporary)', async () => {
    const server = await serve({ limits: { minBodyRate: 10_000, bodyGraceMs: 150 } });
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('put photos slow.txt 1000')).toMatch(/^100 SEND/);
    const rest = await trickle(client, 'x'.repeat(1000));
    expect(parseStatus(rest[0]).reason).toBe(Reason.tooSlow);
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the temporary is removed', timeout: 2_000, interval: 10 }).toHaveLength(0);
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
  });

  it.skipIf(onEngine)('drops a chunked upload trickled one 1-byte chunk at a time: the rate is that of the whole body (the data folder only: looks into the data folder for the temporary)', async () => {
    const server = await serve({ limits: { minBodyRate: 1_000, bodyGraceMs: 150 } });
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('put photos slow.txt chunked')).toMatch(/^100 SEND/);
    // 1-byte chunks every 20 ms: each chunk arrives at once, the body at about 50 bytes a second.
    const closed = await sendUntilClosed(client, '1\nx', { everyMs: 20, times: 150 });
    expect(closed, 'still open after 150 chunks over 3 s').not.toBe('open');
    expect(parseStatus((closed as string[])[0]).reason).toBe(Reason.tooSlow);
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the temporary is removed', timeout: 2_000, interval: 10 }).toHaveLength(0);
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
  });

  it('drops a body that falls silent once it is behind the minimum rate, without waiting for the idle timeout', async () => {
    const server = await serve({ limits: { minBodyRate: 1_000, bodyGraceMs: 150 } });
    const client = await greeted(server);
    await client.command('create_b photos');
    expect(await client.command('put photos silent.txt 1000')).toMatch(/^100 SEND/);
    client.send('x'.repeat(10));
    const rest = await closedWithin(client, 5_000);
    expect(rest, 'a silent body is dropped long before the 5-minute idle timeout').not.toBe('open');
    expect(parseStatus((rest as string[])[0]).reason).toBe(Reason.tooSlow);
  });

  it('drops an unterminated line followed by silence at the line timeout, not the idle timeout', async () => {
    const server = await serve({ limits: { lineTimeoutMs: 200 } });
    const client = await greeted(server);
    client.send('ls_b');
    const rest = await closedWithin(client, 5_000);
    expect(rest, 'a begun line is dropped long before the 5-minute idle timeout').not.toBe('open');
    expect(parseStatus((rest as string[])[0]).reason).toBe(Reason.tooSlow);
  });

  it('does not count blank lines as activity: a client sending one every 50 ms is dropped at the idle timeout', async () => {
    const server = await serve({ limits: { idleTimeoutMs: 300 } });
    const client = await greeted(server);
    expect(await client.command('ls_b')).toMatch(/^500 BLS 0/);
    const closed = await sendUntilClosed(client, '\n', { everyMs: 50, times: 60 });
    expect(closed, 'still open after 3 s of blank lines, ten idle timeouts').not.toBe('open');
    expect(parseStatus((closed as string[])[0]).reason).toBe(Reason.idleTimeout);
  });
});

describe('bodies are never read as commands', () => {
  const INJECTED = 'create_b injected-by-body\nls_b\n';
  const size = Buffer.byteLength(INJECTED);

  /** Sends an upload line and its body at once, as clients that do not wait for 100 SEND do; returns all the server said. */
  async function sendBlind(server: TestServer, line: string, body: string, token?: string): Promise<string[] | 'open'> {
    const client = await greeted(server);
    if (token) expect(await client.command(`auth ${token}`)).toMatch(/^230 AUTH/);
    client.send(`${line}\n${body}`);
    return closedWithin(client, 5_000);
  }

  it.each([
    ['no such bucket', `put nosuchbucket f.txt ${size}`, Reason.noSuchBucket, 'full-secret'],
    ['an existing file', `put photos taken.txt ${size}`, Reason.exists, 'full-secret'],
    ['too large', `put photos big.txt ${size + 100}`, Reason.tooLarge, 'full-secret'],
    ['not authenticated', `put photos f.txt ${size}`, Reason.authRequired, undefined],
    ['not authenticated, the command word quoted', `"upload_f" photos f.txt ${size}`, Reason.authRequired, undefined],
    ['a read-only token, the command word quoted', `"put" photos f.txt ${size}`, Reason.forbidden, 'read-secret'],
    ['unbalanced quoting after a quoted command word', `"put" photos "f.txt ${size}`, Reason.badQuoting, 'full-secret'],
    ['a read-only token', `put photos f.txt ${size}`, Reason.forbidden, 'read-secret'],
    ['a malformed size', `upload_f photos f.txt ${size}x`, Reason.badSize, 'full-secret'],
    ['a bad name', `UPLOAD photos ../f.txt ${size}`, Reason.badName, 'full-secret'],
    ['a bad argument count', `upload photos ${size}`, Reason.badArgs, 'full-secret'],
    ['an overlong line', `put photos ${'n'.repeat(9000)} ${size}`, Reason.tooLong, 'full-secret'],
    ['a chunked body to no such bucket', 'put nosuchbucket f.txt chunked', Reason.noSuchBucket, 'full-secret'],
    ['a part of no such upload session', `part_u ${'0'.repeat(32)} 0 ${size}`, Reason.noSuchUpload, 'full-secret'],
    ['a part with a malformed upload id', `"part" nosuchid 0 ${size}`, Reason.noSuchUpload, 'full-secret'],
    ['a part from a read-only token', `PART_U ${'0'.repeat(32)} 0 ${size}`, Reason.forbidden, 'read-secret'],
    ['a chunked part of no such upload session', `part_u ${'0'.repeat(32)} 0 chunked`, Reason.noSuchUpload, 'full-secret'],
  ])('refused for %s: the reply is the last word, and no line of the body runs', async (_what, line, reason, token) => {
    const server = await serve({ token: 'full-secret', readToken: 'read-secret', limits: { maxFileSize: size + 50 } });
    const setup = await greeted(server);
    await setup.command('auth full-secret');
    await setup.command('create_b photos');
    expect(await setup.command('put photos taken.txt 1')).toMatch(/^100 SEND/);
    setup.send('x');
    expect(await setup.line()).toMatch(/^700 FUTB/);
    const body = line.endsWith('chunked') ? `${size}\n${INJECTED}0\n` : INJECTED;
    const said = await sendBlind(server, line, body, token);
    expect(await setup.command('ls_b')).toMatch(/^500 BLS 1/);
    expect(await setup.line(), 'the only bucket').toMatch(/^photos /);
    expect(said, 'the connection is closed after the refusal').not.toBe('open');
    expect(said).toHaveLength(1);
    expect(parseStatus((said as string[])[0]).reason).toBe(reason);
  });

  it('keeps the connection after refusing an upload of 0 bytes, which has no body to follow', async () => {
    const server = await serve();
    const client = await greeted(server);
    expect(parseStatus(await client.command('put nosuchbucket f.txt 0')).reason).toBe(Reason.noSuchBucket);
    expect(await client.command('ls_b')).toMatch(/^500 BLS 0/);
  });
});

describe('access tokens', () => {
  it('requires auth before anything but help, code_r and quit, and a read token cannot write', async () => {
    const server = await serve({ token: 'full-secret', readToken: 'read-secret' });
    const client = await greeted(server);
    expect(parseStatus(await client.command('ls_b')).code).toBe(Code.NOAUTH);
    expect(parseStatus(await client.command('auth wrong')).reason).toBe(Reason.badToken);
    expect(await client.command('auth read-secret')).toMatch(/^230 AUTH read/);
    expect(await client.command('ls_b')).toMatch(/^500 BLS 0/);
    expect(parseStatus(await client.command('create_b photos')).reason).toBe(Reason.forbidden);
    expect(await client.command('auth full-secret')).toMatch(/^230 AUTH full/);
    expect(await client.command('create_b photos')).toMatch(/^300 BCS/);
  });

  it("runs before auth exactly the commands of the table's open column, and refuses every other with 430 NOAUTH", async () => {
    expect(COMMANDS.filter((c) => c.open).map((c) => c.name)).toEqual(['help', 'code_r', 'quit', 'auth']);
    const server = await serve({ token: 'full-secret' });
    const client = await greeted(server);
    const sample: Record<ArgKind, string> = { bucket: 'photos', key: 'a.txt', size: '0', offset: '0', length: '0', command: 'help', token: 'full-secret', upload: '0'.repeat(32), part: '1' };
    const line = (c: (typeof COMMANDS)[number]) => [c.name, ...c.args.filter((a) => !a.optional).map((a) => sample[a.kind])].join(' ');
    for (const command of COMMANDS.filter((c) => !c.open)) {
      expect(parseStatus(await client.command(line(command))).code, command.name).toBe(Code.NOAUTH);
    }
    for (const command of COMMANDS.filter((c) => c.open && c.name !== 'quit' && c.name !== 'auth')) {
      const status = parseStatus(await client.command(line(command)));
      expect(status.code, command.name).toBe(command.success);
      await client.lines(status.spec?.follows === 'rows' ? Number(status.fields.rows) : 0);
    }
    expect(parseStatus(await client.command(line(commandSpec('auth')))).code).toBe(Code.AUTH);
    expect(parseStatus(await client.command(line(commandSpec('quit')))).code).toBe(Code.BYE);
  });

  it('answers at most three wrong tokens on one connection, then closes it', async () => {
    const server = await serve({ token: 'full-secret', limits: { loginLimit: 10_000 } });
    const client = await greeted(server);
    client.send('auth wrong\n'.repeat(2_000));
    const said = await closedWithin(client, 10_000);
    expect(said, 'the connection is closed after the third wrong token').not.toBe('open');
    expect((said as string[]).map((line) => parseStatus(line).reason)).toEqual([Reason.badToken, Reason.badToken, Reason.tooManyRequests]);
  });

  it('refuses every token from an address over its limit, the right one too, and no other address', async () => {
    const server = await serve({ token: 'full-secret', limits: { loginLimit: 5 } });
    const wrong = async (from: string, times: number) => {
      const client = await RawClient.greeted(server.port, from);
      cleanup.push(() => client.close());
      for (let i = 0; i < times; i++) expect(parseStatus(await client.command('auth wrong')).code).toBe(Code.AUTHF);
    };
    await wrong('127.0.0.2', 3);
    await wrong('127.0.0.2', 2);
    const blocked = await RawClient.greeted(server.port, '127.0.0.2');
    cleanup.push(() => blocked.close());
    const refusal = parseStatus(await blocked.command('auth full-secret'));
    expect([refusal.code, refusal.reason]).toEqual([Code.AUTHF, Reason.tooManyRequests]);
    expect(await closedWithin(blocked, 5_000)).toEqual([]);
    const other = await RawClient.greeted(server.port, '127.0.0.3');
    cleanup.push(() => other.close());
    expect(await other.command('auth full-secret')).toMatch(/^230 AUTH full/);
  });
});

describe('watch', () => {
  it('pushes every change made by another client as 110 EVENT lines', async () => {
    const server = await serve();
    const watcher = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    cleanup.push(() => watcher.destroy());
    let watching!: () => void;
    const confirmed = new Promise<void>((resolve) => (watching = resolve));
    const events = watcher.watch({ onWatching: watching });
    const seen: PailEvent[] = [];
    const collect = (async () => {
      for (let i = 0; i < 4; i++) seen.push((await events.next()).value as PailEvent);
    })();
    await confirmed;
    const writer = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    cleanup.push(() => writer.destroy());
    await writer.createBucket('photos');
    const stored = await writer.upload('photos', 'a b.txt', Buffer.from('hi'));
    await writer.deleteFile('photos', 'a b.txt');
    await writer.deleteBucket('photos');
    await collect;
    expect(seen).toEqual([
      { kind: 'bucket-created', bucket: 'photos' },
      { kind: 'file-uploaded', bucket: 'photos', file: { bucket: 'photos', name: 'a b.txt', size: 2, modified: stored.modified, sha256: sha256('hi') } },
      { kind: 'file-deleted', bucket: 'photos', name: 'a b.txt' },
      { kind: 'bucket-deleted', bucket: 'photos' },
    ]);
  });

  it('accepts only quit on a watching connection', async () => {
    const server = await serve();
    const client = await greeted(server);
    expect(await client.command('watch')).toMatch(/^240 WATCH/);
    expect(parseStatus(await client.command('ls_b')).reason).toBe(Reason.notNow);
    expect(await client.command('quit')).toMatch(/^290 BYE/);
  });
});

describe('shutdown', () => {
  it('tells idle clients it is shutting down and closes', async () => {
    const server = await startTestServer();
    const client = await RawClient.greeted(server.port);
    const closing = server.close();
    const rest = await client.closed();
    expect(parseStatus(rest[0]).reason).toBe(Reason.shuttingDown);
    await closing;
    expect(client.socket.destroyed || client.socket.readableEnded).toBe(true);
  });

  it.skipIf(onEngine)('aborts an upload still running after the grace period, leaving neither file nor temporary (the data folder only: looks into the data folder for the temporary)', async () => {
    const server = await startTestServer({ shutdownGraceMs: 100 });
    cleanup.push(() => server.close());
    const client = await RawClient.greeted(server.port);
    cleanup.push(() => client.close());
    await client.command('create_b photos');
    expect(await client.command('put photos slow.bin 1000')).toMatch(/^100 SEND/);
    client.send(Buffer.alloc(10));
    await expect.poll(() => readdir(join(server.data, '.pail', 'tmp')), { message: 'the upload started', timeout: 2_000, interval: 10 }).toHaveLength(1);
    await server.server.close();
    expect(await readdir(join(server.data, '.pail', 'tmp'))).toEqual([]);
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
  });
});

/**
 * Sends `text` every `everyMs`, at most `times` times, until the server closes
 * the connection: its last lines, or 'open' if it never closed.
 */
async function sendUntilClosed(client: RawClient, text: string, pace: { everyMs: number; times: number }): Promise<string[] | 'open'> {
  let lines: string[] | undefined;
  const closed = client.closed().then((rest) => (lines = rest));
  for (let i = 0; i < pace.times && lines === undefined; i++) {
    client.send(text);
    await new Promise((r) => setTimeout(r, pace.everyMs));
  }
  if (lines === undefined) return 'open';
  await closed;
  return lines;
}
