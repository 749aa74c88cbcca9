import { createHash, randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage, SYSTEM_BUCKET } from '../../server/storage/s3/s3-storage.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { parseStoreUrl } from '../../shared/config/store-url.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';
import { ENGINE_TEST_OPTIONS, NEEDS_ENGINE, ownStore, rawEngine, TEST_STORE } from './engine.ts';
import { gate, heldBody } from './held-body.ts';

/**
 * Issue 17's fault tests on the s3 backend: a bucket server (a real `pail server` process) killed with
 * SIGKILL in the middle of an upload staged in the engine (above the 8 MiB of one PutObject), and in the
 * middle of an upload session's part. Nothing of it shows, another server serves the old version, a retry
 * succeeds, and what the dead server left in the system bucket is swept (driven by the sweep's `now`).
 */
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The sweep removes staging leftovers older than a day (s3-sessions.ts): a sweep "a day and more later". */
const LATER = 25 * 3_600_000;

async function bytesOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe.skipIf(!TEST_STORE)(`a bucket server killed with SIGKILL mid-upload, on the s3 backend (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  const system = TEST_STORE ? parseStoreUrl(url).prefix + SYSTEM_BUCKET : '';
  let engine: S3Client;
  let victim: ChildServer;
  let survivor: ChildServer;
  let sweeper: S3Storage;
  const connections: PailConnection[] = [];
  const connect = async (server: ChildServer) => {
    const connection = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    connections.push(connection);
    return connection;
  };
  /** The system bucket's multipart uploads (staging bodies being received) and its objects under a prefix. */
  const stagingUploads = async () => (await engine.send(new ListMultipartUploadsCommand({ Bucket: system }))).Uploads ?? [];
  const systemKeys = async (prefix: string) => ((await engine.send(new ListObjectsV2Command({ Bucket: system, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    engine = rawEngine(url);
    victim = await startChildServer({ env: { PAIL_STORE: url } });
    survivor = await startChildServer({ env: { PAIL_STORE: url } });
    sweeper = await S3Storage.open(url, ENGINE_TEST_OPTIONS);
  });
  afterAll(async () => {
    for (const c of connections) c.destroy();
    await victim?.stop();
    await survivor?.stop();
    await sweeper?.close();
    engine?.destroy();
  });

  it('of a 64 MiB file: nothing shows, the other server serves the old version or no-such-file, a retry succeeds, the staging is swept', async () => {
    const other = await connect(survivor);
    await other.createBucket('kill');
    const old = randomBytes(MiB);
    await other.upload('kill', 'over.bin', old);

    const big = randomBytes(64 * MiB);
    const doomed = await connect(victim);
    const { hold, release } = gate();
    // One new file and one overwrite, each stopped after 24 MiB (a part staged, the next being received).
    const uploads = [
      doomed.upload('kill', 'new.bin', heldBody(big, 24 * MiB, hold), { size: big.length }),
      (await connect(victim)).upload('kill', 'over.bin', heldBody(big, 24 * MiB, hold), { size: big.length, overwrite: true }),
    ];
    const settled = Promise.allSettled(uploads);
    await expect.poll(async () => (await stagingUploads()).length, { message: 'both uploads are being staged', timeout: 30_000, interval: 50 }).toBe(2);
    await victim.kill();
    release();
    expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected']);

    await expect(other.stat('kill', 'new.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    expect((await other.stat('kill', 'over.bin')).sha256).toBe(sha(old));
    expect(sha(await bytesOf((await other.download('kill', 'over.bin')).body))).toBe(sha(old));
    expect((await other.listFiles('kill')).map((f) => `${f.name} ${f.size}`)).toEqual([`over.bin ${old.length}`]);

    // The retry through the other server.
    expect((await other.upload('kill', 'new.bin', big)).sha256).toBe(sha(big));
    expect((await other.upload('kill', 'over.bin', big, { overwrite: true })).sha256).toBe(sha(big));
    expect(sha(await bytesOf((await other.download('kill', 'over.bin')).body))).toBe(sha(big));

    // The dead server's staging uploads stay until a sweep finds them older than a day, then go.
    expect(await stagingUploads()).toHaveLength(2);
    await sweeper.sweepUploads(Date.now());
    expect(await stagingUploads()).toHaveLength(2);
    await sweeper.sweepUploads(Date.now() + LATER);
    expect(await stagingUploads()).toEqual([]);
    expect(await systemKeys('staging/')).toEqual([]);
    expect(await systemKeys('claims/')).toEqual([]);
  });

  it("of an upload session's part: the session holds what was acknowledged, a retry of the part through the other server completes it, leftovers are swept", async () => {
    victim = await startChildServer({ env: { PAIL_STORE: url } });
    const other = await connect(survivor);
    await other.createBucket('parts');
    const body = randomBytes(64 * MiB);
    const doomed = await connect(victim);
    const id = await doomed.beginUpload('parts', 'session.bin', { size: body.length });
    await doomed.writePart(id, 0, body.subarray(0, 16 * MiB));
    const { hold, release } = gate();
    const part = doomed.writePart(id, 16 * MiB, heldBody(body.subarray(16 * MiB), 24 * MiB, hold), { size: body.length - 16 * MiB });
    const settled = part.then(
      () => 'stored',
      () => 'refused',
    );
    await expect.poll(async () => (await stagingUploads()).length, { message: 'the part is being staged', timeout: 30_000, interval: 50 }).toBe(1);
    await victim.kill();
    release();
    expect(await settled).toBe('refused');

    // Only the acknowledged part is held; nothing of the file shows.
    expect((await other.uploadStatus(id)).ranges).toEqual([{ offset: 0, length: 16 * MiB }]);
    await expect(other.stat('parts', 'session.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    await other.writePart(id, 16 * MiB, body.subarray(16 * MiB));
    expect((await other.completeUpload(id)).sha256).toBe(sha(body));
    expect(sha(await bytesOf((await other.download('parts', 'session.bin')).body))).toBe(sha(body));
    expect(await systemKeys(`sessions/${id}/`)).toEqual([]);

    // A session the dead server began and nobody finishes goes once past its time to live, with its pieces.
    victim = await startChildServer({ env: { PAIL_STORE: url } });
    const abandoned = await (await connect(victim)).beginUpload('parts', 'abandoned.bin', { size: 2 * MiB });
    await (await connect(victim)).writePart(abandoned, 0, body.subarray(0, MiB));
    await victim.kill();
    expect(await systemKeys(`sessions/${abandoned}/`)).toHaveLength(2);
    await sweeper.sweepUploads(Date.now() + LATER);
    expect(await systemKeys(`sessions/${abandoned}/`)).toEqual([]);
    await expect(other.uploadStatus(abandoned)).rejects.toMatchObject({ reason: 'no-such-upload' });
    expect(await stagingUploads()).toEqual([]);
    expect(await systemKeys('staging/')).toEqual([]);
  });
});
