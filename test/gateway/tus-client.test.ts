import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { PAIL } from '../cli/harness.ts';
import { cuttingProxy, type CuttingProxy } from '../helpers/cutting-proxy.ts';
import { tusUpload } from '../helpers/tus-upload.ts';
import { postJson, startHarness, type Harness } from './harness.ts';
import { fileBytes, sha256 } from './tus-helpers.ts';

const MiB = 1 << 20;
const SIZE = 6 * MiB;
const CHUNK = MiB;
/** Headers of every request sent: far below one chunk, whatever the retries. */
const HEADER_ALLOWANCE = 64 * 1024;
/** Each upload's own bound; a test takes well under a second on an idle machine, far longer on a loaded one (synced parts). */
const UPLOAD_MS = 120_000;
const TEST_MS = UPLOAD_MS + 30_000;

/** The SHA-256 of a file as downloaded through the gateway (comparing MiBs with toEqual takes vitest minutes). */
async function storedDigest(h: Harness, bucket: string, key: string): Promise<string> {
  const bytes = await fileBytes(h, bucket, key);
  return typeof bytes === 'number' ? `status ${bytes}` : sha256(bytes);
}

describe('tus-js-client through the gateway', () => {
  let h: Harness;
  let owner: PailConnection;
  let proxy: CuttingProxy | undefined;
  beforeAll(async () => {
    h = await startHarness();
    expect((await postJson(`${h.base}/api/buckets`, { name: 'client' })).status).toBe(201);
    owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
  });
  afterAll(async () => {
    await proxy?.close();
    await owner.quit();
    await h.close();
  });

  it('uploads several MiB in chunks with its connection cut three times mid-PATCH: the file is whole, and each cut cost at most a chunk', async () => {
    const bytes = randomBytes(SIZE);
    const gatewayPort = Number(new URL(h.base).port);
    // Mid-chunk, counted in bytes sent towards the gateway (headers and bytes sent again included).
    proxy = await cuttingProxy(gatewayPort, [1.5 * MiB, 3.25 * MiB, 5.6 * MiB].map(Math.round));
    const run = await tusUpload(bytes, {
      endpoint: `${proxy.base}/api/uploads`,
      bucket: 'client',
      key: 'cut-three-times.bin',
      chunkSize: CHUNK,
      sha256: sha256(bytes),
      timeoutMs: UPLOAD_MS,
    });
    expect(proxy.cuts).toBe(3);
    expect(run.retries).toBeGreaterThanOrEqual(3);
    // Resumed each time (HEAD, then PATCH from the offset held), never begun again.
    expect(run.requests.POST).toBe(1);
    expect(run.requests.HEAD).toBeGreaterThanOrEqual(3);
    expect(run.digest).toBe(sha256(bytes));
    expect((await owner.stat('client', 'cut-three-times.bin')).sha256).toBe(sha256(bytes));
    expect(await storedDigest(h, 'client', 'cut-three-times.bin')).toBe(sha256(bytes));
    const sentAgain = proxy.upstreamBytes - SIZE;
    console.log(`tus-js-client, ${SIZE / MiB} MiB in ${CHUNK / MiB} MiB chunks, 3 cuts: ${sentAgain} bytes sent beyond the file (${(sentAgain / MiB).toFixed(2)} MiB)`);
    expect(sentAgain).toBeGreaterThan(0);
    // A cut costs at most the chunk it cut; so does a PATCH refused 409 because the bucket server had not yet
    // seen the cut connection go (its part still being written) when the retry came, which tus-js-client retries.
    const refused = run.responses['PATCH 409'] ?? 0;
    expect(sentAgain).toBeLessThanOrEqual((3 + refused) * CHUNK + HEADER_ALLOWANCE);
    expect(await owner.listUploads('client')).toEqual([]);
  }, TEST_MS);

  it('uploads a stream of a length it learns at the end (Upload-Defer-Length)', async () => {
    const bytes = randomBytes(3 * MiB + 123);
    const run = await tusUpload(Readable.from([bytes.subarray(0, MiB), bytes.subarray(MiB)]), {
      endpoint: `${h.base}/api/uploads`,
      bucket: 'client',
      key: 'deferred-stream.bin',
      chunkSize: MiB,
      deferLength: true,
      timeoutMs: UPLOAD_MS,
    });
    expect(run.digest).toBe(sha256(bytes));
    expect(await storedDigest(h, 'client', 'deferred-stream.bin')).toBe(sha256(bytes));
  }, TEST_MS);
});

describe('a gateway restarted mid-upload', () => {
  let h: Harness;
  let owner: PailConnection;
  let proxy: CuttingProxy | undefined;
  const gateways: ChildProcess[] = [];
  beforeAll(async () => {
    h = await startHarness();
    owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('restart');
  });
  afterAll(async () => {
    for (const gateway of gateways) if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
    await proxy?.close();
    await owner.quit();
    await h.close();
  });

  /** `pail gateway` in a process of its own, in front of the harness's bucket server; resolves once it listens. */
  async function startGatewayProcess(): Promise<{ child: ChildProcess; port: number }> {
    const args = ['gateway', '--host', '127.0.0.1', '--http-port', '0', '--server', `127.0.0.1:${h.serverPort}`, '--log-level', 'silent'];
    const child = spawn(process.execPath, [PAIL, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    gateways.push(child);
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (text: string) => {
        output += text;
        const match = /gateway on (http:\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`pail gateway exited with ${code}: ${output}`)));
    });
    return { child, port: Number(new URL(url).port) };
  }

  it('resumes on a new gateway process against the same bucket server, after the first was killed (kill -9) mid-upload', async () => {
    const bytes = randomBytes(SIZE);
    const first = await startGatewayProcess();
    // Started before the kill, so the upload's retries find it at once.
    const second = await startGatewayProcess();
    proxy = await cuttingProxy(first.port, []);
    let heldAtKill = -1;
    const run = await tusUpload(bytes, {
      endpoint: `${proxy.base}/api/uploads`,
      bucket: 'restart',
      key: 'across-gateways.bin',
      chunkSize: CHUNK / 2,
      sha256: sha256(bytes),
      timeoutMs: UPLOAD_MS,
      onChunk: (held) => {
        if (heldAtKill >= 0 || held < 2 * MiB) return;
        heldAtKill = held;
        first.child.kill('SIGKILL');
        proxy!.targetPort = second.port;
      },
    });
    if (first.child.signalCode === null) await once(first.child, 'exit');
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(heldAtKill).toBeGreaterThanOrEqual(2 * MiB);
    expect(proxy.connectionsTo(second.port)).toBeGreaterThan(0);
    expect(run.requests.POST).toBe(1);
    expect(run.digest).toBe(sha256(bytes));
    expect(await storedDigest(h, 'restart', 'across-gateways.bin')).toBe(sha256(bytes));
    // What was held when the first gateway died was not sent again: at most the chunk it was cut in.
    expect(proxy.upstreamBytes - SIZE).toBeLessThanOrEqual((1 + (run.responses['PATCH 409'] ?? 0)) * (CHUNK / 2) + HEADER_ALLOWANCE);
  }, TEST_MS);
});
