import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../../cli/exit.ts';
import { runPail, startInTerminal, startPail, startTestServer, tempFolder, type TestServer } from './harness.ts';

/** pail server, gateway and start: the real binary, on free loopback ports, stopped by a signal. */
let data: { path: string; remove(): Promise<void> };
let t: TestServer;

beforeAll(async () => {
  data = await tempFolder();
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
  await data.remove();
});

const SETTINGS = ['--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--s3-port', '0', '--log-level', 'silent'];

describe('running Pail', () => {
  it('pail server serves the protocol until SIGTERM', async () => {
    const server = startPail(['server', ...SETTINGS, '--data', data.path]);
    const [, address] = /bucket server on (\S+)/.exec(await server.waitFor('stdout', /bucket server on \S+ /))!;
    expect((await runPail(['mb', 'served', '--server', address])).status).toBe(0);
    expect((await runPail(['ls', '--server', address])).out).toMatch(/^served /m);
    server.signal('SIGTERM');
    expect(await server.exited).toEqual({ status: 0, signal: null });
  });

  it('logs readable lines on a terminal and JSON lines elsewhere', async () => {
    const logged = ['start', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--s3-port', '0', '--log-level', 'info', '--data', data.path];
    const onTerminal = startInTerminal(logged);
    const [, http] = /gateway on (http:\S+)/.exec(await onTerminal.waitFor('stdout', /gateway on http:\S+ /))!;
    expect((await fetch(`${http}/api/buckets`)).status).toBe(200);
    // One line per request, when it is answered.
    const screen = await onTerminal.waitFor('stdout', /GET \/api\/buckets .*status=200/);
    expect(screen).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO +bucket server listening address=127\.0\.0\.1 port=\d+/m);
    expect(screen).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO +GET \/api\/buckets reqId=\S+ status=200 ms=\d+ ip=127\.0\.0\.1\r?$/m);
    expect(screen).not.toMatch(/incoming request|request completed/);
    expect(screen).not.toContain('{"level"');
    onTerminal.signal('SIGTERM');
    await onTerminal.exited;
    const piped = startPail(logged);
    const text = await piped.waitFor('stdout', /gateway on http:/);
    expect(text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line).msg)).toContain('bucket server listening');
    piped.signal('SIGTERM');
    expect(await piped.exited).toEqual({ status: 0, signal: null });
  });

  it('pail start runs the bucket server, the gateway and the S3 listener, and prints their addresses', async () => {
    const both = startPail(['start', ...SETTINGS, '--data', data.path]);
    const text = await both.waitFor('stdout', /S3 on http:\S+/);
    const [, s3] = /S3 on (http:\S+) \(bucket server (\S+)\)/.exec(text)!;
    // An unsigned request: S3's XML error.
    const s3Answer = await fetch(`${s3}/`);
    expect(s3Answer.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(await s3Answer.text()).toMatch(/^<\?xml[^>]*>\s*<Error><Code>/);
    const [, tcp] = /bucket server on (\S+)/.exec(text)!;
    const [, http] = /gateway on (http:\S+) \(bucket server (\S+)\)/.exec(text)!;
    expect(text).toContain(`(bucket server ${tcp})`);
    expect((await runPail(['mb', 'through-start', '--server', tcp])).status).toBe(0);
    const response = await fetch(`${http}/api/buckets`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('through-start');
    // A share link the gateway makes points at the port the S3 listener picked (--s3-port 0), and works.
    expect((await fetch(`${http}/api/buckets/through-start/files/shared.txt`, { method: 'PUT', body: 'shared through start' })).status).toBe(201);
    const shared = await fetch(`${http}/api/buckets/through-start/share/shared.txt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ expiresIn: 3600 }),
    });
    const { url } = (await shared.json()) as { url: string };
    expect(url.startsWith(`${s3}/through-start/shared.txt?`)).toBe(true);
    expect(await (await fetch(url)).text()).toBe('shared through start');
    both.signal('SIGTERM');
    expect(await both.exited).toEqual({ status: 0, signal: null });
  });

  it('pail start (npm start) keeps data in ./data by default and honours the PAIL_ variables', async () => {
    const cwd = await tempFolder();
    try {
      const env = { PAIL_HOST: '127.0.0.1', PAIL_TCP_PORT: '0', PAIL_HTTP_PORT: '0', PAIL_S3_PORT: '0', PAIL_LOG_LEVEL: 'silent' };
      const both = startPail(['start'], { cwd: cwd.path, env });
      const text = await both.waitFor('stdout', /gateway on http:\S+/);
      expect(text).toMatch(/bucket server on 127\.0\.0\.1:\d+ \(data in \.\/data\)/);
      const [, tcp] = /bucket server on (\S+)/.exec(text)!;
      expect((await runPail(['mb', 'in-default-data', '--server', tcp])).status).toBe(0);
      expect(await readdir(join(cwd.path, 'data'))).toContain('in-default-data');
      both.signal('SIGTERM');
      expect(await both.exited).toEqual({ status: 0, signal: null });
    } finally {
      await cwd.remove();
    }
  });

  it('pail gateway fronts the bucket server named by --server', async () => {
    await t.client.createBucket('behind-gateway');
    const gateway = startPail(['gateway', ...SETTINGS, '--server', t.address]);
    const [, http] = /gateway on (http:\S+)/.exec(await gateway.waitFor('stdout', /gateway on http:\S+/))!;
    expect(await (await fetch(`${http}/api/buckets`)).text()).toContain('behind-gateway');
    gateway.signal('SIGTERM');
    expect(await gateway.exited).toEqual({ status: 0, signal: null });
  });

  it('pail s3 runs the S3 listener alone in front of the bucket server named by --server', async () => {
    const s3 = startPail(['s3', ...SETTINGS, '--server', t.address]);
    const [, endpoint, behind] = /S3 on (http:\S+) \(bucket server (\S+)\)/.exec(await s3.waitFor('stdout', /S3 on http:\S+ \(bucket server \S+\)/))!;
    expect(behind).toBe(t.address);
    const answer = await fetch(`${endpoint}/`);
    expect(answer.headers.get('content-type')).toBe('application/xml');
    s3.signal('SIGTERM');
    expect(await s3.exited).toEqual({ status: 0, signal: null });
  });

  it('pail s3 refuses to serve beyond loopback without PAIL_S3_KEYS, in a sentence', async () => {
    const run = await runPail(['s3', '--host', '0.0.0.0', '--s3-port', '0', '--server', t.address]);
    expect(run.status).toBe(Exit.usage);
    expect(run.stderr).toMatch(/^pail: refusing to serve the S3 listener on 0\.0\.0\.0 without key pairs set on purpose/);
  });

  it('refuses to serve beyond loopback without a token, in a sentence', async () => {
    const run = await runPail(['server', '--host', '0.0.0.0', '--port', '0', '--data', data.path]);
    expect(run.status).toBe(Exit.usage);
    expect(run.stderr).toMatch(/^pail: refusing to serve 0\.0\.0\.0 without an access token/);
  });

  it('a bad setting is a usage error naming the flag and its variable', async () => {
    const run = await runPail(['server', '--port', 'many']);
    expect(run.status).toBe(Exit.usage);
    expect(run.stderr).toBe('pail: --port (PAIL_TCP_PORT) takes a port number 0–65535, got "many"\n');
  });
});
