import { Writable } from 'node:stream';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/main.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { startBucketServer } from '../../server/main.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code, codeSpec } from '../../shared/protocol/codes.ts';
import { COMMANDS } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { JsonSocket, postJson, startHarness, type Harness } from './harness.ts';

const TOKEN = 'full-token-for-tests';
const READ_TOKEN = 'read-token-for-tests';

/** A line for each command, its arguments filled in. */
function lineFor(word: string, args: readonly { kind: string; optional?: boolean }[]): string {
  const values: Record<string, string> = { bucket: 'target', key: 'a.txt', size: '5', offset: '0', length: '1', command: 'ls', token: 'x', upload: '0'.repeat(32), part: '1' };
  return [word, ...args.filter((a) => !a.optional).map((a) => values[a.kind])].join(' ');
}

/** A bucket holding one file, made straight on the bucket server. */
async function seed(h: Harness, bucket: string, name: string, body: string): Promise<void> {
  const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
  await owner.createBucket(bucket);
  await owner.upload(bucket, name, Buffer.from(body));
  await owner.quit();
}

async function loginCookie(h: Harness, token: string): Promise<string> {
  const response = await postJson(`${h.base}/api/login`, { token });
  expect(response.status).toBe(200);
  await response.text();
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

describe('the console of a read-only login, in front of a bucket server that requires no token', () => {
  let h: Harness;
  beforeAll(async () => {
    // The bucket server has no token; only the gateway asks for logins.
    h = await startHarness({ gateway: { access: { token: TOKEN, readToken: READ_TOKEN, sessionTtlMs: 60_000, loginLimit: 100 } } });
    await seed(h, 'target', 'a.txt', 'hello');
  });
  afterAll(() => h.close());

  it('refuses every writing command and alias with forbidden, and nothing changes', async () => {
    const cookie = await loginCookie(h, READ_TOKEN);
    const writing = COMMANDS.filter((c) => c.writes);
    expect(writing.map((c) => c.name).sort()).toEqual(['abort_u', 'begin_u', 'complete_u', 'create_b', 'delete_b', 'delete_f', 'part_n', 'part_u', 'upload_f']);
    for (const command of writing) {
      // A console of its own for each command: all the words at once would pass the console's 20 lines a second.
      const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie } });
      await console.next();
      for (const word of [command.name, ...command.aliases, command.name.toUpperCase()]) {
        const line = lineFor(word, command.args);
        console.send(line);
        const answer = await console.next();
        expect(answer.lines?.[0], line).toMatch(new RegExp(`^${command.failure} ${codeSpec(command.failure)!.mnemonic} ${Reason.forbidden} `));
      }
      console.close();
    }
    const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie } });
    await console.next();
    console.send('mb xyz');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BCF} BCF ${Reason.forbidden}`));
    // Reading still works, and the bucket server holds what it held.
    console.send('ls_f target');
    expect((await console.next()).lines).toEqual([expect.stringMatching(/^800 FLS 1/), expect.stringMatching(/^target a\.txt 5 /)]);
    console.close();
    expect((await readdir(h.data)).filter((n) => !n.startsWith('.')).sort()).toEqual(['target']);
    expect(await readdir(join(h.data, 'target'))).toEqual(['a.txt']);
  });

  it('refuses auth, so a console can neither guess tokens nor raise its rights', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie: await loginCookie(h, READ_TOKEN) } });
    await console.next();
    for (const line of ['auth guess-1', `auth ${TOKEN}`, `AUTH ${TOKEN}`, `"auth" ${TOKEN}`]) {
      console.send(line);
      expect((await console.next()).lines[0], line).toMatch(new RegExp(`^${Code.AUTHF} AUTHF ${Reason.forbidden} `));
    }
    // The full token typed into the console changed nothing.
    console.send('create_b raised');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BCF} BCF ${Reason.forbidden}`));
    console.close();
    expect((await readdir(h.data)).includes('raised')).toBe(false);
  });

  it('lets a full login write through its console', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie: await loginCookie(h, TOKEN) } });
    await console.next();
    console.send('create_b written');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BCS} BCS written`));
    console.send('delete_b written');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BDS} BDS`));
    console.close();
  });
});

describe('the console decides with the parsed request, never the raw text', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seed(h, 'box', 'f.txt', 'file bytes that must not reach the console\n');
  });
  afterAll(() => h.close());

  it('refuses a quoted download word, and every later reply stays in step', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    for (const line of ['"get" box f.txt', '"download" box f.txt 0 5', '"watch"', '"put" box g.txt 3']) {
      console.send(line);
      const refused = await console.next();
      expect(refused, line).toEqual({ type: 'error', error: expect.objectContaining({ reason: Reason.notNow, message: expect.stringContaining('carries a body') }) });
    }
    console.send('ls_b');
    const listing = (await console.next()).lines;
    expect(listing[0]).toMatch(new RegExp(`^${Code.BLS} BLS 1`));
    expect(listing[1]).toMatch(/^box 1 /);
    console.send('help quit');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELP} HELP`));
    console.close();
  });

  it("answers a line the codec refuses with the server's own reply", async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    console.send('"unterminated');
    expect((await console.next()).lines).toEqual([expect.stringMatching(new RegExp(`^${Code.BCMD} BCMD ${Reason.badQuoting} `))]);
    console.send('nosuchcommand');
    expect((await console.next()).lines).toEqual([expect.stringMatching(new RegExp(`^${Code.BCMD} BCMD ${Reason.unknownCommand} `))]);
    console.close();
  });
});

describe('gateway start-up', () => {
  it('says when its bucket server requires no token, and warns when the gateway has logins', async () => {
    const data = await mkdtemp(join(tmpdir(), 'pail-open-server-'));
    const server = await startBucketServer({ ...DEFAULTS, tcpPort: 0, data, logLevel: 'silent' }, pino({ level: 'silent' }));
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const settings = { ...DEFAULTS, httpPort: 0, server: `127.0.0.1:${server.address().port}`, token: TOKEN };
    try {
      const gateway = await startGateway(settings, log);
      await gateway.close();
      const warning = lines.find((l) => /requires no token/.test(l.msg));
      expect(warning?.level).toBe(40);
      lines.length = 0;
      const open = await startGateway({ ...settings, token: '' }, log);
      await open.close();
      expect(lines.find((l) => /requires no token/.test(l.msg))?.level).toBe(30);
    } finally {
      await server.close();
      await rm(data, { recursive: true, force: true });
    }
  });
});
