import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/main.ts';
import { DEFAULTS, StartupError, type Settings } from '../../shared/config/settings.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { jsonOf } from './harness.ts';

describe('startGateway', () => {
  const log = pino({ level: 'silent' });
  let data: string;
  let server: BucketServer;
  let settings: Settings;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'pail-gateway-main-'));
    server = await startBucketServer({ ...DEFAULTS, tcpPort: 0, data, logLevel: 'silent' }, log);
    settings = { ...DEFAULTS, httpPort: 0, server: `127.0.0.1:${server.address().port}`, logLevel: 'silent' };
  });
  afterAll(async () => {
    await server.close();
    await rm(data, { recursive: true, force: true });
  });

  it('listens on the host and port of the settings and talks to the bucket server they name', async () => {
    const gateway = await startGateway(settings, log);
    try {
      expect(gateway.address.address).toBe(DEFAULTS.host);
      const response = await fetch(`http://127.0.0.1:${gateway.address.port}/api/buckets`);
      expect(response.status).toBe(200);
      expect(await jsonOf(response)).toEqual({ buckets: [] });
    } finally {
      await gateway.close();
    }
  });

  it('rejects when its port is taken', async () => {
    const first = await startGateway(settings, log);
    try {
      await expect(startGateway({ ...settings, httpPort: first.address.port }, log)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('refuses to serve an address beyond loopback without a token, where anyone could reach it without a login', async () => {
    await expect(startGateway({ ...settings, host: '0.0.0.0' }, log)).rejects.toThrow(StartupError);
    await expect(startGateway({ ...settings, host: '192.0.2.1' }, log)).rejects.toThrow(/without an access token/);
  });

  it('with a token, goes on to bind an address beyond loopback (one this machine lacks, so nothing is exposed)', async () => {
    // 192.0.2.1 is TEST-NET-1: the bind itself fails, after the refusal would have been made.
    const started = startGateway({ ...settings, host: '192.0.2.1', token: 'sesame' }, log);
    await expect(started).rejects.toThrow(/EADDRNOTAVAIL/);
    await expect(started).rejects.not.toThrow(StartupError);
  });

  it('with a token, asks every API request for a login and takes the token as a bearer', async () => {
    const gateway = await startGateway({ ...settings, token: 'sesame' }, log);
    try {
      const url = `http://127.0.0.1:${gateway.address.port}/api/buckets`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect((await jsonOf(refused)).error).toMatchObject({ code: Code.NOAUTH, reason: Reason.authRequired });
      const allowed = await fetch(url, { headers: { authorization: 'Bearer sesame' } });
      expect(allowed.status).toBe(200);
      expect(await jsonOf(allowed)).toEqual({ buckets: [] });
    } finally {
      await gateway.close();
    }
  });
});
