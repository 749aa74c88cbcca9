import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../../cli/exit.ts';
import { startInTerminal, startTestServer, tempFolder, type TestServer } from './harness.ts';

/** `pail` alone on a pseudo-terminal: the shell a person gets, with what only a terminal shows. */
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let t: TestServer;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
  await writeFile(join(work.path, 'big.bin'), randomBytes(3 * 1024 * 1024));
  await copyFile(join(work.path, 'big.bin'), join(work.path, LONG_NAME));
  await writeFile(join(work.path, 'notes.txt'), 'remember the milk\n');
});

const LONG_NAME = 'a-rather-long-file-name-for-a-narrow-terminal.bin';

/** What each drawing of a bar showed: the text after each clear-line, up to the next carriage return or newline. */
function drawnBars(screen: string, label: string): string[] {
  return screen
    .split('\x1b[K')
    .map((drawn) => drawn.split(/[\r\n]/)[0])
    .filter((drawn) => drawn.startsWith(label));
}
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
    await shell.waitFor('stdout', /put big\.bin \[[#-]{10,}\] +\d+%/);
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

  it.each([40, 60, 120])('fits its progress bar into a terminal %i columns wide, the time left always shown', async (columns) => {
    const bucket = `width-${columns}`;
    await t.client.createBucket(bucket);
    const put = startInTerminal(['put', LONG_NAME, bucket], { env: t.env, cwd: work.path, columns });
    const screen = await put.waitFor('stdout', /uploaded width-\d+\/\S+ {2}3\.0 MiB/);
    put.endInput();
    expect(await put.exited).toEqual({ status: 0, signal: null });
    const bars = drawnBars(screen, 'put a-rather');
    expect(bars.length).toBeGreaterThan(0);
    for (const drawn of bars) {
      // One column spare: a line filling the last column wraps on some terminals.
      expect([...drawn].length, drawn).toBeLessThan(columns);
      expect(drawn).toMatch(/\d+:\d\d left$/);
    }
    // Where there is room, the bar itself and the byte counts come back.
    if (columns >= 120) expect(bars[0]).toMatch(/\[[#-]{10,}\] +\d+% {2}[\d.]+ \w+ \/ 3\.0 MiB/);
  });

  it('refuses to write a file to standard output on a terminal unless --to-terminal asks for it, and draws no bar beside the bytes', async () => {
    await t.client.createBucket('to-screen');
    await t.client.upload('to-screen', 'notes.txt', Buffer.from('remember the milk\n'));
    const refused = startInTerminal(['get', 'to-screen', 'notes.txt', '-'], { env: t.env, cwd: work.path, columns: 80 });
    const said = await refused.waitFor('stdout', /give --to-terminal/);
    refused.endInput();
    expect(await refused.exited).toEqual({ status: Exit.usage, signal: null });
    expect(said).not.toMatch(/remember the milk/);

    const asked = startInTerminal(['get', 'to-screen', 'notes.txt', '-', '--to-terminal'], { env: t.env, cwd: work.path, columns: 80 });
    const screen = await asked.waitFor('stdout', /downloaded to-screen\/notes\.txt → standard output/);
    asked.endInput();
    expect(await asked.exited).toEqual({ status: 0, signal: null });
    expect(screen).toMatch(/^remember the milk\r?\n/);
    expect(drawnBars(screen, 'get ')).toEqual([]);
  });

  it('completes remote file names with Tab for get and rm, a quoted name with spaces as one word', async () => {
    await mkdir(join(work.path, 'saved'));
    await t.client.createBucket('album');
    await t.client.upload('album', 'holiday photo.jpg', Buffer.from('jpeg'));
    await t.client.upload('album', 'birthday.jpg', Buffer.from('jpeg'));
    const shell = startInTerminal(['shell'], { env: { ...t.env, HOME: work.path }, cwd: work.path });
    await shell.waitFor('stdout', /pail> /);
    shell.type('rm alb\t');
    await shell.waitFor('stdout', /rm album /);
    shell.type('bi\t');
    await shell.waitFor('stdout', /birthday\.jpg /);
    shell.type('\r');
    await shell.waitFor('stdout', /deleted album\/birthday\.jpg/);
    await shell.waitFor('stdout', /pail> /);
    // After a quoted file name comes DEST, a local path.
    shell.type('get album "hol\t');
    await shell.waitFor('stdout', /get album "holiday photo\.jpg" /);
    shell.type('sav\t');
    await shell.waitFor('stdout', /saved\//);
    shell.type('\r');
    await shell.waitFor('stdout', /downloaded album\/holiday photo\.jpg → saved\/holiday photo\.jpg/);
    await shell.waitFor('stdout', /pail> /);
    shell.type('rm album "hol\t');
    await shell.waitFor('stdout', /rm album "holiday photo\.jpg" /);
    shell.type('\r');
    await shell.waitFor('stdout', /deleted album\/holiday photo\.jpg/);
    shell.type('quit\r');
    shell.endInput();
    expect(await shell.exited).toEqual({ status: 0, signal: null });
    expect(await t.client.listFiles('album')).toEqual([]);
    expect(await readFile(join(work.path, 'saved', 'holiday photo.jpg'), 'utf8')).toBe('jpeg');
  });
});
