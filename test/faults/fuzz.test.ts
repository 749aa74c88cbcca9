import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { COMMANDS } from '../../shared/protocol/commands.ts';
import { announced, parseStatus } from '../../shared/protocol/reply.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

/**
 * 10,000 generated frames, random and mutated from real commands (NUL, bare
 * CR, bad UTF-8, huge, negative and non-decimal sizes, stray quotes, long
 * lines), sent in batches of 10 per connection (a refused upload line closes
 * its connection, since a body may follow it, so longer batches would mostly
 * go unread). Every reply must be a
 * well-formed status line with the rows or bytes it announces, or the
 * connection must close cleanly; the server must keep serving; nothing may
 * appear outside the data folder.
 */
const FRAMES = 10_000;
const PER_CONNECTION = 10;

let sandbox: string;
let server: TestServer;
beforeAll(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'pail-fuzz-'));
  await mkdir(join(sandbox, 'data'));
  // An upload body a batch leaves unfinished falls silent: it is dropped after 0.3 s instead of the default 10 s grace.
  server = await startTestServer({ data: join(sandbox, 'data'), limits: { maxFileSize: 4096, maxLine: 1024, bodyGraceMs: 300, minBodyRate: 1 << 20 } });
  const setup = await RawClient.greeted(server.port);
  await setup.command('create_b fuzz');
  await setup.command('put fuzz seed.txt 4');
  setup.send('seed');
  await setup.line();
  setup.close();
});
afterAll(async () => {
  await server.close();
  await rm(sandbox, { recursive: true, force: true });
});

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
const tokens = ['fuzz', 'seed.txt', 'nothing', '..', '../x', '"a b"', '"unterminated', 'overwrite', 'force', 'chunked', '-1', '0x10', '1e3',
  '99999999999999999999', '3', '0', '4096', '4097', `sha256=${'a'.repeat(64)}`, '\\', '%2e%2e', 'Fuzz', 'x'.repeat(300)];

function frame(next: () => number): Buffer {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const kind = next();
  if (kind < 0.2) {
    // Pure noise.
    const bytes = Buffer.alloc(Math.floor(next() * 200));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    return bytes;
  }
  let line = [pick(words), ...Array.from({ length: Math.floor(next() * 5) }, () => pick(tokens))].join(' ');
  const mutation = next();
  if (mutation < 0.1) line = line.replace(' ', '\0');
  else if (mutation < 0.2) line = line.replace(' ', '\r');
  else if (mutation < 0.3) return Buffer.concat([Buffer.from(line), Buffer.from([0xc3, 0x28, 0xff])]);
  else if (mutation < 0.35) line += 'y'.repeat(2000);
  return Buffer.from(line);
}

/** Reads replies as the protocol frames them until the server closes; returns the status codes seen. */
async function readAllReplies(client: RawClient): Promise<number[]> {
  const codes: number[] = [];
  for (;;) {
    const raw = await client.reader.line();
    if (raw === null) return codes;
    if (typeof raw === 'symbol') throw new Error('the server sent an overlong line');
    const status = parseStatus(raw.toString('utf8'));
    expect(status.spec, `unknown code in ${raw.toString('utf8').slice(0, 80)}`).toBeDefined();
    codes.push(status.code);
    const n = announced(status);
    if (status.spec!.follows === 'rows') await client.lines(n);
    if (status.spec!.follows === 'bytes') await client.bytes(n);
  }
}

it(`answers ${FRAMES} generated frames with well-formed replies or a clean close, and keeps serving`, async () => {
  const next = random(20261123);
  let replies = 0;
  for (let sent = 0; sent < FRAMES; sent += PER_CONNECTION) {
    const client = await RawClient.greeted(server.port);
    const frames = Array.from({ length: PER_CONNECTION }, () => Buffer.concat([frame(next), Buffer.from('\n')]));
    client.send(Buffer.concat([...frames, Buffer.from('\nquit\n')]));
    replies += (await readAllReplies(client)).length;
    client.close();
  }
  expect(replies).toBeGreaterThan(FRAMES / 2);

  const after = await RawClient.greeted(server.port);
  expect(await after.command('ls_f fuzz')).toMatch(new RegExp(`^${Code.FLS} `));
  after.close();
  expect(await readdir(sandbox)).toEqual(['data']);
  const inside = (await readdir(join(sandbox, 'data'))).filter((name) => name !== '.pail');
  for (const name of inside) expect(name).toMatch(/^[a-z0-9][a-z0-9.-]+[a-z0-9]$/);
});
