import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PailConnection } from '../../shared/client/connection.ts';
import { startHarness, type Harness } from './harness.ts';
import { generated } from './streams.ts';

/**
 * Conditional and range downloads learn a file's figures with stat and are
 * served from that same version: a file overwritten between the stat and the
 * bytes is never served as a splice of two versions.
 */
const MiB = 1 << 20;
const FILE = '/api/buckets/versions/files/doc.txt';
const HOLD = '/api/buckets/versions/files/big.bin';
const V1 = 'version one: 0123456789';
const V2 = 'VERSION TWO: abcdefghij';
const ADDRESS = '127.0.9.1';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type LogLine = { msg: string; command?: string };

let h: Harness;
let log: LogLine[];
let held: IncomingMessage[];

beforeEach(async () => {
  log = [];
  held = [];
  const serverLog = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
  // One transfer at a time per address, so a request can be made to wait for its turn between its stat and its download.
  h = await startHarness({ serverLog, gateway: { lanes: { clientTransfers: 1, transfers: 64, clientWaiting: 4, waitMs: 30_000 } } });
  const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
  await client.createBucket('versions');
  await client.upload('versions', 'doc.txt', Buffer.from(V1));
  await client.upload('versions', 'big.bin', generated(32, MiB));
  await client.quit();
});

afterEach(async () => {
  for (const res of held) res.destroy();
  await h.close();
});

/** A GET from ADDRESS, resolved once its headers arrive. */
function get(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.base}${path}`, { localAddress: ADDRESS, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function text(res: IncomingMessage): Promise<string> {
  res.setEncoding('latin1');
  let body = '';
  for await (const chunk of res) body += chunk;
  return body;
}

const commandsRun = () => log.filter((l) => l.msg === 'command').map((l) => l.command);

describe('conditional and range downloads', () => {
  it("HEAD, If-None-Match and Range learn the file's figures by stat, never by a download", async () => {
    const head = await fetch(`${h.base}${FILE}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('etag')]).toEqual([200, String(V1.length), `"${sha256(V1)}"`]);
    const notModified = await fetch(`${h.base}${FILE}`, { headers: { 'if-none-match': `"${sha256(V1)}"` } });
    expect(notModified.status).toBe(304);
    await expect.poll(() => commandsRun().filter((c) => c === 'stat').length, { message: 'the bucket server logged both stats', timeout: 10_000, interval: 20 }).toBe(2);
    expect(commandsRun()).not.toContain('download');

    const range = await fetch(`${h.base}${FILE}`, { headers: { range: 'bytes=13-' } });
    expect([range.status, range.headers.get('content-range'), await range.text()]).toEqual([206, `bytes 13-22/${V1.length}`, '0123456789']);
    await expect.poll(() => commandsRun().includes('download'), { message: 'the bucket server logged the download', timeout: 10_000, interval: 20 }).toBe(true);
    expect(commandsRun().filter((c) => c === 'stat')).toHaveLength(3);
  });

  it('serves a resumed range (If-Range) of a file overwritten after its stat as the new version whole, never spliced', async () => {
    // Holds the address's one transfer, so the next request waits for its turn after its stat.
    const holder = await get(HOLD);
    held.push(holder);
    holder.pause();
    const resumed = get(FILE, { range: 'bytes=13-', 'if-range': `"${sha256(V1)}"` });
    await expect.poll(() => h.gateway.lanes.slots.of(ADDRESS).waiting, { message: 'the ranged request has stat and waits for its turn', timeout: 10_000, interval: 20 }).toBe(1);
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.upload('versions', 'doc.txt', Buffer.from(V2), { overwrite: true });
    await client.quit();
    holder.destroy();

    const res = await resumed;
    const body = await text(res);
    // The client's If-Range names version one: bytes of version two may only come as the whole file, with its own tag.
    expect([res.statusCode, res.headers.etag, body]).toEqual([200, `"${sha256(V2)}"`, V2]);
  });

  it('works out a plain range again on the new version when the file was overwritten after its stat', async () => {
    const holder = await get(HOLD);
    held.push(holder);
    holder.pause();
    const ranged = get(FILE, { range: 'bytes=-10' });
    await expect.poll(() => h.gateway.lanes.slots.of(ADDRESS).waiting, { message: 'the ranged request has stat and waits for its turn', timeout: 10_000, interval: 20 }).toBe(1);
    const shorter = 'short v3: ABCDE';
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.upload('versions', 'doc.txt', Buffer.from(shorter), { overwrite: true });
    await client.quit();
    holder.destroy();

    const res = await ranged;
    // The last 10 bytes of the version served, with that version's size and tag.
    expect([res.statusCode, res.headers['content-range'], res.headers.etag, await text(res)]).toEqual([
      206,
      `bytes 5-14/${shorter.length}`,
      `"${sha256(shorter)}"`,
      shorter.slice(-10),
    ]);
  });
});
