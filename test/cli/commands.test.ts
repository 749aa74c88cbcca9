import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { Exit } from '../../cli/exit.ts';
import { json, runPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let t: TestServer;
let work: { path: string; remove(): Promise<void> };
const pail = (args: string[], input?: Buffer | string) => runPail(args, { env: t.env, cwd: work.path, input });

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

describe('buckets', () => {
  it('mb creates, ls lists, rb refuses a bucket with files unless --force', async () => {
    expect((await pail(['mb', 'holiday'])).out).toBe('created bucket holiday\n');
    const again = await pail(['mb', 'holiday']);
    expect(again.status).toBe(Exit.refused);
    expect(again.stderr).toBe(`pail: ${Code.BCF} BCF ${Reason.exists}: bucket holiday already exists\n`);

    const listed = await pail(['ls']);
    expect(listed.out).toMatch(/^BUCKET +FILES +SIZE +CREATED\nholiday +0 +0 B +\d{4}-/);

    await t.client.upload('holiday', 'a.txt', Buffer.from('a'));
    const refused = await pail(['rb', 'holiday', '--json']);
    expect(refused.status).toBe(Exit.refused);
    expect(json(refused)).toEqual({
      ok: false,
      error: { code: Code.BDF, mnemonic: 'BDF', reason: Reason.notEmpty, message: expect.any(String) },
    });
    expect(json(await pail(['rb', 'holiday', '--force', '--json']))).toEqual({ ok: true, bucket: 'holiday', force: true });
    expect(await t.client.listBuckets()).toEqual([]);
  });

  it('a bad bucket name is refused with the reply code and reason', async () => {
    const run = await pail(['mb', 'No_Such']);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.BCF} BCF ${Reason.badName}: `));
  });
});

describe('files', () => {
  beforeAll(async () => {
    await t.client.createBucket('docs');
    await writeFile(join(work.path, 'one.txt'), 'one\n');
    await writeFile(join(work.path, 'two.txt'), 'two two\n');
  });

  it('put uploads several files at once, and each lands under its own name', async () => {
    const run = await pail(['put', 'one.txt', 'two.txt', 'docs', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      files: [
        { source: 'one.txt', bucket: 'docs', name: 'one.txt', size: 4, sha256: sha256('one\n'), modified: expect.any(String) },
        { source: 'two.txt', bucket: 'docs', name: 'two.txt', size: 8, sha256: sha256('two two\n'), modified: expect.any(String) },
      ],
    });
    const files = await t.client.listFiles('docs');
    expect(files.map((f) => [f.name, f.sha256])).toEqual([
      ['one.txt', sha256('one\n')],
      ['two.txt', sha256('two two\n')],
    ]);
  });

  it('put refuses to replace a file unless --overwrite, and --name stores under another name', async () => {
    const refused = await pail(['put', 'two.txt', 'docs', '--name', 'one.txt']);
    expect(refused.status).toBe(Exit.refused);
    expect(refused.stderr).toMatch(new RegExp(`^pail: ${Code.FUTF} FUTF ${Reason.exists}: `));
    const replaced = await pail(['put', 'two.txt', 'docs', '--name', 'one.txt', '--overwrite']);
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(replaced.out).toBe(`uploaded docs/one.txt  8 B  sha256 ${sha256('two two\n')}\n`);
    await t.client.upload('docs', 'one.txt', Buffer.from('one\n'), { overwrite: true });
  });

  it('put checks every local file before sending any', async () => {
    const run = await pail(['put', 'one.txt', 'missing.txt', 'docs', '--name', 'x']);
    expect(run.status).toBe(Exit.usage);
    const missing = await pail(['put', 'one.txt', 'missing.txt', 'docs']);
    expect(missing.status).toBe(Exit.refused);
    expect(missing.stderr).toBe('pail: cannot read missing.txt: no such file\n');
    expect((await t.client.listFiles('docs')).map((f) => f.name)).toEqual(['one.txt', 'two.txt']);
  });

  it('put --sha256 makes the server refuse a body that does not match', async () => {
    const run = await pail(['put', 'one.txt', 'docs', '--name', 'checked.txt', '--sha256', sha256('something else')]);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.FUTF} FUTF ${Reason.checksumMismatch}: `));
    expect((await t.client.listFiles('docs')).map((f) => f.name)).not.toContain('checked.txt');
  });

  it('ls BUCKET and list BUCKET list its files; list alone lists every bucket', async () => {
    const ls = json(await pail(['ls', 'docs', '--json']));
    expect(ls.files).toEqual(await t.client.listFiles('docs'));
    expect(json(await pail(['list', 'docs', '--json']))).toEqual(ls);
    expect(json(await pail(['list', '--json'])).files).toEqual(await t.client.listFiles());
    const text = await pail(['ls', 'docs']);
    expect(text.out.split('\n')[0]).toMatch(/^BUCKET +NAME +SIZE +MODIFIED +SHA256$/);
    expect(text.out).toContain(sha256('one\n'));
  });

  it('get saves under the file name, into a folder, or as DEST, with no temporary left', async () => {
    const into = join(work.path, 'downloads');
    await mkdir(into);
    expect((await pail(['get', 'docs', 'one.txt'])).status).toBe(0);
    expect(await readFile(join(work.path, 'one.txt'), 'utf8')).toBe('one\n');
    const run = await pail(['get', 'docs', 'two.txt', 'downloads', '--json']);
    expect(json(run)).toEqual({
      ok: true,
      bucket: 'docs',
      name: 'two.txt',
      dest: join('downloads', 'two.txt'),
      size: 8,
      sha256: sha256('two two\n'),
      modified: expect.any(String),
    });
    expect((await pail(['get', 'docs', 'two.txt', 'downloads/renamed.txt'])).status).toBe(0);
    expect((await readdir(into)).sort()).toEqual(['renamed.txt', 'two.txt']);
    expect(await readFile(join(into, 'renamed.txt'), 'utf8')).toBe('two two\n');
  });

  it('get of a missing file fails with 950 FDFBF and creates nothing', async () => {
    const run = await pail(['get', 'docs', 'nothing.txt', 'downloads/nothing.txt']);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.FDFBF} FDFBF ${Reason.noSuchFile}: `));
    expect(await readdir(join(work.path, 'downloads'))).not.toContain('nothing.txt');
    const nowhere = await pail(['get', 'docs', 'one.txt', 'no/such/folder/x']);
    expect(nowhere.status).toBe(Exit.refused);
    expect(nowhere.stderr).toMatch(/there is no folder no\/such\/folder/);
  });

  it('rm deletes a file; a second rm fails with 1050 FDF no-such-file', async () => {
    await t.client.upload('docs', 'gone.txt', Buffer.from('x'));
    expect(json(await pail(['rm', 'docs', 'gone.txt', '--json']))).toEqual({ ok: true, bucket: 'docs', name: 'gone.txt' });
    const again = await pail(['rm', 'docs', 'gone.txt', '--json']);
    expect(again.status).toBe(Exit.refused);
    expect(json(again)).toMatchObject({ ok: false, error: { code: Code.FDF, mnemonic: 'FDF', reason: Reason.noSuchFile } });
  });

  it('names with spaces and non-ASCII letters go through unchanged', async () => {
    await writeFile(join(work.path, 'café menu.txt'), 'menu\n');
    expect((await pail(['put', 'café menu.txt', 'docs'])).status).toBe(0);
    const run = await pail(['get', 'docs', 'café menu.txt', '-']);
    expect(run.out).toBe('menu\n');
  });
});

describe('streaming', () => {
  // Large enough to take several chunks and socket writes each way.
  const body = randomBytes(5 * 1024 * 1024 + 123);

  it('put - sends standard input chunked, and get … - writes standard output, SHA-256 intact', async () => {
    await t.client.createBucket('streams');
    const up = await pail(['put', '-', 'streams', '--name', 'random.bin', '--json'], body);
    expect(up.status, up.stderr).toBe(0);
    expect(json(up).files).toEqual([expect.objectContaining({ source: '-', name: 'random.bin', size: body.length, sha256: sha256(body) })]);

    const down = await pail(['get', 'streams', 'random.bin', '-', '--json']);
    expect(down.status, down.stderr).toBe(0);
    expect(down.stdout.length).toBe(body.length);
    expect(sha256(down.stdout)).toBe(sha256(body));
    // The bytes own standard output; the JSON result goes to standard error.
    expect(JSON.parse(down.stderr)).toMatchObject({ ok: true, dest: '-', sha256: sha256(body) });
  });

  it('put - without --name is a usage error and sends nothing', async () => {
    const run = await pail(['put', '-', 'streams'], 'data');
    expect(run.status).toBe(Exit.usage);
    expect(run.stderr).toMatch(/needs --name/);
  });

  it('draws no progress bar when standard error is not a terminal', async () => {
    const run = await pail(['get', 'streams', 'random.bin', join(work.path, 'quiet.bin')]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('codes and help', () => {
  it('codes prints the server table; --json splits it into codes and reasons', async () => {
    const rows = await t.client.codes();
    expect((await pail(['codes'])).out).toBe(`${rows.join('\n')}\n`);
    const result = json(await pail(['codes', '--json']));
    expect(result.codes).toContainEqual({ code: Code.BCS, mnemonic: 'BCS', meaning: 'Bucket created successfully' });
    expect(result.reasons).toContainEqual({ reason: Reason.notEmpty, meaning: 'The bucket still holds files; delete it with force' });
  });

  it('help needs no server', async () => {
    const run = await runPail(['help'], { env: { PAIL_SERVER: '127.0.0.1:1' } });
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/^usage: pail COMMAND/);
    expect((await runPail(['--help'])).out).toBe(run.out);
    expect((await runPail(['put', '--help'])).out).toBe((await runPail(['help', 'put'])).out);
  });
});

describe('exit statuses', () => {
  it('an unreachable server is status 3 with reason unreachable', async () => {
    const run = await runPail(['ls', '--json'], { env: { PAIL_SERVER: '127.0.0.1:1' } });
    expect(run.status).toBe(Exit.unreachable);
    expect(json(run)).toMatchObject({ ok: false, error: { code: Code.BUSY, reason: Reason.unreachable } });
  });

  it('an unknown command or a missing argument is status 2 (no prompt without a terminal)', async () => {
    const unknown = await pail(['frobnicate']);
    expect(unknown.status).toBe(Exit.usage);
    expect(unknown.stderr).toMatch(/no command "frobnicate"/);
    const missing = await pail(['get', 'docs']);
    expect(missing.status).toBe(Exit.usage);
    expect(missing.stderr).toMatch(/get needs NAME; usage: pail get BUCKET NAME \[DEST\]/);
    expect((await pail(['rb', 'docs', '--forse'])).status).toBe(Exit.usage);
  });
});
