import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { COMMANDS } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let server: TestServer;
let client: RawClient;

beforeEach(async () => {
  server = await startTestServer();
  client = await RawClient.greeted(server.port);
});

afterEach(async () => {
  client.close();
  await server.close();
});

/** The status line's code and, for a failure, its reason word. */
async function reply(line: string): Promise<[number, string | undefined]> {
  const status = parseStatus(await client.command(line));
  return [status.code, status.reason];
}

/** Uploads; a refusal before the go-ahead closes the connection, and the client connects again for what follows. */
async function upload(bucket: string, name: string, body: string | Buffer, extra = ''): Promise<string> {
  const data = Buffer.from(body);
  const goAhead = await client.command(`put ${bucket} ${JSON.stringify(name)} ${data.length}${extra}`);
  if (!goAhead.startsWith(`${Code.SEND} `)) {
    if (data.length > 0) await reconnectAfterClose();
    return goAhead;
  }
  client.send(data);
  return client.line();
}

/** Waits for the server to close the connection (saying nothing more), then opens another. */
async function reconnectAfterClose(): Promise<void> {
  expect(await client.closed()).toEqual([]);
  client.close();
  client = await RawClient.greeted(server.port);
}

describe('greeting and session commands', () => {
  it('greets every connection with 200 HELLO and the protocol version', async () => {
    const other = await RawClient.open(server.port);
    expect(await other.line()).toMatch(/^200 HELLO pail\/1 /);
    other.close();
  });

  it('help lists every command of the table, and help COMMAND explains one with its replies', async () => {
    const status = parseStatus(await client.command('help'));
    expect(status.code).toBe(Code.HELP);
    const rows = await client.lines(Number(status.fields.rows));
    expect(rows.map((r) => r.split(' ')[0])).toEqual(COMMANDS.map((c) => c.name));
    const one = parseStatus(await client.command('HELP put'));
    const detail = await client.lines(Number(one.fields.rows));
    expect(detail[0]).toBe('usage: upload_f BUCKET KEY SIZE [overwrite] [sha256=HEX] [md5[=HEX]] [attrs=TEXT]');
    expect(detail).toContain('replies: 700 FUTB | 750 FUTF');
    expect(await reply('help nonsense')).toEqual([Code.BCMD, Reason.unknownCommand]);
  });

  it('code_r lists the reply code table and the reason words', async () => {
    const status = parseStatus(await client.command('code_r'));
    expect(status.code).toBe(Code.CODES);
    const rows = await client.lines(Number(status.fields.rows));
    expect(rows).toContain('300 BCS Bucket created successfully');
    expect(rows).toContain('1050 FDF File deletion fails');
    expect(rows.some((r) => r.startsWith('reason no-such-bucket '))).toBe(true);
  });

  it('quit says goodbye and closes the connection', async () => {
    expect(await client.command('quit')).toMatch(/^290 BYE/);
    expect(await client.closed()).toEqual([]);
  });

  it('unknown and malformed commands get 400 BCMD with a reason, and the session goes on', async () => {
    expect(await reply('frobnicate')).toEqual([Code.BCMD, Reason.unknownCommand]);
    expect(await reply('create_b')).toEqual([Code.BCMD, Reason.badArgs]);
    expect(await reply('create_b "open')).toEqual([Code.BCMD, Reason.badQuoting]);
    client.send(Buffer.from([0x63, 0xff, 0xfe, 0x0a]));
    expect(parseStatus(await client.line()).reason).toBe(Reason.badUtf8);
    client.send(`${'x'.repeat(9000)}\n`);
    expect(parseStatus(await client.line()).reason).toBe(Reason.tooLong);
    expect(await reply('ls_b')).toEqual([Code.BLS, undefined]);
  });
});

describe('buckets', () => {
  it('create_b, ls_b and delete_b, by every alias', async () => {
    expect(await reply('create_b photos')).toEqual([Code.BCS, undefined]);
    expect(await reply('CREATE_B docs')).toEqual([Code.BCS, undefined]);
    expect(await reply('mb music')).toEqual([Code.BCS, undefined]);
    for (const alias of ['ls_b', 'LIST_B', 'ls']) {
      const status = parseStatus(await client.command(alias));
      expect(status.code).toBe(Code.BLS);
      const rows = await client.lines(Number(status.fields.rows));
      expect(rows.map((r) => r.split(' ')[0])).toEqual(['docs', 'music', 'photos']);
    }
    expect(await reply('delete_b photos')).toEqual([Code.BDS, undefined]);
    expect(await reply('DELETE_B docs')).toEqual([Code.BDS, undefined]);
    expect(await reply('rb music')).toEqual([Code.BDS, undefined]);
    expect(await client.command('ls_b')).toMatch(/^500 BLS 0/);
  });

  it('lists each bucket with its file count, total bytes and creation time', async () => {
    await client.command('create_b photos');
    await upload('photos', 'a', 'hello');
    await upload('photos', 'b', 'hi');
    expect(await client.command('ls_b')).toMatch(/^500 BLS 1/);
    const [name, files, bytes, created] = (await client.line()).split(' ');
    expect([name, files, bytes]).toEqual(['photos', '2', '7']);
    expect(Date.parse(created)).not.toBeNaN();
  });

  it.skipIf(onEngine)('refuses with 350 BCF and 650 BDF and a reason word (the data folder only: looks into the data folder: a refused bucket leaves nothing there)', async () => {
    await client.command('create_b photos');
    expect(await reply('create_b photos')).toEqual([Code.BCF, Reason.exists]);
    expect(await reply('create_b Bad_Name')).toEqual([Code.BCF, Reason.badName]);
    expect(await reply('delete_b nothing')).toEqual([Code.BDF, Reason.noSuchBucket]);
    await upload('photos', 'a.txt', 'data');
    expect(await reply('delete_b photos')).toEqual([Code.BDF, Reason.notEmpty]);
    expect(await reply('delete_b photos force')).toEqual([Code.BDS, undefined]);
    expect(await readdir(server.data)).toEqual(['.pail']);
  });
});

describe('files', () => {
  beforeEach(async () => {
    await client.command('create_b photos');
  });

  it.skipIf(onEngine)('upload_f answers 100 SEND, then 700 FUTB with the size and SHA-256 it computed, by every alias (the data folder only: reads the stored file from the data folder)', async () => {
    for (const alias of ['upload_f', 'UPLOAD', 'upload', 'put']) {
      const name = `${alias}.txt`;
      expect(await client.command(`${alias} photos ${name} 5`)).toBe('100 SEND 5 send the body now');
      client.send('hello');
      const done = parseStatus(await client.line());
      expect([done.code, done.fields.size, done.fields.sha256]).toEqual([Code.FUTB, '5', sha256('hello')]);
      expect(await readFile(join(server.data, 'photos', name), 'utf8')).toBe('hello');
    }
  });

  it('takes a chunked body whose length was not known in advance', async () => {
    expect(await client.command('put photos stream.bin chunked')).toMatch(/^100 SEND chunked/);
    client.send('3\nabc');
    client.send('4\r\ndefg0\n');
    const done = parseStatus(await client.line());
    expect([done.code, done.fields.size, done.fields.sha256]).toEqual([Code.FUTB, '7', sha256('abcdefg')]);
  });

  it.skipIf(onEngine)('refuses a malformed chunk header with 750 FUTF bad-chunk and nothing stored (the data folder only: looks into the data folder for leftovers)', async () => {
    await client.command('put photos stream.bin chunked');
    client.send('3\nabcxyz\n');
    expect(parseStatus(await client.line()).reason).toBe(Reason.badChunk);
    await client.closed();
    expect(await readdir(join(server.data, 'photos'))).toEqual([]);
    expect(await readdir(join(server.data, '.pail', 'tmp'))).toEqual([]);
  });

  it('stores zero-byte files', async () => {
    expect(await upload('photos', 'empty', '')).toMatch(new RegExp(`^700 FUTB 0 ${sha256('')}`));
    const status = parseStatus(await client.command('get photos empty'));
    expect([status.code, status.fields.length]).toEqual([Code.FDFBS, '0']);
    expect(await reply('ls_b')).toEqual([Code.BLS, undefined]);
  });

  it.skipIf(onEngine)('refuses to overwrite unless asked (the pass/cancel of the founding client), and overwrites when asked (the data folder only: reads the stored file from the data folder)', async () => {
    await upload('photos', 'a.txt', 'one');
    expect(parseStatus(await upload('photos', 'a.txt', 'two')).reason).toBe(Reason.exists);
    expect(await upload('photos', 'a.txt', 'three', ' overwrite')).toMatch(/^700 FUTB 5 /);
    expect(await readFile(join(server.data, 'photos', 'a.txt'), 'utf8')).toBe('three');
  });

  it('refuses uploads to a missing bucket, bad names and bad sizes before any byte is sent, then closes', async () => {
    for (const [line, reason] of [
      ['put nothing a.txt 3', Reason.noSuchBucket],
      ['put photos ../../etc/passwd 3', Reason.badName],
      ['put photos a.txt many', Reason.badSize],
    ]) {
      expect(await reply(line)).toEqual([Code.FUTF, reason]);
      await reconnectAfterClose();
    }
    // Nothing can follow an empty body: that refusal keeps the connection.
    expect(await reply('put nothing a.txt 0')).toEqual([Code.FUTF, Reason.noSuchBucket]);
    expect(await reply('ls_b')).toEqual([Code.BLS, undefined]);
  });

  it.skipIf(onEngine)('refuses a body whose SHA-256 differs from the announced one, keeping the earlier version (the data folder only: reads the stored file from the data folder)', async () => {
    await upload('photos', 'a.txt', 'good');
    const line = await upload('photos', 'a.txt', 'evil', ` overwrite sha256=${sha256('other')}`);
    expect(parseStatus(line).reason).toBe(Reason.checksumMismatch);
    expect(await readFile(join(server.data, 'photos', 'a.txt'), 'utf8')).toBe('good');
    expect(await upload('photos', 'a.txt', 'new', ` overwrite sha256=${sha256('new')}`)).toMatch(/^700 FUTB/);
  });

  it('download answers 900 FDFBS with size and SHA-256 then exactly the bytes, by every alias, and byte ranges', async () => {
    await upload('photos', 'a b.txt', 'hello world');
    for (const alias of ['download', 'DOWNLOAD', 'get']) {
      const status = parseStatus(await client.command(`${alias} photos "a b.txt"`));
      expect([status.code, status.fields.length, status.fields.sha256, status.fields.total]).toEqual([
        Code.FDFBS,
        '11',
        sha256('hello world'),
        '11',
      ]);
      expect((await client.bytes(11)).toString()).toBe('hello world');
    }
    const range = parseStatus(await client.command('get photos "a b.txt" 6 3'));
    expect([range.fields.length, range.fields.offset]).toEqual(['3', '6']);
    expect((await client.bytes(3)).toString()).toBe('wor');
    const tail = parseStatus(await client.command('get photos "a b.txt" 6'));
    expect((await client.bytes(Number(tail.fields.length))).toString()).toBe('world');
    expect(await reply('get photos "a b.txt" 5 100')).toEqual([Code.FDFBF, Reason.badRange]);
    expect(await reply('get photos missing')).toEqual([Code.FDFBF, Reason.noSuchFile]);
    expect(await reply('get nothing a')).toEqual([Code.FDFBF, Reason.noSuchBucket]);
  });

  it('stat answers 1100 FSS with size, SHA-256 and time and no bytes, by every alias; 1150 FSF says why it cannot', async () => {
    const stored = parseStatus(await upload('photos', 'a b.txt', 'hello world'));
    for (const alias of ['stat', 'STAT']) {
      const status = parseStatus(await client.command(`${alias} photos "a b.txt"`));
      expect([status.code, status.fields.size, status.fields.sha256, status.fields.modified]).toEqual([
        Code.FSS,
        '11',
        sha256('hello world'),
        stored.fields.modified,
      ]);
    }
    // Nothing followed the status line: the next reply is the next command's.
    expect(await reply('stat photos missing')).toEqual([Code.FSF, Reason.noSuchFile]);
    expect(await reply('stat nothing a')).toEqual([Code.FSF, Reason.noSuchBucket]);
    expect(await reply('stat photos ..')).toEqual([Code.FSF, Reason.badName]);
  });

  it('download sha256=HEX sends the bytes only of the version with that SHA-256, and refuses with changed after an overwrite', async () => {
    await upload('photos', 'a.txt', 'hello world');
    const first = sha256('hello world');
    const status = parseStatus(await client.command(`get photos a.txt 6 5 sha256=${first}`));
    expect([status.code, status.fields.sha256]).toEqual([Code.FDFBS, first]);
    expect((await client.bytes(5)).toString()).toBe('world');
    await upload('photos', 'a.txt', 'HELLO WORLD', ' overwrite');
    expect(await reply(`get photos a.txt 6 5 sha256=${first}`)).toEqual([Code.FDFBF, Reason.changed]);
    // No bytes followed the refusal: the session goes on with the new version.
    const now = parseStatus(await client.command(`get photos a.txt 6 5 sha256=${sha256('HELLO WORLD')}`));
    expect(now.code).toBe(Code.FDFBS);
    expect((await client.bytes(5)).toString()).toBe('WORLD');
    expect(await reply('get photos a.txt sha256=abc')).toEqual([Code.BCMD, Reason.badArgs]);
  });

  it('ls_f lists bucket, name, size, modified and SHA-256, for one bucket or all, by every alias', async () => {
    await client.command('create_b docs');
    await upload('photos', 'cat.jpg', 'meow');
    await upload('docs', 'read me.txt', 'text');
    for (const alias of ['ls_f', 'LIST_F', 'list']) {
      expect(await client.command(alias)).toMatch(/^800 FLS 2/);
      const rows = await client.lines(2);
      expect(rows[0]).toMatch(new RegExp(`^docs "read me.txt" 4 \\S+ ${sha256('text')}$`));
      expect(rows[1]).toMatch(new RegExp(`^photos cat.jpg 4 \\S+ ${sha256('meow')}$`));
    }
    expect(await client.command('ls_f photos')).toMatch(/^800 FLS 1/);
    expect(await client.line()).toMatch(/^photos cat.jpg/);
    expect(await reply('ls_f nothing')).toEqual([Code.FLF, Reason.noSuchBucket]);
  });

  it('delete_f removes a file, by every alias, and 1050 FDF says why it cannot', async () => {
    for (const alias of ['delete_f', 'DELETE_F', 'rm']) {
      await upload('photos', 'a.txt', 'x');
      expect(await reply(`${alias} photos a.txt`)).toEqual([Code.FDS, undefined]);
    }
    expect(await reply('delete_f photos a.txt')).toEqual([Code.FDF, Reason.noSuchFile]);
    expect(await reply('delete_f nothing a.txt')).toEqual([Code.FDF, Reason.noSuchBucket]);
    expect(await reply('delete_f photos ..')).toEqual([Code.FDF, Reason.badName]);
  });

  it.skipIf(onEngine)('quotes names with spaces, quotes and backslash-free oddities in listings, and reads them back (the data folder only: reads the stored file from the data folder)', async () => {
    const name = 'my "quoted" file é.txt';
    const line = await client.command(`put photos "my \\"quoted\\" file é.txt" 2`);
    expect(line).toMatch(/^100 SEND/);
    client.send('ok');
    expect(await client.line()).toMatch(/^700 FUTB/);
    expect(await client.command('ls_f photos')).toMatch(/^800 FLS 1/);
    expect(await client.line()).toContain('"my \\"quoted\\" file é.txt"');
    expect(await readFile(join(server.data, 'photos', name), 'utf8')).toBe('ok');
  });
});

describe('framing', () => {
  it('answers several commands sent in one write, in order', async () => {
    client.send('create_b photos\nput photos a.txt 5\nhellols_f photos\nget photos a.txt\nquit\n');
    const lines = await client.closed();
    expect(lines[0]).toMatch(/^300 BCS/);
    expect(lines[1]).toMatch(/^100 SEND 5/);
    expect(lines[2]).toMatch(/^700 FUTB 5/);
    expect(lines[3]).toMatch(/^800 FLS 1/);
    expect(lines[4]).toMatch(/^photos a.txt 5 /);
    expect(lines[5]).toMatch(/^900 FDFBS 5/);
    expect(lines[6]).toBe('hello290 BYE goodbye');
  });

  it('assembles a command and a body split across many small TCP segments', async () => {
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const bytes = Buffer.concat([Buffer.from('create_b photos\r\nput photos split.bin 3000\n')]);
    for (const b of bytes) {
      client.send(Buffer.from([b]));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(await client.line()).toMatch(/^300 BCS/);
    expect(await client.line()).toMatch(/^100 SEND 3000/);
    for (let at = 0; at < body.length; at += 7) {
      client.send(body.subarray(at, at + 7));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(parseStatus(await client.line()).fields.sha256).toBe(sha256(body));
  });
});
