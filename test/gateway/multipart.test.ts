import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { jsonOf, postJson, startHarness, type Harness } from './harness.ts';
import { generated, openRequest } from './streams.ts';

const BOUNDARY = 'pail-test-boundary';
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const MiB = 1 << 20;

function part(filename: string, body: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${body}\r\n`;
}

/** The gateway's log lines, kept to check their levels. */
function collectingLog(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const ERROR_LEVEL = 50;

describe('multipart forms the gateway must not fail on', () => {
  let h: Harness;
  const logged = collectingLog();
  const stored = (bucket: string) => readdir(join(h.data, bucket));
  const temporaries = () => readdir(join(h.data, '.pail', 'tmp'));
  const errorsLogged = () => logged.lines.filter((l) => l.level >= ERROR_LEVEL).map((l) => JSON.stringify(l));

  beforeAll(async () => {
    h = await startHarness({ gateway: { log: logged.log } });
    for (const name of ['many', 'broken', 'cut']) expect((await postJson(`${h.base}/api/buckets`, { name })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('answers a form of more than 1,000 files with 207: an outcome for every file stored, and a refusal for the rest', async () => {
    const body = Array.from({ length: 1005 }, (_, i) => part(`f${String(i).padStart(4, '0')}.txt`, `file ${i}`)).join('') + `--${BOUNDARY}--\r\n`;
    const response = await fetch(`${h.base}/api/buckets/many/files`, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body });
    expect(response.status).toBe(207);
    const answer = await jsonOf(response);
    expect(answer.files).toHaveLength(1000);
    expect(answer.files.every((o: { stored: boolean }) => o.stored)).toBe(true);
    expect(answer.files[999].name).toBe('f0999.txt');
    expect(answer.unread).toEqual({ code: Code.FUTF, mnemonic: 'FUTF', reason: Reason.tooLarge, message: expect.stringContaining('1000') });
    // Exactly the files the answer names are stored.
    expect((await stored('many')).length).toBe(1000);
    expect(errorsLogged()).toEqual([]);
  });

  it('answers a form missing its closing boundary with 400 bad-args, stores none of the cut part, and logs no error', async () => {
    const body = part('whole.txt', 'complete') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\nno end in sight`;
    const response = await fetch(`${h.base}/api/buckets/broken/files`, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FUTF, reason: Reason.badArgs, message: expect.stringMatching(/closing boundary|ended/) });
    // The gateway cut the part's protocol upload; the bucket server removes its temporary as it sees the cut.
    await expect.poll(() => temporaries(), { message: 'the bucket server removed the cut part', timeout: 10_000, interval: 20 }).toHaveLength(0);
    expect(await stored('broken')).not.toContain('cut.txt');
    expect(errorsLogged()).toEqual([]);
  });

  it('logs uploads cancelled by their clients below error level', async () => {
    const cuts = [
      () => openRequest(`${h.base}/api/buckets/cut/files/put.bin`, { method: 'PUT', headers: { 'content-length': 64 * MiB } }),
      () => {
        const form = openRequest(`${h.base}/api/buckets/cut/files`, { method: 'POST', headers: { 'content-type': FORM_TYPE, 'transfer-encoding': 'chunked' } });
        form.req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="form.bin"\r\n\r\n`);
        return form;
      },
    ];
    // One after the other, so each waits for its own temporary.
    for (const open of cuts) {
      const before = new Set(await temporaries());
      const { req, response } = open();
      response.catch(() => {});
      const blocks = generated(32, MiB);
      await expect.poll(async () => {
        const next = blocks.next();
        if (!next.done) req.write(next.value);
        return (await temporaries()).some((name) => !before.has(name));
      }, { message: 'the upload reached the bucket server', timeout: 10_000, interval: 20 }).toBe(true);
      req.destroy();
      await expect.poll(async () => (await temporaries()).every((name) => before.has(name)), { message: 'the bucket server removed the partial upload', timeout: 10_000, interval: 20 }).toBe(true);
    }
    // The gateway has seen both ends: give its handlers their turn to log.
    await expect.poll(() => logged.lines.filter((l) => /cancel|went away|aborted/i.test(l.msg)).length, { message: 'both cancellations were logged', timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(2).catch((err) => {
      throw new Error(`${err.message}: ${JSON.stringify(logged.lines.slice(-8))}`);
    });
    expect(errorsLogged()).toEqual([]);
    expect(await stored('cut')).toEqual([]);
    expect(await temporaries()).toEqual([]);
  });
});
