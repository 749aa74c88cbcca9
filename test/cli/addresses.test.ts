import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { Exit } from '../../cli/exit.ts';
import { json, runPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

/** Where the bucket server is and how to get in: --server, PAIL_SERVER, the seed's HOST PORT, tokens. */
let t: TestServer;
let guarded: TestServer;
let work: { path: string; remove(): Promise<void> };
const TOKEN = 'let-me-in';

beforeAll(async () => {
  t = await startTestServer();
  guarded = await startTestServer({ token: TOKEN });
  work = await tempFolder();
  await writeFile(join(work.path, 'apple.jpg'), 'not really a picture\n');
});
afterAll(async () => {
  await t.close();
  await guarded.close();
  await work.remove();
});

describe.concurrent('the address of the bucket server', () => {
  it("the seed clients' positional form: pail HOST PORT put, list, get", async () => {
    const [host, port] = t.address.split(':');
    await t.client.createBucket('seed');
    const options = { cwd: work.path };
    const put = await runPail([host, port, 'put', 'apple.jpg', 'seed'], options);
    expect(put.status, put.stderr).toBe(0);
    const list = await runPail([host, port, 'list', '--json'], options);
    expect(json(list).files).toEqual([expect.objectContaining({ bucket: 'seed', name: 'apple.jpg' })]);
    const get = await runPail([host, port, 'get', 'seed', 'apple.jpg', '-'], options);
    expect(get.out).toBe('not really a picture\n');
  });

  it('--server wins over PAIL_SERVER', async () => {
    const run = await runPail(['ls', '--server', t.address, '--json'], { env: { PAIL_SERVER: '127.0.0.1:1' } });
    expect(run.status, run.stderr).toBe(0);
    expect(json(run).buckets).toEqual(expect.any(Array));
  });
});

describe.concurrent('tokens', () => {
  it('without a token the server answers 430 NOAUTH', async () => {
    const run = await runPail(['ls'], { env: { PAIL_SERVER: guarded.address } });
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.NOAUTH} NOAUTH ${Reason.authRequired}: `));
  });

  it('a wrong token is 280 AUTHF bad-token; --token or PAIL_TOKEN gets in', async () => {
    const wrong = await runPail(['ls', '--token', 'nope'], { env: { PAIL_SERVER: guarded.address } });
    expect(wrong.status).toBe(Exit.refused);
    expect(wrong.stderr).toMatch(new RegExp(`^pail: ${Code.AUTHF} AUTHF ${Reason.badToken}: `));
    expect((await runPail(['mb', 'private', '--token', TOKEN], { env: { PAIL_SERVER: guarded.address } })).status).toBe(0);
    expect((await runPail(['ls'], { env: guarded.env })).out).toMatch(/^private /m);
  });
});
