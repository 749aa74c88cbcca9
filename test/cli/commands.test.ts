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

describe.concurrent('buckets', () => {
  it('mb creates, ls lists, rb refuses a bucket with files unless --force', async () => {
    expect((await pail(['mb', 'holiday'])).out).toBe('created bucket holiday\n');
    const again = await pail(['mb', 'holiday']);
    expect(again.status).toBe(Exit.refused);
    expect(again.stderr).toBe(`pail: ${Code.BCF} BCF ${Reason.exists}: bucket holiday already exists\n`);

    const listed = await pail(['ls']);
    expect(listed.out).toMatch(/^BUCKET +FILES +SIZE +CREATED\n/);
    expect(listed.out).toMatch(/^holiday +0 +0 B +\d{4}-/m);

    await t.client.upload('holiday', 'a.txt', Buffer.from('a'));
    const refused = await pail(['rb', 'holiday', '--json']);
    expect(refused.status).toBe(Exit.refused);
    expect(json(refused)).toEqual({
      ok: false,
      error: { code: Code.BDF, mnemonic: 'BDF', reason: Reason.notEmpty, message: expect.any(String) },
    });
    expect(json(await pail(['rb', 'holiday', '--force', '--json']))).toEqual({ ok: true, bucket: 'holiday', force: true });
    expect((await t.client.listBuckets()).map((b) => b.name)).not.toContain('holiday');
  });

  it('a bad bucket name is refused with the reply code and reason', async () => {
    const run = await pail(['mb', 'No_Such']);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.BCF} BCF ${Reason.badName}: `));
  });
});

describe.concurrent('files', () => {
  beforeAll(async () => {
    await writeFile(join(work.path, 'one.txt'), 'one\n');
    await writeFile(join(work.path, 'two.txt'), 'two two\n');
  });

  /** A bucket of the test's own holding one.txt and two.txt, so that tests run side by side. */
  async function bucketWithFiles(bucket: string): Promise<void> {
    await t.client.createBucket(bucket);
    await t.client.upload(bucket, 'one.txt', Buffer.from('one\n'));
    await t.client.upload(bucket, 'two.txt', Buffer.from('two two\n'));
  }

  it('put uploads several files at once, and each lands under its own name', async () => {
    await t.client.createBucket('several');
    const run = await pail(['put', 'one.txt', 'two.txt', 'several', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      files: [
        { source: 'one.txt', bucket: 'several', name: 'one.txt', size: 4, sha256: sha256('one\n'), modified: expect.any(String) },
        { source: 'two.txt', bucket: 'several', name: 'two.txt', size: 8, sha256: sha256('two two\n'), modified: expect.any(String) },
      ],
    });
    const files = await t.client.listFiles('several');
    expect(files.map((f) => [f.name, f.sha256])).toEqual([
      ['one.txt', sha256('one\n')],
      ['two.txt', sha256('two two\n')],
    ]);
  });

  it('put of several files sends each one after a refusal, says the outcome of each, and exits refused', async () => {
    await bucketWithFiles('partly');
    await writeFile(join(work.path, 'three.txt'), 'three\n');
    // one.txt is there already: refused, and the server closes that connection; two.txt and three.txt still go.
    await t.client.deleteFile('partly', 'two.txt');
    const run = await pail(['put', 'one.txt', 'two.txt', 'three.txt', 'partly']);
    expect(run.status).toBe(Exit.refused);
    expect(run.out).toBe(
      `uploaded partly/two.txt  8 B  sha256 ${sha256('two two\n')}\nuploaded partly/three.txt  6 B  sha256 ${sha256('three\n')}\n`,
    );
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^pail: not uploaded partly/one\\.txt: ${Code.FUTF} FUTF ${Reason.exists}: .+`)),
      'pail: 1 of 3 files not uploaded',
      '',
    ]);
    expect((await t.client.listFiles('partly')).map((f) => f.name)).toEqual(['one.txt', 'three.txt', 'two.txt']);

    await t.client.createBucket('partly-json');
    await t.client.upload('partly-json', 'two.txt', Buffer.from('x'));
    const scripted = await pail(['put', 'one.txt', 'two.txt', 'three.txt', 'partly-json', '--json']);
    expect(scripted.status).toBe(Exit.refused);
    const uploaded = (name: string, body: string) => ({
      source: name, bucket: 'partly-json', name, size: body.length, sha256: sha256(body), modified: expect.any(String),
    });
    expect(json(scripted)).toEqual({
      ok: false,
      files: [
        uploaded('one.txt', 'one\n'),
        { source: 'two.txt', bucket: 'partly-json', name: 'two.txt', error: { code: Code.FUTF, mnemonic: 'FUTF', reason: Reason.exists, message: expect.any(String) } },
        uploaded('three.txt', 'three\n'),
      ],
    });
    expect(scripted.stderr).toBe('');
  });

  it('put refuses to replace a file unless --overwrite, and --name stores under another name', async () => {
    await bucketWithFiles('replace');
    const refused = await pail(['put', 'two.txt', 'replace', '--name', 'one.txt']);
    expect(refused.status).toBe(Exit.refused);
    expect(refused.stderr).toMatch(new RegExp(`^pail: not uploaded replace/one\\.txt: ${Code.FUTF} FUTF ${Reason.exists}: `));
    const replaced = await pail(['put', 'two.txt', 'replace', '--name', 'one.txt', '--overwrite']);
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(replaced.out).toBe(`uploaded replace/one.txt  8 B  sha256 ${sha256('two two\n')}\n`);
  });

  it('put checks every local file before sending any', async () => {
    await t.client.createBucket('checked-first');
    expect((await pail(['put', 'one.txt', 'two.txt', 'checked-first', '--name', 'x'])).status).toBe(Exit.usage);
    const missing = await pail(['put', 'one.txt', 'missing.txt', 'checked-first']);
    expect(missing.status).toBe(Exit.refused);
    expect(missing.stderr).toBe('pail: cannot read missing.txt: no such file\n');
    expect(await t.client.listFiles('checked-first')).toEqual([]);
  });

  it('part of a local file that cannot be read says so, and sends nothing', async () => {
    await t.client.createBucket('parts');
    const upload = await t.client.beginUpload('parts', 'a.txt');
    const missing = await pail(['part', upload, '0', 'missing.txt']);
    expect(missing.status).toBe(Exit.refused);
    expect(missing.stderr).toMatch(/^pail: cannot read missing\.txt: /);
    expect((await t.client.uploadStatus(upload)).ranges).toEqual([]);
  });

  it('put --sha256 makes the server refuse a body that does not match', async () => {
    await t.client.createBucket('digests');
    const run = await pail(['put', 'one.txt', 'digests', '--sha256', sha256('something else')]);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: not uploaded digests/one\\.txt: ${Code.FUTF} FUTF ${Reason.checksumMismatch}: `));
    expect(await t.client.listFiles('digests')).toEqual([]);
    expect((await pail(['put', 'one.txt', 'digests', '--sha256', sha256('one\n')])).status).toBe(0);
  });

  it('ls BUCKET and list BUCKET list its files; list alone lists every bucket', async () => {
    await bucketWithFiles('listed');
    const ls = json(await pail(['ls', 'listed', '--json']));
    expect(ls.files).toEqual(await t.client.listFiles('listed'));
    expect(json(await pail(['list', 'listed', '--json']))).toEqual(ls);
    expect(json(await pail(['list', '--json'])).files).toEqual(expect.arrayContaining(ls.files as unknown[]));
    const text = await pail(['ls', 'listed']);
    expect(text.out.split('\n')[0]).toMatch(/^BUCKET +NAME +SIZE +MODIFIED +SHA256$/);
    expect(text.out).toMatch(new RegExp(`^listed +one\\.txt +4 B +\\S+ +${sha256('one\n')}$`, 'm'));
  });

  it('get saves under the file name, into a folder, or as DEST', async () => {
    await bucketWithFiles('fetched');
    const here = join(work.path, 'fetched-here');
    await mkdir(join(here, 'downloads'), { recursive: true });
    const get = (args: string[]) => runPail(['get', 'fetched', ...args], { env: t.env, cwd: here });
    expect((await get(['one.txt'])).status).toBe(0);
    expect(await readFile(join(here, 'one.txt'), 'utf8')).toBe('one\n');
    expect(json(await get(['two.txt', 'downloads', '--json']))).toEqual({
      ok: true,
      bucket: 'fetched',
      name: 'two.txt',
      dest: join('downloads', 'two.txt'),
      size: 8,
      sha256: sha256('two two\n'),
      modified: expect.any(String),
    });
    expect((await get(['two.txt', 'downloads/renamed.txt'])).status).toBe(0);
    // Nothing else: no temporary is left beside the files.
    expect((await readdir(join(here, 'downloads'))).sort()).toEqual(['renamed.txt', 'two.txt']);
    expect(await readFile(join(here, 'downloads', 'renamed.txt'), 'utf8')).toBe('two two\n');
  });

  it('get of a missing file fails with 950 FDFBF and creates nothing', async () => {
    await bucketWithFiles('fetch-fails');
    const here = join(work.path, 'fetch-fails');
    await mkdir(here);
    const run = await runPail(['get', 'fetch-fails', 'nothing.txt'], { env: t.env, cwd: here });
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.FDFBF} FDFBF ${Reason.noSuchFile}: `));
    const nowhere = await runPail(['get', 'fetch-fails', 'one.txt', 'no/such/folder/x'], { env: t.env, cwd: here });
    expect(nowhere.status).toBe(Exit.refused);
    expect(nowhere.stderr).toMatch(/there is no folder no\/such\/folder/);
    expect(await readdir(here)).toEqual([]);
  });

  it('rm deletes a file; a second rm fails with 1050 FDF no-such-file', async () => {
    await bucketWithFiles('removals');
    expect(json(await pail(['rm', 'removals', 'one.txt', '--json']))).toEqual({ ok: true, bucket: 'removals', name: 'one.txt' });
    const again = await pail(['rm', 'removals', 'one.txt', '--json']);
    expect(again.status).toBe(Exit.refused);
    expect(json(again)).toMatchObject({ ok: false, error: { code: Code.FDF, mnemonic: 'FDF', reason: Reason.noSuchFile } });
    expect((await t.client.listFiles('removals')).map((f) => f.name)).toEqual(['two.txt']);
  });

  it('names with spaces and non-ASCII letters go through unchanged', async () => {
    await t.client.createBucket('unusual');
    await writeFile(join(work.path, 'café menu.txt'), 'menu\n');
    expect((await pail(['put', 'café menu.txt', 'unusual'])).status).toBe(0);
    expect((await pail(['get', 'unusual', 'café menu.txt', '-'])).out).toBe('menu\n');
  });
});

describe.concurrent('streaming', () => {
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
    await t.client.createBucket('quiet');
    await t.client.upload('quiet', 'random.bin', body);
    const run = await pail(['get', 'quiet', 'random.bin', join(work.path, 'quiet.bin')]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe.concurrent('codes and help', () => {
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

describe.concurrent('exit statuses', () => {
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
