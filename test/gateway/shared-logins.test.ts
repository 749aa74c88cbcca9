import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginCookies } from '../../gateway/auth/login-cookie.ts';
import { startGateway } from '../../gateway/main.ts';
import { DEFAULTS, type Settings } from '../../shared/config/settings.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';
import { JsonSocket, jsonOf, postJson, refusedUpgrade } from './harness.ts';

/**
 * Issue 17, several gateways behind one address: a login made on one is
 * honoured by the others and by a restarted one, with nothing shared between
 * them but the tokens. Gateway A runs as `pail gateway` in a process of its
 * own; B and C are built in this process from settings of their own.
 */

const TOKEN = 'shared-full-token';
const READ_TOKEN = 'shared-read-token';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pail.js');
const silent = pino({ level: 'silent' });

interface Gateway {
  readonly base: string;
  readonly wsBase: string;
  close(): Promise<void>;
}

/** `pail gateway` in a child process, on an ephemeral loopback port, with the tokens in its environment. */
async function gatewayProcess(serverPort: number, env: Record<string, string>): Promise<Gateway> {
  const args = [BIN, 'gateway', '--host', '127.0.0.1', '--http-port', '0', '--server', `127.0.0.1:${serverPort}`, '--log-level', 'info'];
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pail gateway did not listen within 30 s')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"gateway listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`pail gateway exited with ${code} before listening`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A gateway built in this process from settings of its own. */
async function gatewayHere(serverPort: number, access: Partial<Settings>): Promise<Gateway> {
  const settings: Settings = { ...DEFAULTS, host: '127.0.0.1', httpPort: 0, server: `127.0.0.1:${serverPort}`, logLevel: 'silent', ...access };
  const gateway = await startGateway(settings, silent);
  const { port } = gateway.address;
  return { base: `http://127.0.0.1:${port}`, wsBase: `ws://127.0.0.1:${port}`, close: () => gateway.close() };
}

async function login(gateway: Gateway, token: string): Promise<string> {
  const response = await postJson(`${gateway.base}/api/login`, { token });
  expect(response.status).toBe(200);
  await response.text();
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

/** The status of an API call with a cookie, its body read. */
async function statusWith(gateway: Gateway, cookie: string, path = '/api/buckets', init: RequestInit = {}): Promise<number> {
  const response = await fetch(`${gateway.base}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
  await response.text();
  return response.status;
}

/** Opens the console with a cookie and runs one line: its greeting and the reply. */
async function consoleLine(gateway: Gateway, cookie: string, line: string): Promise<{ greeting: string; reply: string }> {
  const console = await JsonSocket.open(`${gateway.wsBase}/api/console`, { headers: { cookie } });
  try {
    const greeting = (await console.next()).lines[0];
    console.send(line);
    return { greeting, reply: (await console.next()).lines[0] };
  } finally {
    console.close();
  }
}

describe('logins across gateways (one bucket server that requires the token)', () => {
  let server: TestServer;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    server = await startTestServer({ token: TOKEN, readToken: READ_TOKEN });
    const port = server.port;
    [a, b] = await Promise.all([
      gatewayProcess(port, { PAIL_TOKEN: TOKEN, PAIL_READ_TOKEN: READ_TOKEN }),
      gatewayHere(port, { token: TOKEN, readToken: READ_TOKEN }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.close();
  });

  it('honours a login made on A on B, for an API call, the console and the events WebSocket', async () => {
    const cookie = await login(a, TOKEN);
    expect(await statusWith(b, cookie)).toBe(200);
    expect(await jsonOf(await fetch(`${b.base}/api/session`, { headers: { cookie } }))).toEqual({ access: 'full', login: true });
    expect(await statusWith(b, cookie, '/api/buckets', { method: 'POST', body: JSON.stringify({ name: 'made-on-b' }), headers: { 'content-type': 'application/json' } })).toBe(201);
    const { greeting, reply } = await consoleLine(b, cookie, 'create_b from-b-console');
    expect(greeting).toMatch(new RegExp(`^${Code.HELLO} HELLO`));
    expect(reply).toMatch(new RegExp(`^${Code.BCS} BCS from-b-console`));
    const events = await JsonSocket.open(`${b.wsBase}/api/events`, { headers: { cookie } });
    expect((await events.next()).type).toBe('status');
    events.close();
  });

  it('keeps a read-only login read-only on the other gateway, its console included', async () => {
    const cookie = await login(a, READ_TOKEN);
    expect(await jsonOf(await fetch(`${b.base}/api/session`, { headers: { cookie } }))).toEqual({ access: 'read', login: true });
    expect(await statusWith(b, cookie)).toBe(200);
    expect(await statusWith(b, cookie, '/api/buckets', { method: 'POST', body: JSON.stringify({ name: 'nope' }), headers: { 'content-type': 'application/json' } })).toBe(403);
    expect((await consoleLine(b, cookie, 'create_b nope')).reply).toMatch(new RegExp(`^${Code.BCF} BCF ${Reason.forbidden}`));
  });

  it('honours a login after its gateway restarts: A stopped and started anew', async () => {
    const cookie = await login(a, TOKEN);
    expect(await statusWith(a, cookie)).toBe(200);
    await a.close();
    a = await gatewayProcess(server.port, { PAIL_TOKEN: TOKEN, PAIL_READ_TOKEN: READ_TOKEN });
    expect(await statusWith(a, cookie)).toBe(200);
    expect((await consoleLine(a, cookie, 'ls_b')).greeting).toMatch(new RegExp(`^${Code.HELLO} HELLO`));
  }, 60_000);

  it('refuses a forged or altered cookie on every gateway: rights flipped, expiry extended, signed with another token', async () => {
    const read = (await login(a, READ_TOKEN)).replace(/^pail_session=/, '');
    const [access, issued, expires, id, mac] = read.split('.');
    expect(access).toBe('read');
    const otherToken = await LoginCookies.create({ token: 'not-the-token', readToken: 'not-the-read-token' }, DEFAULTS.sessionTtlMs);
    const forged = {
      'rights flipped': `full.${issued}.${expires}.${id}.${mac}`,
      'expiry extended': `read.${issued}.${Number(expires) + 3_600_000}.${id}.${mac}`,
      'issued later': `read.${Number(issued) + 3_600_000}.${expires}.${id}.${mac}`,
      'id changed': `read.${issued}.${expires}.${'B'.repeat(22)}.${mac}`,
      'signature cut': `read.${issued}.${expires}.${id}.${mac.slice(0, 20)}`,
      'signed with another token': otherToken.issue('full'),
      'read login signed with another read token': otherToken.issue('read'),
    };
    for (const [what, value] of Object.entries(forged)) {
      for (const gateway of [a, b]) {
        const response = await fetch(`${gateway.base}/api/buckets`, { headers: { cookie: `pail_session=${value}` } });
        expect(response.status, what).toBe(401);
        expect((await jsonOf(response)).error, what).toMatchObject({ code: Code.NOAUTH, reason: Reason.authRequired });
        expect((await refusedUpgrade(`${gateway.wsBase}/api/console`, { headers: { cookie: `pail_session=${value}` } })).status, what).toBe(401);
      }
    }
    // The genuine one still works.
    expect(await statusWith(b, `pail_session=${read}`)).toBe(200);
  });

  it('refuses an expired cookie, one signed right but ended a moment ago', async () => {
    const cookies = await LoginCookies.create({ token: TOKEN, readToken: READ_TOKEN }, DEFAULTS.sessionTtlMs);
    const now = Date.now();
    const ended = cookies.sign({ access: 'full', id: 'C'.repeat(22), issuedAt: now - 60_000, expiresAt: now - 1 });
    const live = cookies.sign({ access: 'full', id: 'C'.repeat(22), issuedAt: now - 60_000, expiresAt: now + 60_000 });
    for (const gateway of [a, b]) {
      expect(await statusWith(gateway, `pail_session=${ended}`)).toBe(401);
      expect((await refusedUpgrade(`${gateway.wsBase}/api/console`, { headers: { cookie: `pail_session=${ended}` } })).status).toBe(401);
      // The same login signed as still running is honoured: the signing is the gateways' own.
      expect(await statusWith(gateway, `pail_session=${live}`)).toBe(200);
    }
  });
});

describe('logins after the token changes', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The bucket server asks for no token here: the change under test is the gateways' setting.
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** A full and a read-only login made on a gateway of these tokens, the gateway closed after. */
  async function loginsUnder(token: string, readToken: string): Promise<{ full: string; read: string }> {
    const before = await gatewayHere(server.port, { token, readToken });
    try {
      return { full: await login(before, token), read: await login(before, readToken) };
    } finally {
      await before.close();
    }
  }

  it('are refused when made under the old token, full and read-only alike, while new ones work', async () => {
    const { full, read } = await loginsUnder('token-before', 'read-before');

    const after = await gatewayHere(server.port, { token: 'token-after', readToken: 'read-after' });
    try {
      for (const cookie of [full, read]) {
        const response = await fetch(`${after.base}/api/buckets`, { headers: { cookie } });
        expect(response.status).toBe(401);
        expect((await jsonOf(response)).error).toMatchObject({ reason: Reason.authRequired, message: expect.stringContaining('log in again') });
        expect((await refusedUpgrade(`${after.wsBase}/api/console`, { headers: { cookie } })).status).toBe(401);
      }
      expect(await statusWith(after, await login(after, 'token-after'))).toBe(200);
    } finally {
      await after.close();
    }
  });

  it('of one token stay valid when only the other changes: each token signs its own logins', async () => {
    // So a read-only login's cookie depends on the read token alone, and tells its holder nothing about the full token.
    const { full, read } = await loginsUnder('full-before', 'read-before');
    const readChanged = await gatewayHere(server.port, { token: 'full-before', readToken: 'read-after' });
    try {
      expect(await statusWith(readChanged, full)).toBe(200);
      expect(await statusWith(readChanged, read)).toBe(401);
    } finally {
      await readChanged.close();
    }
    const fullChanged = await gatewayHere(server.port, { token: 'full-after', readToken: 'read-before' });
    try {
      expect(await statusWith(fullChanged, full)).toBe(401);
      expect(await statusWith(fullChanged, read)).toBe(200);
    } finally {
      await fullChanged.close();
    }
  });
});

/** POST /api/login from a given loopback address; the status. */
function loginFrom(gateway: Gateway, localAddress: string, token: string): Promise<number> {
  const body = JSON.stringify({ token });
  return new Promise((resolve, reject) => {
    const sent = request(`${gateway.base}/api/login`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    sent.once('error', reject);
    sent.end(body);
  });
}

describe('the login attempt limit with several gateways', () => {
  let server: TestServer;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    server = await startTestServer();
    const port = server.port;
    [a, b] = await Promise.all([gatewayHere(port, { token: TOKEN, loginLimit: 3 }), gatewayHere(port, { token: TOKEN, loginLimit: 3 })]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await server.close();
  });

  it('counts per client address, and each gateway process counts its own', async () => {
    for (let i = 0; i < 3; i++) expect(await loginFrom(a, '127.0.0.2', `guess-${i}`)).toBe(401);
    expect(await loginFrom(a, '127.0.0.2', TOKEN)).toBe(429);
    // Another address is not held back by the first one's failures…
    expect(await loginFrom(a, '127.0.0.3', TOKEN)).toBe(200);
    // …and no count is shared: behind one address, N gateways allow N times the limit (documented).
    expect(await loginFrom(b, '127.0.0.2', TOKEN)).toBe(200);
  });
});
