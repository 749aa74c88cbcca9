import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { LaneOptions } from '../../gateway/lanes.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { getFrom, stalledDownload, stalledDownloads, type HeldClients } from '../helpers/hostile-clients.ts';
import { startHarness, type Harness } from './harness.ts';
import { generated, sha256Of } from './streams.ts';

const MiB = 1 << 20;
const BIG = '/api/buckets/lanes/files/big.bin';
const SMALL = '/api/buckets/lanes/files/small.bin';

/** What the bucket server logged, one object a line. */
type LogLine = { msg: string; command?: string };

/** Transfers of one address through a gateway whose per-address limit and queue are small. */
function laneHarness(lanes: LaneOptions) {
  const log: LogLine[] = [];
  const held: HeldClients[] = [];
  const state = { h: undefined as unknown as Harness, port: 0, log, held };
  beforeEach(async () => {
    log.length = 0;
    const serverLog = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
    state.h = await startHarness({ serverLog, gateway: { lanes } });
    state.port = Number(new URL(state.h.base).port);
    const client = await PailConnection.connect({ host: '127.0.0.1', port: state.h.serverPort });
    await client.createBucket('lanes');
    // Large enough that a reader who stops leaves it far from done, whatever the buffers on the way hold.
    await client.upload('lanes', 'big.bin', generated(64, MiB));
    await client.upload('lanes', 'small.bin', Buffer.from('small'));
    await client.quit();
  });
  afterEach(async () => {
    for (const clients of held.splice(0)) clients.close();
    await state.h.close();
  });
  return state;
}

describe('transfers per client address', () => {
  const t = laneHarness({ clientTransfers: 2, transfers: 512, clientWaiting: 1, waitMs: 30_000 });

  it('runs at most the limit at once from one address, queues one more and refuses the next 429, while another address is served', async () => {
    const slots = t.h.gateway.lanes.slots;
    const running = await stalledDownloads(t.port, BIG, ['127.0.3.1', '127.0.3.1']);
    t.held.push(running);
    expect(running.statusLines).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);

    const queued = await stalledDownload(t.port, SMALL, '127.0.3.1');
    t.held.push({ sockets: [queued.socket], close: () => queued.socket.destroy() });
    await expect.poll(() => slots.of('127.0.3.1').waiting, { message: 'the third transfer waits its turn', timeout: 10_000, interval: 20 }).toBe(1);
    const refused = await getFrom('127.0.3.1', `${t.h.base}${SMALL}`);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: Code.FDFBF, mnemonic: 'FDFBF', reason: Reason.tooManyRequests, message: expect.stringMatching(/^at most 2 transfers at once from one address/) },
    });

    // Another user is not held up by the first one's transfers.
    expect(await getFrom('127.0.3.2', `${t.h.base}${SMALL}`)).toEqual({ status: 200, body: 'small' });
    expect((await fetch(`${t.h.base}/api/buckets`)).status).toBe(200);

    // One of the first address's transfers ends: the waiting one starts.
    running.sockets[0].destroy();
    expect(await queued.statusLine).toBe('HTTP/1.1 200 OK');
  });

  it("destroys a stalled download's protocol connection as soon as its HTTP client disconnects", async () => {
    const stalled = await stalledDownloads(t.port, BIG, ['127.0.5.1']);
    t.held.push(stalled);
    expect(stalled.statusLines).toEqual(['HTTP/1.1 200 OK']);
    // The bucket server logs a download when it ends: this one is blocked writing a body nobody reads.
    const downloadsEnded = () => t.log.filter((l) => l.msg === 'command' && l.command === 'download').length;
    expect(downloadsEnded()).toBe(0);
    stalled.sockets[0].destroy();
    // It ends only when the gateway's end of the protocol connection goes.
    await expect.poll(() => downloadsEnded(), { message: 'the bucket server saw the download connection close', timeout: 10_000, interval: 20 }).toBe(1);
    await expect.poll(() => t.h.gateway.lanes.slots.of('127.0.5.1').running, { message: 'the address has its turn back', timeout: 10_000, interval: 20 }).toBe(0);
  });
});

describe('a transfer whose client left while it waited', () => {
  const t = laneHarness({ clientTransfers: 1, transfers: 512, clientWaiting: 4, waitMs: 30_000 });

  it('never starts a download on the bucket server', async () => {
    const downloadsRun = () => t.log.filter((l) => l.msg === 'command' && l.command === 'download').length;
    const running = await stalledDownloads(t.port, BIG, ['127.0.4.1']);
    t.held.push(running);
    const abandoned = await stalledDownload(t.port, SMALL, '127.0.4.1');
    await expect.poll(() => t.h.gateway.lanes.slots.of('127.0.4.1').waiting, { message: 'the second download waits its turn', timeout: 10_000, interval: 20 }).toBe(1);
    // Its client gives up while it waits.
    abandoned.socket.destroy();
    expect(await abandoned.statusLine).toBe('closed');
    // Then the running one ends, and the same address asks for one more file, which waits behind anything queued before it.
    running.sockets[0].destroy();
    await expect.poll(() => downloadsRun(), { message: 'the stalled download ended on the bucket server', timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(1);
    expect(await getFrom('127.0.4.1', `${t.h.base}${SMALL}`)).toEqual({ status: 200, body: 'small' });
    // The stalled download and this last one: the abandoned request never reached the bucket server.
    await expect.poll(() => downloadsRun(), { message: 'the last download was logged', timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    expect(downloadsRun()).toBe(2);
  });
});

describe('a transfer that waits too long for its turn', () => {
  const t = laneHarness({ clientTransfers: 1, transfers: 512, clientWaiting: 4, waitMs: 300 });

  it('is answered 429 in the error JSON shape, and the address is served again once its transfer ends', async () => {
    const running = await stalledDownloads(t.port, BIG, ['127.0.6.1']);
    t.held.push(running);
    const late = await getFrom('127.0.6.1', `${t.h.base}${SMALL}`);
    expect(late.status).toBe(429);
    expect(JSON.parse(late.body).error).toMatchObject({ reason: Reason.tooManyRequests, message: expect.stringMatching(/none finished within 300 ms/) });
    expect(t.h.gateway.lanes.slots.of('127.0.6.1')).toEqual({ running: 1, waiting: 0 });
    running.close();
    await expect.poll(() => t.h.gateway.lanes.slots.of('127.0.6.1').running, { message: 'the address has its turn back', timeout: 10_000, interval: 20 }).toBe(0);
    expect(await getFrom('127.0.6.1', `${t.h.base}${SMALL}`)).toEqual({ status: 200, body: 'small' });
  });
});

describe('a download whose client stops reading', () => {
  const t = laneHarness({ clientTransfers: 8, transfers: 512, stallMs: 200 });
  const downloadsEnded = () => t.log.filter((l) => l.msg === 'command' && l.command === 'download').length;

  /** A GET whose client reads the first bytes, then stops; `resume` reads the rest and hashes the whole body. */
  async function pausedGet(url: string) {
    const hash = createHash('sha256');
    let bytes = 0;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { localAddress: '127.0.7.1' }, resolve);
      req.on('error', reject);
      req.end();
    });
    res.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await new Promise((resolve) => res.once('data', resolve));
    res.pause();
    t.held.push({ sockets: [res.socket], close: () => res.destroy() });
    const outcome = new Promise<'ended' | 'aborted'>((resolve) => {
      res.once('end', () => resolve('ended'));
      res.once('error', () => resolve('aborted'));
      res.once('close', () => resolve(res.complete ? 'ended' : 'aborted'));
    });
    return {
      status: res.statusCode,
      async resume() {
        res.resume();
        return { outcome: await outcome, bytes, sha256: hash.digest('hex') };
      },
    };
  }

  it('lets go of the bucket server while the client waits, then sends the rest from where it stopped', async () => {
    const get = await pausedGet(`${t.h.base}${BIG}`);
    expect(get.status).toBe(200);
    // The bucket server's download ends while the HTTP client is still connected and has read almost nothing.
    await expect.poll(() => downloadsEnded(), { message: 'the stalled download let go of the bucket server', timeout: 10_000, interval: 20 }).toBe(1);
    const { outcome, bytes, sha256 } = await get.resume();
    expect(outcome).toBe('ended');
    expect(bytes).toBe(64 * MiB);
    expect(sha256).toBe(sha256Of(generated(64, MiB)));
    // The rest came from a second, ranged download (logged once the bucket server has closed the file, maybe after the last byte arrived).
    await expect.poll(() => downloadsEnded(), { message: 'the bucket server logged the ranged download', timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(2);
  });

  it('fails the response rather than splice two versions when the file changed meanwhile', async () => {
    const get = await pausedGet(`${t.h.base}${BIG}`);
    await expect.poll(() => downloadsEnded(), { message: 'the stalled download let go of the bucket server', timeout: 10_000, interval: 20 }).toBe(1);
    const client = await PailConnection.connect({ host: '127.0.0.1', port: t.h.serverPort });
    await client.upload('lanes', 'big.bin', generated(64, MiB + 1), { overwrite: true });
    await client.quit();
    const { outcome, bytes } = await get.resume();
    expect(outcome).toBe('aborted');
    expect(bytes).toBeLessThan(64 * MiB);
  });
});
