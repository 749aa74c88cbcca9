import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { Exit } from '../../cli/exit.ts';
import { SETTINGS } from '../../shared/config/settings.ts';
import { runPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

/** The shell driven through scripted standard input, as a person would type the lines. */
let t: TestServer;
let work: { path: string; remove(): Promise<void> };
const shell = (script: string, args: string[] = []) => runPail(['shell', ...args], { env: t.env, cwd: work.path, input: script });

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
  await writeFile(join(work.path, 'notes.txt'), 'remember the milk\n');
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

describe.concurrent('pail shell', () => {
  it('runs a put, an ls and a quit on one connection', async () => {
    await t.client.createBucket('inbox');
    const run = await shell('put notes.txt inbox\nls inbox\nquit\nls\n');
    expect(run.status, run.stderr).toBe(0);
    const lines = run.out.split('\n');
    expect(lines[0]).toMatch(/^uploaded inbox\/notes\.txt {2}18 B {2}sha256 [0-9a-f]{64}$/);
    expect(lines[1]).toMatch(/^BUCKET +NAME +SIZE +MODIFIED +SHA256$/);
    expect(lines[2]).toMatch(/^inbox +notes\.txt +18 B /);
    // Nothing after quit runs: the bucket listing would have printed a BUCKET header.
    expect(lines.slice(3)).toEqual(['']);
    expect(run.stderr).toBe('');
  });

  it('asks for each missing argument, reading the answers from the following lines', async () => {
    const run = await shell('mb\nasked\nput\nnotes.txt\nasked\nget asked\nnotes.txt\n\n');
    expect(run.status, run.stderr).toBe(0);
    expect(run.out).toMatch(/^created bucket asked\nuploaded asked\/notes\.txt/);
    expect((await t.client.listFiles('asked')).map((f) => f.name)).toEqual(['notes.txt']);
  });

  it('reports a failure and goes on; the exit status is that of the last command', async () => {
    await t.client.createBucket('taken');
    const run = await shell('mb taken\nfrobnicate\nput "unterminated\nls --json\n');
    expect(run.status).toBe(0);
    expect(run.stderr.split('\n')).toEqual([
      `pail: ${Code.BCF} BCF ${Reason.exists}: bucket taken already exists`,
      `pail: ${Code.BCMD} BCMD ${Reason.unknownCommand}: no command "frobnicate"; try help`,
      `pail: ${Code.BCMD} BCMD ${Reason.badQuoting}: unterminated quoted token`,
      '',
    ]);
    expect(JSON.parse(run.out)).toMatchObject({ ok: true });
    expect((await shell('ls\nrm taken nothing\n')).status).toBe(Exit.refused);
  });

  it('goes on over a new connection after a refused put (the server closes after it)', async () => {
    await t.client.createBucket('refusals');
    await t.client.upload('refusals', 'notes.txt', Buffer.from('x'));
    const run = await shell('put notes.txt nosuchbucket\nput notes.txt refusals\nls refusals --json\n');
    expect(run.stderr.split('\n')).toEqual([
      `pail: not uploaded nosuchbucket/notes.txt: ${Code.FUTF} FUTF ${Reason.noSuchBucket}: no bucket named nosuchbucket`,
      expect.stringMatching(new RegExp(`^pail: not uploaded refusals/notes\\.txt: ${Code.FUTF} FUTF ${Reason.exists}: `)),
      '',
    ]);
    expect(JSON.parse(run.out).files.map((f: { name: string }) => f.name)).toEqual(['notes.txt']);
  });

  it('help lists what the shell does (its commands and keys), not the settings of the servers', async () => {
    const run = await shell('help\n');
    expect(run.status, run.stderr).toBe(0);
    expect(run.out).toMatch(/^ {2}put FILE… BUCKET .*Uploads/m);
    expect(run.out).toMatch(/^ {2}Tab +completes .*file names/m);
    for (const setting of SETTINGS) expect(run.out).not.toContain(setting.flag);
    expect(run.out).not.toMatch(/^ {2}(server|gateway|start) /m);
    // Outside the shell, pail help still lists them.
    expect((await runPail(['help'])).out).toContain('--http-port');
  });

  it('takes --json for every command of the session', async () => {
    await t.client.createBucket('jsonbox');
    await t.client.upload('jsonbox', 'notes.txt', Buffer.from('x'));
    const run = await shell('ls\nrm jsonbox notes.txt\n', ['--json']);
    const [listing, removed] = run.out.trim().split('\n').map((line) => JSON.parse(line));
    expect(listing.buckets.map((b: { name: string }) => b.name)).toContain('jsonbox');
    expect(removed).toEqual({ ok: true, bucket: 'jsonbox', name: 'notes.txt' });
  });

  it('refuses put - (standard input carries the commands)', async () => {
    const run = await shell('put - jsonbox --name x\n');
    expect(run.status).toBe(Exit.usage);
    expect(run.stderr).toMatch(/put - reads standard input/);
  });

  it('fails at once when the server cannot be reached', async () => {
    const run = await runPail(['shell'], { env: { PAIL_SERVER: '127.0.0.1:1' }, input: 'ls\n' });
    expect(run.status).toBe(Exit.unreachable);
    expect(run.out).toBe('');
  });
});
