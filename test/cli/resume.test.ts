import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Exit } from '../../cli/exit.ts';
import { PART_SIZE, uploadInSession } from '../../cli/resume/session-upload.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';
import { json, runPail, startPail } from './harness.ts';
import { Relay } from './relay.ts';

/**
 * Interrupted transfers of the CLI, resumed: a real `pail server` process
 * (killed with SIGKILL and started again on the same data folder where a
 * test says so), the real `pail` binary, and a relay between them that
 * counts the bytes each way and holds them at a count, so every
 * interruption lands mid-transfer however fast the machine is.
 */
const BUCKET = 'resumes';
/** Five parts and a bit: a resumed upload has whole parts behind it and ahead of it. */
const SIZE = 5 * PART_SIZE + 12_345;
/** Protocol lines around the bytes (commands, replies, greeting) are far below this. */
const LINES = 4096;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let data: string;
let server: ChildServer;
let client: PailConnection;
let relay: Relay;
let work: string;
let state: string;
let env: Record<string, string>;
let body: Buffer;
let source: string;

async function startServer(args: string[] = []): Promise<void> {
  server = await startChildServer({ data, args });
  client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
}

async function restartServer(args: string[] = []): Promise<void> {
  client.destroy();
  await server.kill();
  await startServer(args);
  relay.upstreamPort = server.port;
}

beforeAll(async () => {
  body = randomBytes(SIZE);
});

beforeEach(async () => {
  data = await mkdtemp(join(tmpdir(), 'pail-resume-data-'));
  work = await mkdtemp(join(tmpdir(), 'pail-resume-work-'));
  state = join(work, 'state');
  await startServer();
  await client.createBucket(BUCKET);
  relay = await Relay.start(server.port);
  env = { PAIL_SERVER: relay.address, XDG_STATE_HOME: state };
  source = join(work, 'big.bin');
  await writeFile(source, body);
});

afterEach(async () => {
  client.destroy();
  await relay.close();
  await server.stop();
  await rm(data, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Starts `pail put` of the big file and Ctrl-C's it once the relay passed two and a half parts; resolves to the bytes passed. */
async function interruptedPut(extra: string[] = []): Promise<number> {
  const held = relay.stopAt('up', 2.5 * PART_SIZE);
  const put = startPail(['put', source, BUCKET, ...extra], { env });
  await held;
  put.signal('SIGINT');
  expect(await put.exited).toEqual({ status: Exit.interrupted, signal: null });
  const sent = relay.up;
  relay.cutAll();
  relay.reset();
  return sent;
}

/** The offset a run said it resumed at. */
function resumedAt(stderr: string): number {
  const match = /resuming resumes\/big\.bin at (\d+) of (\d+) bytes/.exec(stderr);
  if (!match) throw new Error(`the run did not say it resumed: ${stderr}`);
  expect(Number(match[2])).toBe(SIZE);
  return Number(match[1]);
}

async function storedSha256(): Promise<string> {
  return (await client.stat(BUCKET, 'big.bin')).sha256;
}

describe('put of a large file resumes', () => {
  it('after Ctrl-C, from the bytes the server holds: less than one part is sent again', async () => {
    const first = await interruptedPut();
    const run = await runPail(['put', source, BUCKET], { env });
    expect(run.status, run.stderr).toBe(0);
    const at = resumedAt(run.stderr);
    expect(at).toBeGreaterThanOrEqual(PART_SIZE);
    expect(at % PART_SIZE).toBe(0);
    const second = relay.up;
    expect(second).toBeLessThan(SIZE - at + LINES);
    const sentAgain = first + second - SIZE;
    expect(sentAgain).toBeLessThan(PART_SIZE);
    console.info(`resume after Ctrl-C: first run passed ${first}, resumed at ${at}, second run passed ${second}, sent again ${sentAgain} of ${SIZE} (part ${PART_SIZE})`);
    expect(await storedSha256()).toBe(sha256(body));
    expect(await client.listUploads(BUCKET)).toEqual([]);
    expect(await readdir(join(state, 'pail', 'uploads'))).toEqual([]);
  });

  it('after the server was killed (kill -9) mid-part and started again: the put gives up after its retries, the next one resumes', async () => {
    const held = relay.stopAt('up', 2.5 * PART_SIZE);
    const put = startPail(['put', source, BUCKET], { env });
    await held;
    const first = relay.up;
    client.destroy();
    await server.kill();
    const gaveUp = await put.exited;
    expect(gaveUp).toEqual({ status: Exit.unreachable, signal: null });
    relay.reset();
    await startServer();
    relay.upstreamPort = server.port;
    const run = await runPail(['put', source, BUCKET], { env });
    expect(run.status, run.stderr).toBe(0);
    const at = resumedAt(run.stderr);
    expect(at).toBeGreaterThanOrEqual(PART_SIZE);
    const sentAgain = first + relay.up - SIZE;
    expect(sentAgain).toBeLessThan(PART_SIZE);
    console.info(`resume after kill -9: first run passed ${first}, resumed at ${at}, sent again ${sentAgain}`);
    expect(await storedSha256()).toBe(sha256(body));
  });

  it('a connection lost mid-part is tried again by the same put, which goes on from what the server holds', async () => {
    const held = relay.stopAt('up', 2.5 * PART_SIZE);
    const put = startPail(['put', source, BUCKET, '--json'], { env });
    await held;
    const first = relay.up;
    relay.reset();
    relay.cutAll();
    const done = await put.exited;
    expect(done).toEqual({ status: 0, signal: null });
    const sentAgain = first + relay.up - SIZE;
    expect(sentAgain).toBeLessThan(PART_SIZE);
    console.info(`retry after a cut connection: sent again ${sentAgain}`);
    expect(await storedSha256()).toBe(sha256(body));
  });

  it('--no-resume aborts the interrupted session and sends the whole file again', async () => {
    await interruptedPut();
    const [interrupted] = await client.listUploads(BUCKET);
    const run = await runPail(['put', source, BUCKET, '--no-resume'], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`aborted the earlier upload session ${interrupted.id}`);
    expect(run.stderr).not.toMatch(/resuming/);
    expect(relay.up).toBeGreaterThanOrEqual(SIZE);
    expect(await client.listUploads(BUCKET)).toEqual([]);
    expect(await storedSha256()).toBe(sha256(body));
  });

  it('a remembered session that expired on the server starts over', async () => {
    await interruptedPut();
    expect(await client.listUploads(BUCKET)).toHaveLength(1);
    // Opened with a TTL of 1 ms, the server removes the session as expired; then back to the default.
    await restartServer(['--upload-ttl', '1']);
    expect(await client.listUploads(BUCKET)).toEqual([]);
    await restartServer();
    const run = await runPail(['put', source, BUCKET], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/upload session [0-9a-f]{32} of resumes\/big\.bin is gone .*; starting over/);
    expect(relay.up).toBeGreaterThanOrEqual(SIZE);
    expect(await storedSha256()).toBe(sha256(body));
  });

  it('counts the bytes the server holds as done before it sends any (what the bar shows)', async () => {
    await interruptedPut();
    const [{ held }] = await client.listUploads(BUCKET);
    const done: number[] = [];
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = state;
    try {
      const info = await stat(source);
      const file = { server: relay.address, bucket: BUCKET, key: 'big.bin', path: source, size: SIZE, mtimeMs: info.mtimeMs };
      const options = { overwrite: false, fresh: false, signal: new AbortController().signal, onBytes: (n: number) => done.push(n), say: () => {} };
      const [host, port] = relay.address.split(':');
      const connection = await PailConnection.connect({ host, port: Number(port) });
      try {
        await uploadInSession((work) => work(connection), file, options);
      } finally {
        connection.destroy();
      }
    } finally {
      process.env.XDG_STATE_HOME = saved;
    }
    expect(held).toBeGreaterThanOrEqual(PART_SIZE);
    expect(done[0]).toBe(held);
    expect(done.at(-1)).toBe(SIZE);
    expect(await storedSha256()).toBe(sha256(body));
  });

  it('a file changed in place since (same size and time) does not complete from the old bytes: it starts over', async () => {
    // Whole seconds, which every file system keeps exactly, so the time set again afterwards is the same.
    const time = 1_700_000_000;
    await utimes(source, time, time);
    const before = await stat(source);
    await interruptedPut();
    const changed = Buffer.from(body);
    changed.write('changed in place', 0);
    const handle = await open(source, 'r+');
    await handle.write(changed, 0, 64, 0);
    await handle.close();
    await utimes(source, time, time);
    expect((await stat(source)).mtimeMs).toBe(before.mtimeMs);
    const run = await runPail(['put', source, BUCKET], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('the bytes held for resumes/big.bin do not match the local file; starting over');
    expect(await storedSha256()).toBe(sha256(changed));
    expect(await client.listUploads(BUCKET)).toEqual([]);
  });

  it('--sha256 that the file does not have is refused at completion, and the session is aborted and forgotten', async () => {
    const run = await runPail(['put', source, BUCKET, '--sha256', sha256(Buffer.from('another file'))], { env });
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(/750 FUTF checksum-mismatch/);
    expect(await client.listUploads(BUCKET)).toEqual([]);
    expect(await readdir(join(state, 'pail', 'uploads'))).toEqual([]);
  });

  it('put -r resumes its large files too', async () => {
    const tree = join(work, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'big.bin'), body);
    await writeFile(join(tree, 'small.txt'), 'small');
    const held = relay.stopAt('up', 2.5 * PART_SIZE);
    const put = startPail(['put', '-r', tree, BUCKET, '--overwrite'], { env });
    await held;
    put.signal('SIGINT');
    expect((await put.exited).status).toBe(Exit.interrupted);
    relay.cutAll();
    relay.reset();
    const run = await runPail(['put', '-r', tree, BUCKET, '--overwrite'], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(resumedAt(run.stderr)).toBeGreaterThanOrEqual(PART_SIZE);
    expect(relay.up).toBeLessThan(SIZE - PART_SIZE + LINES);
    expect(await storedSha256()).toBe(sha256(body));
  });
});

describe('pail uploads', () => {
  it('lists an interrupted put with the local file it was sending, and --abort aborts it and forgets it', async () => {
    await interruptedPut();
    const listing = await runPail(['uploads', BUCKET], { env });
    expect(listing.status, listing.stderr).toBe(0);
    const [header, row] = listing.out.trim().split('\n');
    expect(header).toMatch(/^ID +KEY +HELD +BEGUN +LAST WRITTEN +LOCAL FILE$/);
    expect(row).toMatch(new RegExp(`^[0-9a-f]{32}  big\\.bin  \\d+(\\.\\d)? MiB of 40 MiB \\(\\d+%\\) .* ${source}$`));
    const listed = json(await runPail(['uploads', BUCKET, '--json'], { env })) as unknown as { uploads: { id: string; key: string; held: number; localPath?: string }[] };
    expect(listed.uploads).toHaveLength(1);
    const [session] = listed.uploads;
    expect(session).toMatchObject({ key: 'big.bin', localPath: source });
    expect(session.held).toBeGreaterThanOrEqual(PART_SIZE);

    const aborted = await runPail(['uploads', '--abort', session.id], { env });
    expect(aborted.status, aborted.stderr).toBe(0);
    expect(await client.listUploads(BUCKET)).toEqual([]);
    expect(await readdir(join(state, 'pail', 'uploads'))).toEqual([]);
    expect((await runPail(['uploads', BUCKET], { env })).out.trim()).toBe(`no open uploads in ${BUCKET}`);
  });
});

describe('get resumes a partial download', () => {
  const target = () => join(work, 'back', 'big.bin');

  /** Starts `pail get` into back/ and Ctrl-C's it once the relay passed half the file; resolves to the partial file's name and size. */
  async function interruptedGet(): Promise<{ name: string; size: number }> {
    await mkdir(join(work, 'back'), { recursive: true });
    const held = relay.stopAt('down', SIZE / 2);
    const get = startPail(['get', BUCKET, 'big.bin', join(work, 'back') + '/'], { env });
    await held;
    get.signal('SIGINT');
    expect(await get.exited).toEqual({ status: Exit.interrupted, signal: null });
    relay.cutAll();
    relay.reset();
    const names = await readdir(join(work, 'back'));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.big\.bin\.[0-9a-f]{64}\.pail-partial$/);
    return { name: names[0], size: (await stat(join(work, 'back', names[0]))).size };
  }

  beforeEach(async () => {
    await client.upload(BUCKET, 'big.bin', body);
  });

  it('bound to the same version, from the end of the partial file, and checks the whole file', async () => {
    const partial = await interruptedGet();
    expect(partial.name).toContain(sha256(body));
    expect(partial.size).toBeGreaterThan(0);
    const run = await runPail(['get', BUCKET, 'big.bin', join(work, 'back') + '/'], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(resumedAt(run.stderr)).toBe(partial.size);
    expect(relay.down).toBeLessThan(SIZE - partial.size + LINES);
    console.info(`get resumed at ${partial.size} of ${SIZE}: the second run received ${relay.down}`);
    expect(sha256(await readFile(target()))).toBe(sha256(body));
    expect(await readdir(join(work, 'back'))).toEqual(['big.bin']);
  });

  it('a file changed on the server since starts over, and gets the new version whole', async () => {
    await interruptedGet();
    const changed = randomBytes(SIZE);
    await client.upload(BUCKET, 'big.bin', changed, { overwrite: true });
    const run = await runPail(['get', BUCKET, 'big.bin', join(work, 'back') + '/'], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('resumes/big.bin changed on the server since the interrupted download; starting over');
    expect(relay.down).toBeGreaterThanOrEqual(SIZE);
    expect(sha256(await readFile(target()))).toBe(sha256(changed));
    expect(await readdir(join(work, 'back'))).toEqual(['big.bin']);
  });
});

