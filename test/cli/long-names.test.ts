import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

describe('pail with a name of 255 bytes of UTF-8, the longest the protocol takes', () => {
  let t: TestServer;
  let work: { path: string; remove(): Promise<void> };
  const name = `${'a'.repeat(150)}${'€'.repeat(35)}`;
  beforeAll(async () => {
    t = await startTestServer();
    work = await tempFolder();
    await t.client.createBucket('long');
  });
  afterAll(async () => {
    await t.close();
    await work.remove();
  });

  it('puts, lists, gets and removes it', async () => {
    expect(Buffer.byteLength(name)).toBe(255);
    const source = join(work.path, 'source.txt');
    await writeFile(source, 'the longest name');
    expect((await runPail(['put', source, 'long', '--name', name], { env: t.env })).status).toBe(0);
    expect((await runPail(['ls', 'long'], { env: t.env })).out).toContain(name);
    const target = join(work.path, 'back.txt');
    expect((await runPail(['get', 'long', name, target], { env: t.env })).status).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('the longest name');
    expect((await runPail(['rm', 'long', name], { env: t.env })).status).toBe(0);
    expect(await t.client.listFiles('long')).toEqual([]);
  });
});
