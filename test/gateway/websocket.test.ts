import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { JsonSocket, refusedUpgrade, startHarness, type Harness } from './harness.ts';

describe('events over WebSocket', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** An events socket, once the gateway's subscription is live. */
  async function subscribed(): Promise<JsonSocket> {
    const events = await JsonSocket.open(`${h.wsBase}/api/events`);
    await events.nextMatching((m) => m.type === 'status' && m.bucketServer === 'connected');
    return events;
  }

  it('delivers every change a raw protocol client makes, to every open browser', async () => {
    const [first, second] = [await subscribed(), await subscribed()];
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.createBucket('live');
    const stored = await client.upload('live', 'x.bin', Buffer.from('hello'));
    await client.deleteFile('live', 'x.bin');
    await client.deleteBucket('live');
    await client.quit();

    for (const events of [first, second]) {
      expect(await events.next()).toEqual({ type: 'event', event: { kind: 'bucket-created', bucket: 'live' } });
      expect(await events.next()).toEqual({
        type: 'event',
        event: { kind: 'file-uploaded', bucket: 'live', file: { bucket: 'live', name: 'x.bin', size: 5, sha256: stored.sha256, modified: stored.modified } },
      });
      expect(await events.next()).toEqual({ type: 'event', event: { kind: 'file-deleted', bucket: 'live', name: 'x.bin' } });
      expect(await events.next()).toEqual({ type: 'event', event: { kind: 'bucket-deleted', bucket: 'live' } });
      events.close();
    }
  });

  it('refuses a cross-origin upgrade of either endpoint', async () => {
    for (const path of ['/api/events', '/api/console']) {
      const refused = await refusedUpgrade(`${h.wsBase}${path}`, { origin: 'http://evil.example' });
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.body).error, path).toMatchObject({ reason: Reason.forbidden });
    }
  });

  it("accepts an upgrade from the gateway's own origin", async () => {
    const events = await JsonSocket.open(`${h.wsBase}/api/events`, { origin: h.base });
    expect((await events.next()).type).toBe('status');
    events.close();
  });
});

describe('protocol console over WebSocket', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('greets, then answers each command line with its reply lines', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    const greeting = await console.next();
    expect(greeting.type).toBe('lines');
    expect(greeting.lines[0]).toMatch(new RegExp(`^${Code.HELLO} HELLO `));

    console.send('create_b notes');
    expect((await console.next()).lines).toEqual([expect.stringMatching(new RegExp(`^${Code.BCS} BCS notes`))]);

    console.send('ls_b');
    const listing = (await console.next()).lines;
    expect(listing[0]).toMatch(new RegExp(`^${Code.BLS} BLS 1`));
    expect(listing[1]).toMatch(/^notes 0 0 /);

    console.send('create_b notes');
    expect((await console.next()).lines).toEqual([expect.stringMatching(new RegExp(`^${Code.BCF} BCF ${Reason.exists}`))]);
    console.close();
  });

  it('runs the lines of one message in order', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    console.send('create_b first\ncreate_b second');
    expect((await console.next()).lines[0]).toMatch(/BCS first/);
    expect((await console.next()).lines[0]).toMatch(/BCS second/);
    console.close();
  });

  it('refuses commands that carry a body, with a clear message', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    console.send('upload_f notes a.txt 5');
    const refused = await console.next();
    expect(refused).toEqual({
      type: 'error',
      error: { code: Code.BCMD, mnemonic: 'BCMD', reason: Reason.notNow, message: expect.stringContaining('carries a body') },
    });
    console.send('watch');
    expect((await console.next()).type).toBe('error');
    // The session is still in step after the refusals.
    console.send('help quit');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELP} HELP`));
    console.close();
  });

  it('closes the WebSocket after quit', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    console.send('quit');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BYE} BYE`));
    expect(await console.closeCode).toBe(1000);
  });
});
