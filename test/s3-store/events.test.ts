import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { startBucketServer } from '../../server/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import type { PailEvent } from '../../shared/protocol/types.ts';
import { JsonSocket } from '../gateway/harness.ts';
import { NEEDS_ENGINE, ownStore, TEST_STORE } from './engine.ts';

/** Issue 17: a browser watching through gateway A sees a change made through bucket server B within 2 s. */
const CROSS_SERVER_MS = 2_000;
const silent = pino({ level: 'silent' });

describe.skipIf(!TEST_STORE)(`live events across bucket servers over one engine (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  let serverA: BucketServer;
  let serverB: BucketServer;
  let gatewayA: FastifyInstance;
  let wsBase: string;

  beforeAll(async () => {
    serverA = await startBucketServer({ ...DEFAULTS, tcpPort: 0, store: url, logLevel: 'silent' }, silent);
    serverB = await startBucketServer({ ...DEFAULTS, tcpPort: 0, store: url, logLevel: 'silent' }, silent);
    gatewayA = await buildGateway({
      bucketServer: { host: '127.0.0.1', port: serverA.address().port },
      log: silent,
      maxFileSize: DEFAULTS.maxFileSize,
      maxLine: DEFAULTS.maxLine,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    await gatewayA.listen({ host: '127.0.0.1', port: 0 });
    wsBase = `ws://127.0.0.1:${(gatewayA.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gatewayA?.close();
    await serverA?.close();
    await serverB?.close();
  });

  it('a browser on gateway A sees each change made through bucket server B within 2 s, in order, once', async () => {
    const events = await JsonSocket.open(`${wsBase}/api/events`);
    await events.nextMatching((m) => m.type === 'status' && m.bucketServer === 'connected');
    const throughB = await PailConnection.connect({ host: '127.0.0.1', port: serverB.address().port });
    const delays: number[] = [];
    /** Makes a change through B and waits for its event on A's WebSocket. */
    async function seenOnA(change: () => Promise<unknown>, expected: (event: PailEvent) => boolean): Promise<PailEvent> {
      const started = Date.now();
      await change();
      const message = await events.nextMatching((m) => m.type === 'event', CROSS_SERVER_MS);
      delays.push(Date.now() - started);
      expect(expected(message.event), JSON.stringify(message.event)).toBe(true);
      return message.event;
    }
    try {
      await seenOnA(() => throughB.createBucket('live'), (e) => e.kind === 'bucket-created' && e.bucket === 'live');
      let stored: { sha256: string } | undefined;
      const uploaded = await seenOnA(
        async () => (stored = await throughB.upload('live', 'dir/x.bin', Buffer.from('from server B'))),
        (e) => e.kind === 'file-uploaded' && e.file.name === 'dir/x.bin',
      );
      expect(uploaded).toMatchObject({ kind: 'file-uploaded', bucket: 'live', file: { name: 'dir/x.bin', size: 13, sha256: stored!.sha256 } });
      await seenOnA(() => throughB.deleteFile('live', 'dir/x.bin'), (e) => e.kind === 'file-deleted' && e.name === 'dir/x.bin');
      await seenOnA(() => throughB.deleteBucket('live'), (e) => e.kind === 'bucket-deleted' && e.bucket === 'live');
    } finally {
      await throughB.quit();
    }
    console.log(`events from bucket server B seen on gateway A after ${delays.join(', ')} ms`);
    // Each change once: nothing more arrives within another poll window.
    await expect(events.nextMatching((m) => m.type === 'event', 1_000)).rejects.toThrow(/no message/);
    events.close();
  });

  it("a bucket server hands on its own changes once, not again when it reads the engine's event log", async () => {
    const onA: PailEvent[] = [];
    serverA.storage.on('change', (event) => onA.push(event));
    const throughA = await PailConnection.connect({ host: '127.0.0.1', port: serverA.address().port });
    const throughB = await PailConnection.connect({ host: '127.0.0.1', port: serverB.address().port });
    try {
      await throughA.createBucket('own');
      await throughA.upload('own', 'once.txt', Buffer.from('once'));
      await throughA.deleteFile('own', 'once.txt');
      await throughA.deleteBucket('own');
      // A change through B after them: the poll of A's that brings it has listed A's own events too.
      const marked = new Promise<void>((resolve) => {
        serverA.storage.on('change', (event) => {
          if (event.kind === 'bucket-created' && event.bucket === 'marker') resolve();
        });
      });
      await throughB.createBucket('marker');
      await marked;
      await throughB.deleteBucket('marker');
    } finally {
      await throughA.quit();
      await throughB.quit();
    }
    expect(onA.slice(0, 5).map((e) => `${e.kind} ${e.bucket}`)).toEqual(['bucket-created own', 'file-uploaded own', 'file-deleted own', 'bucket-deleted own', 'bucket-created marker']);
  });
});
