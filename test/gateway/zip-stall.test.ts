import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { extractedTree } from '../helpers/unzip.ts';
import { startHarness, type Harness } from './harness.ts';
import { generated, sha256Of } from './streams.ts';

const MiB = 1 << 20;

describe('a zip download whose client stops reading', () => {
  let h: Harness;
  const log: { msg: string; command?: string }[] = [];
  const downloadsEnded = () => log.filter((l) => l.msg === 'command' && l.command === 'download').length;

  beforeEach(async () => {
    log.length = 0;
    const serverLog = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
    h = await startHarness({ serverLog, gateway: { lanes: { clientTransfers: 8, transfers: 512, stallMs: 200 } } });
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('stall');
    // Large enough that a reader who stops leaves it far from done, whatever the buffers on the way hold.
    await owner.upload('stall', 'big.bin', generated(64, MiB));
    await owner.upload('stall', 'small.txt', Buffer.from('after the big one'));
    await owner.quit();
  });
  afterEach(() => h.close());

  /** POSTs a zip request, reads the first bytes and stops; `resume` reads the rest. */
  async function pausedZip(): Promise<{ status: number | undefined; resume(): Promise<{ outcome: string; body: Buffer }> }> {
    const chunks: Buffer[] = [];
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${h.base}/api/buckets/stall/zip`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ keys: ['big.bin', 'small.txt'] }));
    });
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => res.once('data', resolve));
    res.pause();
    const outcome = new Promise<string>((resolve) => {
      res.once('end', () => resolve('ended'));
      res.once('error', () => resolve('aborted'));
      res.once('close', () => resolve(res.complete ? 'ended' : 'aborted'));
    });
    return {
      status: res.statusCode,
      async resume() {
        res.resume();
        return { outcome: await outcome, body: Buffer.concat(chunks) };
      },
    };
  }

  it('lets go of the bucket server while the client waits, then sends the rest of the same file into a whole archive', async () => {
    const zip = await pausedZip();
    expect(zip.status).toBe(200);
    await expect.poll(() => downloadsEnded(), { message: 'the stalled download let go of the bucket server', timeout: 10_000, interval: 20 }).toBe(1);
    const { outcome, body } = await zip.resume();
    expect(outcome).toBe('ended');
    const dir = await mkdtemp(join(tmpdir(), 'pail-zip-stall-'));
    try {
      await writeFile(join(dir, 'stall.zip'), body);
      expect(await extractedTree(join(dir, 'stall.zip'))).toEqual({
        'big.bin': sha256Of(generated(64, MiB)),
        'small.txt': sha256Of([Buffer.from('after the big one')]),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cuts the archive rather than splice two versions when the file changed meanwhile', async () => {
    const zip = await pausedZip();
    await expect.poll(() => downloadsEnded(), { message: 'the stalled download let go of the bucket server', timeout: 10_000, interval: 20 }).toBe(1);
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.upload('stall', 'big.bin', generated(64, MiB + 1), { overwrite: true });
    await owner.quit();
    const { outcome, body } = await zip.resume();
    expect(outcome).toBe('aborted');
    expect(body.length).toBeLessThan(64 * MiB);
  });
});
