import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInTerminal, startTestServer, tempFolder, type TestServer } from './harness.ts';

/** `pail` alone on a pseudo-terminal: the shell a person gets, with what only a terminal shows. */
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let t: TestServer;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
  await writeFile(join(work.path, 'big.bin'), randomBytes(3 * 1024 * 1024));
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

describe('pail on a terminal', () => {
  it('is a shell with a prompt, progress bars, Tab completion, questions for missing arguments and a history', async () => {
    const shell = startInTerminal([], { env: { ...t.env, HOME: work.path }, cwd: work.path });
    const prompt = /pail> /;
    await shell.waitFor('stdout', prompt);
    shell.type('mb photos\r');
    await shell.waitFor('stdout', /created bucket photos/);

    await shell.waitFor('stdout', prompt);
    shell.type('put big.bin photos\r');
    // The bar is drawn at the first bytes sent, then cleared for the result.
    await shell.waitFor('stdout', /put big\.bin \[[#-]{24}\] +\d+%/);
    await shell.waitFor('stdout', /uploaded photos\/big\.bin {2}3\.0 MiB/);

    await shell.waitFor('stdout', prompt);
    shell.type('get pho\t');
    await shell.waitFor('stdout', /get photos /);
    shell.type('bi\t');
    await shell.waitFor('stdout', /^big\.bin /);
    shell.type('copy.bin\r');
    await shell.waitFor('stdout', /downloaded photos\/big\.bin → copy\.bin/);

    await shell.waitFor('stdout', prompt);
    shell.type('rm\r');
    await shell.waitFor('stdout', /bucket: /);
    shell.type('photos\r');
    await shell.waitFor('stdout', /file to delete: /);
    shell.type('big.bin\r');
    await shell.waitFor('stdout', /deleted photos\/big\.bin/);

    await shell.waitFor('stdout', prompt);
    shell.type('quit\r');
    shell.endInput();
    expect(await shell.exited).toEqual({ status: 0, signal: null });
    // Compared by digest: a deep comparison of 3 MiB byte by byte takes vitest many seconds.
    expect(sha256(await readFile(join(work.path, 'copy.bin')))).toBe(sha256(await readFile(join(work.path, 'big.bin'))));
    expect(await readFile(join(work.path, '.pail_history'), 'utf8')).toMatch(/^mb photos\nput big\.bin photos\nget photos big\.bin copy\.bin\nrm\n/);
  });

  it("asks for what the seed clients' pail HOST PORT put FILE leaves out", async () => {
    await t.client.createBucket('asked-for');
    const [host, port] = t.address.split(':');
    const put = startInTerminal([host, port, 'put', 'big.bin'], { cwd: work.path });
    await put.waitFor('stdout', /bucket to upload to: /);
    put.type('asked-for\r');
    await put.waitFor('stdout', /uploaded asked-for\/big\.bin/);
    put.endInput();
    expect(await put.exited).toEqual({ status: 0, signal: null });
    expect((await t.client.listFiles('asked-for')).map((f) => f.name)).toEqual(['big.bin']);
  });
});
