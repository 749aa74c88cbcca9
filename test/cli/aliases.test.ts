import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_TABLE } from '../../shared/protocol/codes.ts';
import { COMMANDS, type CommandName } from '../../shared/protocol/commands.ts';
import { Exit } from '../../cli/exit.ts';
import { json, runPail, startPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

/**
 * Every name and alias of every protocol command, run through the real
 * binary against a real bucket server, each checked by its effect.
 */
let t: TestServer;
let work: { path: string; remove(): Promise<void> };
const SEEDED = 'seeded';
const CONTENT = 'seeded content\n';

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
  await t.client.createBucket(SEEDED);
  await t.client.upload(SEEDED, 'seed.txt', Buffer.from(CONTENT));
  await writeFile(join(work.path, 'local.txt'), 'local\n');
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

/** A bucket name of its own for each word (watch and WATCH too), so the words can run side by side. */
const bucketFor = (word: string) => `b-${word.toLowerCase().replace(/_/g, '-')}-${word === word.toUpperCase() ? 'upper' : 'lower'}`;
const pail = (args: string[]) => runPail(args, { env: t.env, cwd: work.path });

const CHECKS: Record<CommandName, (word: string) => Promise<void>> = {
  async create_b(word) {
    const run = await pail([word, bucketFor(word)]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listBuckets()).map((b) => b.name)).toContain(bucketFor(word));
  },
  async delete_b(word) {
    await t.client.createBucket(bucketFor(word));
    const run = await pail([word, bucketFor(word)]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listBuckets()).map((b) => b.name)).not.toContain(bucketFor(word));
  },
  async ls_b(word) {
    const result = json(await pail([word, '--json']));
    expect((result.buckets as { name: string }[]).map((b) => b.name)).toContain(SEEDED);
  },
  async ls_f(word) {
    const result = json(await pail([word, SEEDED, '--json']));
    expect(result.files).toContainEqual(expect.objectContaining({ bucket: SEEDED, name: 'seed.txt', size: CONTENT.length }));
  },
  async upload_f(word) {
    const run = await pail([word, 'local.txt', SEEDED, '--name', `up-${word}.txt`]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listFiles(SEEDED)).map((f) => f.name)).toContain(`up-${word}.txt`);
  },
  async download(word) {
    const run = await pail([word, SEEDED, 'seed.txt', '-']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.out).toBe(CONTENT);
  },
  async stat(word) {
    const result = json(await pail([word, SEEDED, 'seed.txt', '--json']));
    expect(result).toMatchObject({ bucket: SEEDED, name: 'seed.txt', size: CONTENT.length });
  },
  async delete_f(word) {
    await t.client.upload(SEEDED, `rm-${word}`, Buffer.from('x'));
    const run = await pail([word, SEEDED, `rm-${word}`]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listFiles(SEEDED)).map((f) => f.name)).not.toContain(`rm-${word}`);
  },
  async begin_u(word) {
    const result = json(await pail([word, SEEDED, `session-${word}.txt`, '--size', '5', '--json']));
    expect((await t.client.listUploads(SEEDED)).map((u) => u.id)).toContain(result.upload);
  },
  async part_u(word) {
    const upload = await t.client.beginUpload(SEEDED, `part-${word}.txt`);
    const run = await pail([word, upload, '0', 'local.txt']);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.uploadStatus(upload)).held).toBe('local\n'.length);
  },
  async part_n(word) {
    const upload = await t.client.beginUpload(SEEDED, `part-n-${word}.txt`, { parts: true });
    const run = await pail([word, upload, '3', 'local.txt']);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listParts(upload)).map((p) => [p.number, p.size])).toEqual([[3, 'local\n'.length]]);
  },
  async ls_p(word) {
    const upload = await t.client.beginUpload(SEEDED, `ls-p-${word}.txt`, { parts: true });
    await t.client.writeNumberedPart(upload, 2, Buffer.from('abc'));
    const result = json(await pail([word, upload, '--json']));
    expect((result.parts as { number: number; size: number }[]).map((p) => [p.number, p.size])).toEqual([[2, 3]]);
  },
  async status_u(word) {
    const upload = await t.client.beginUpload(SEEDED, `status-${word}.txt`);
    await t.client.writePart(upload, 0, Buffer.from('abc'));
    expect(json(await pail([word, upload, '--json']))).toMatchObject({ held: 3 });
  },
  async complete_u(word) {
    const upload = await t.client.beginUpload(SEEDED, `complete-${word}.txt`);
    await t.client.writePart(upload, 0, Buffer.from('done'));
    const run = await pail([word, upload]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.stat(SEEDED, `complete-${word}.txt`)).size).toBe(4);
  },
  async abort_u(word) {
    const upload = await t.client.beginUpload(SEEDED, `abort-${word}.txt`);
    const run = await pail([word, upload]);
    expect(run.status, run.stderr).toBe(0);
    expect((await t.client.listUploads(SEEDED)).map((u) => u.id)).not.toContain(upload);
  },
  async ls_u(word) {
    const upload = await t.client.beginUpload(SEEDED, `listed-${word}.txt`);
    const result = json(await pail([word, SEEDED, '--json']));
    expect((result.uploads as { id: string }[]).map((u) => u.id)).toContain(upload);
  },
  async code_r(word) {
    const result = json(await pail([word, '--json']));
    expect((result.codes as unknown[]).length).toBe(CODE_TABLE.length);
  },
  async help(word) {
    const run = await pail([word, 'mb']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.out).toMatch(/^usage: pail mb BUCKET$/m);
  },
  async quit(word) {
    const run = await pail([word]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.out).toBe('bye\n');
  },
  async auth(word) {
    const result = json(await pail([word, 'any-token', '--json']));
    expect(result).toEqual({ ok: true, access: 'full' });
  },
  async watch(word) {
    const watching = startPail([word], { env: t.env });
    await watching.waitFor('stderr', /watching/);
    await t.client.createBucket(bucketFor(word));
    await watching.waitFor('stdout', new RegExp(`bucket-created ${bucketFor(word)}`));
    watching.signal('SIGINT');
    expect(await watching.exited).toEqual({ status: Exit.interrupted, signal: null });
  },
};

describe.concurrent('every protocol command answers to each of its words', () => {
  for (const command of COMMANDS) {
    for (const word of [command.name, ...command.aliases]) {
      it(`${word} (${command.name})`, () => CHECKS[command.name](word));
    }
  }
});
