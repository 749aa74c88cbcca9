import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieValue, sessionCookie } from '../../gateway/auth/access.ts';
import { AttemptLimiter } from '../../shared/access/attempts.ts';
import { LoginCookies } from '../../gateway/auth/login-cookie.ts';
import { LoginWatchers } from '../../gateway/auth/login-watchers.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { JsonSocket, jsonOf, postJson, refusedUpgrade, startHarness, type Harness } from './harness.ts';

const TOKEN = 'full-token-for-tests';
const READ_TOKEN = 'read-token-for-tests';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Logs in and returns the session cookie (`name=value`) and the whole Set-Cookie header. */
async function login(h: Harness, token: string): Promise<{ cookie: string; setCookie: string; body: any }> {
  const response = await postJson(`${h.base}/api/login`, { token });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0], setCookie, body: await jsonOf(response) };
}

/** Every API route the OpenAPI document lists, with its parameters filled in; login and logout are open by design. */
async function documentedRoutes(h: Harness): Promise<{ method: string; path: string }[]> {
  const document = await jsonOf(await fetch(`${h.base}/docs/json`));
  const routes: { method: string; path: string }[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, object>)) {
    if (path === '/api/login' || path === '/api/logout') continue;
    for (const method of Object.keys(methods)) {
      routes.push({ method: method.toUpperCase(), path: path.replace('{bucket}', 'locked').replace('{*}', 'folder/a.txt') });
    }
  }
  return routes;
}

describe('gateway login', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ token: TOKEN, readToken: READ_TOKEN });
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort, token: TOKEN });
    await owner.createBucket('locked');
    await owner.upload('locked', 'a.txt', Buffer.from('secret bytes'));
    await owner.quit();
  });
  afterAll(() => h.close());

  it('answers 401 auth-required on every API route and both WebSocket upgrades without a login, and changes nothing', async () => {
    const routes = await documentedRoutes(h);
    expect(routes.length).toBeGreaterThanOrEqual(9);
    // HEAD is left out of the document; unknown paths under /api are refused before they are found missing.
    routes.push({ method: 'HEAD', path: '/api/buckets/locked/files/a.txt' }, { method: 'GET', path: '/api/no-such-route' }, { method: 'GET', path: '/api' });
    for (const { method, path } of routes) {
      const response = await fetch(`${h.base}${path}`, {
        method,
        headers: method === 'POST' && path === '/api/buckets' ? { 'content-type': 'application/json' } : {},
        body: method === 'POST' ? JSON.stringify({ name: 'sneaky' }) : method === 'PUT' ? 'overwritten' : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer/);
      if (method !== 'HEAD') {
        expect((await jsonOf(response)).error, `${method} ${path}`).toEqual({
          code: Code.NOAUTH,
          mnemonic: 'NOAUTH',
          reason: Reason.authRequired,
          message: expect.stringContaining('log in'),
        });
      }
    }
    for (const path of ['/api/events', '/api/console']) {
      const refused = await refusedUpgrade(`${h.wsBase}${path}`);
      expect(refused.status, path).toBe(401);
      expect(JSON.parse(refused.body).error, path).toMatchObject({ code: Code.NOAUTH, reason: Reason.authRequired });
    }
    // Nothing changed behind the refusals.
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort, token: TOKEN });
    expect((await owner.listBuckets()).map((b) => b.name)).toEqual(['locked']);
    expect(await owner.listFiles('locked')).toEqual([expect.objectContaining({ name: 'a.txt', size: 12 })]);
    await owner.quit();
  });

  it('serves the app and /docs without a login', async () => {
    const docs = await fetch(`${h.base}/docs/json`);
    expect(docs.status).toBe(200);
    await docs.text();
  });

  it('takes the token as a bearer header, and refuses a wrong one with 401 bad-token', async () => {
    const listed = await fetch(`${h.base}/api/buckets`, { headers: bearer(TOKEN) });
    expect(listed.status).toBe(200);
    expect((await jsonOf(listed)).buckets.map((b: { name: string }) => b.name)).toContain('locked');
    const created = await postJson(`${h.base}/api/buckets`, { name: 'by-script' }, bearer(TOKEN));
    expect(created.status).toBe(201);
    await created.text();

    const wrong = await fetch(`${h.base}/api/buckets`, { headers: bearer('guess') });
    expect(wrong.status).toBe(401);
    expect((await jsonOf(wrong)).error).toMatchObject({ code: Code.AUTHF, mnemonic: 'AUTHF', reason: Reason.badToken });
  });

  it('logs in with a cookie that is HttpOnly and SameSite=Strict, works for HTTP and both WebSockets, and logs out', async () => {
    const { cookie, setCookie, body } = await login(h, TOKEN);
    expect(body).toEqual({ access: 'full', login: true });
    const attributes = setCookie.split(';').map((a) => a.trim());
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Strict');
    expect(attributes).toContain('Path=/');
    expect(attributes.find((a) => a.startsWith('Max-Age='))).toBe(`Max-Age=${DEFAULTS.sessionTtlMs / 1000}`);
    // Plain http here: Secure would make the browser drop the cookie.
    expect(attributes).not.toContain('Secure');
    // The cookie's value is its rights, times, a random id and a signature, not the token.
    expect(cookie).toMatch(/^pail_session=full\.\d+\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(TOKEN);

    const session = await fetch(`${h.base}/api/session`, { headers: { cookie } });
    expect(await jsonOf(session)).toEqual({ access: 'full', login: true });
    expect((await fetch(`${h.base}/api/buckets`, { headers: { cookie } })).status).toBe(200);

    const events = await JsonSocket.open(`${h.wsBase}/api/events`, { headers: { cookie } });
    expect((await events.next()).type).toBe('status');
    events.close();
    const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie } });
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELLO} HELLO`));
    console.send('create_b from-console');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BCS} BCS from-console`));
    console.close();

    // Two sockets open at logout: both are closed by it, and the browser is told to drop the cookie.
    const openEvents = await JsonSocket.open(`${h.wsBase}/api/events`, { headers: { cookie } });
    const openConsole = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie } });
    await openConsole.next();
    const out = await fetch(`${h.base}/api/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect(await openEvents.closeCode).toBe(1008);
    expect(await openConsole.closeCode).toBe(1008);
    expect(out.headers.get('set-cookie')).toMatch(/^pail_session=; .*Max-Age=0/);
    // No gateway keeps logins, so a copy of the cookie kept past logout works until it expires (documented).
    expect((await fetch(`${h.base}/api/buckets`, { headers: { cookie } })).status).toBe(200);
    const loggedOut = await fetch(`${h.base}/api/buckets`);
    expect(loggedOut.status).toBe(401);
    expect((await jsonOf(loggedOut)).error).toMatchObject({ reason: Reason.authRequired, message: expect.stringContaining('log in') });
  });

  it('refuses a login with a wrong token: 401 bad-token, no cookie', async () => {
    const response = await postJson(`${h.base}/api/login`, { token: 'not it' });
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect((await jsonOf(response)).error).toEqual({ code: Code.AUTHF, mnemonic: 'AUTHF', reason: Reason.badToken, message: expect.any(String) });
  });

  it('refuses a login posted from another site before it looks at the token', async () => {
    const response = await postJson(`${h.base}/api/login`, { token: TOKEN }, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
    await response.text();
  });

  it('lets a read-only login list and download, and refuses every write with 403 forbidden and the operation’s code', async () => {
    const { cookie, body } = await login(h, READ_TOKEN);
    expect(body).toEqual({ access: 'read', login: true });
    expect(await jsonOf(await fetch(`${h.base}/api/session`, { headers: { cookie } }))).toEqual({ access: 'read', login: true });

    expect((await fetch(`${h.base}/api/buckets`, { headers: { cookie } })).status).toBe(200);
    const listing = await jsonOf(await fetch(`${h.base}/api/buckets/locked/files`, { headers: { cookie } }));
    expect(listing.files.map((f: { name: string }) => f.name)).toEqual(['a.txt']);
    const download = await fetch(`${h.base}/api/buckets/locked/files/a.txt`, { headers: { cookie } });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('secret bytes');
    // A zip of a selection only reads.
    const zip = await postJson(`${h.base}/api/buckets/locked/zip`, { keys: ['a.txt'] }, { cookie });
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await zip.arrayBuffer()).includes('secret bytes')).toBe(true);

    const form = new FormData();
    form.append('file', new Blob(['nope']), 'b.txt');
    const writes: [string, string, RequestInit, number][] = [
      ['POST', '/api/buckets', { body: JSON.stringify({ name: 'nope' }), headers: { 'content-type': 'application/json' } }, Code.BCF],
      ['DELETE', '/api/buckets/locked?force=true', {}, Code.BDF],
      ['PUT', '/api/buckets/locked/files/a.txt?overwrite=true', { body: 'overwritten' }, Code.FUTF],
      ['POST', '/api/buckets/locked/files', { body: form }, Code.FUTF],
      ['DELETE', '/api/buckets/locked/files/a.txt', {}, Code.FDF],
    ];
    for (const [method, path, init, code] of writes) {
      const response = await fetch(`${h.base}${path}`, { ...init, method, headers: { ...(init.headers as Record<string, string>), cookie } });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await jsonOf(response)).error, `${method} ${path}`).toEqual({
        code,
        mnemonic: expect.any(String),
        reason: Reason.forbidden,
        message: expect.stringContaining('only list and download'),
      });
    }
    // The same with the read token as a bearer.
    const byScript = await postJson(`${h.base}/api/buckets`, { name: 'nope' }, bearer(READ_TOKEN));
    expect(byScript.status).toBe(403);
    await byScript.text();
    expect(await (await fetch(`${h.base}/api/buckets/locked/files/a.txt`, { headers: bearer(TOKEN) })).text()).toBe('secret bytes');
  });

  it("gives a read-only login's console the read token, so the bucket server itself refuses its writes", async () => {
    const { cookie } = await login(h, READ_TOKEN);
    const console = await JsonSocket.open(`${h.wsBase}/api/console`, { headers: { cookie } });
    await console.next();
    console.send('create_b from-reader');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BCF} BCF ${Reason.forbidden}`));
    console.send('delete_f locked a.txt');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.FDF} FDF ${Reason.forbidden}`));
    console.send('ls_f locked');
    const listing = (await console.next()).lines;
    expect(listing[0]).toMatch(new RegExp(`^${Code.FLS} FLS 1`));
    console.close();
  });
});

describe('gateway login attempts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ token: TOKEN, gateway: { access: { token: TOKEN, sessionTtlMs: 60_000, loginLimit: 3 } } });
  });
  afterAll(() => h.close());

  it('are limited per address: after 3 wrong tokens even the right one is refused with 429 until the minute ends', async () => {
    for (let i = 0; i < 3; i++) {
      const wrong = await postJson(`${h.base}/api/login`, { token: `guess-${i}` });
      expect(wrong.status).toBe(401);
      await wrong.text();
    }
    const right = await postJson(`${h.base}/api/login`, { token: TOKEN });
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    expect((await jsonOf(right)).error).toEqual({
      code: Code.AUTHF,
      mnemonic: 'AUTHF',
      reason: Reason.tooManyRequests,
      message: expect.stringMatching(/too many wrong tokens .* try again in \d+ s/),
    });
    // A bearer header is a token presented too: no way around the limit.
    const viaBearer = await fetch(`${h.base}/api/buckets`, { headers: bearer(TOKEN) });
    expect(viaBearer.status).toBe(429);
    await viaBearer.text();
  });
});

describe('gateway logins that expire', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ token: TOKEN, gateway: { access: { token: TOKEN, sessionTtlMs: 600, loginLimit: 10 } } });
  });
  afterAll(() => h.close());

  it('end at their time: the cookie stops working and the WebSockets opened with it close', async () => {
    const { cookie, setCookie } = await login(h, TOKEN);
    // The browser keeps the cookie for the session's time, rounded up to a whole second.
    expect(setCookie).toContain('Max-Age=1;');
    expect((await fetch(`${h.base}/api/buckets`, { headers: { cookie } })).status).toBe(200);
    const events = await JsonSocket.open(`${h.wsBase}/api/events`, { headers: { cookie } });
    expect(await events.closeCode).toBe(1008);
    const after = await fetch(`${h.base}/api/buckets`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect((await jsonOf(after)).error).toMatchObject({ reason: Reason.authRequired });
  });
});

describe('gateway without a token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('asks for no login and says so', async () => {
    expect(await jsonOf(await fetch(`${h.base}/api/session`))).toEqual({ access: 'full', login: false });
    expect((await fetch(`${h.base}/api/buckets`)).status).toBe(200);
  });
});

describe('session cookies', () => {
  it('mark the cookie Secure when the request came over https, and only then', () => {
    expect(sessionCookie({ protocol: 'https' }, 'abc', 60)).toBe('pail_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure');
    expect(sessionCookie({ protocol: 'http' }, 'abc', 60)).toBe('pail_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
  });

  it('read one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; pail_session=xyz; b=2', 'pail_session')).toBe('xyz');
    expect(cookieValue('pail_sessionx=1', 'pail_session')).toBeUndefined();
    expect(cookieValue(undefined, 'pail_session')).toBeUndefined();
  });

  it('tell a watcher when its login ends here, or at once when it is already over', () => {
    let now = 0;
    const watchers = new LoginWatchers(() => now);
    const ended: string[] = [];
    const stop = watchers.watch('a', 60_000, () => ended.push('first'));
    watchers.watch('a', 60_000, () => ended.push('second'));
    watchers.watch('b', 60_000, () => ended.push('other login'));
    stop();
    watchers.end('a');
    watchers.end('a');
    now = 60_000;
    watchers.watch('a', 60_000, () => ended.push('late'));
    expect(ended).toEqual(['second', 'late']);
    expect(watchers.size).toBe(1);
  });

  it('carry their rights and expiry under a signature, and hold a login no longer than the TTL', async () => {
    let now = 1_000_000;
    const cookies = await LoginCookies.create({ token: TOKEN, readToken: READ_TOKEN }, 1000, () => now);
    const full = cookies.issue('full');
    const read = cookies.issue('read');
    expect(cookies.verify(full)).toMatchObject({ access: 'full', issuedAt: 1_000_000, expiresAt: 1_001_000 });
    expect(cookies.verify(read)).toMatchObject({ access: 'read' });
    expect(cookies.verify(full)!.id).not.toBe(cookies.verify(read)!.id);
    // The same signature spelled with other low bits in its last base64url character: decoded, it would be equal.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = full.slice(0, -1) + alphabet[alphabet.indexOf(full.at(-1)!) ^ 1];
    expect(Buffer.from(respelled.split('.')[4], 'base64url')).toEqual(Buffer.from(full.split('.')[4], 'base64url'));
    for (const made of ['made-up', '', `${full}x`, full.slice(0, -1), full.replace(/^full/, 'none'), respelled]) expect(cookies.verify(made), made).toBeUndefined();
    // A login signed as lasting longer than the TTL (a longer setting, once) ends at issue + TTL.
    const long = cookies.sign({ access: 'full', id: 'A'.repeat(22), issuedAt: now, expiresAt: now + 60_000 });
    expect(cookies.verify(long)).toMatchObject({ expiresAt: 1_001_000 });
    now = 1_000_999;
    expect(cookies.verify(full)).toBeDefined();
    now = 1_001_000;
    expect([cookies.verify(full), cookies.verify(read), cookies.verify(long)]).toEqual([undefined, undefined, undefined]);
  });

  it('make no read-only cookies without a read token', async () => {
    const both = await LoginCookies.create({ token: TOKEN, readToken: READ_TOKEN }, 60_000);
    const fullOnly = await LoginCookies.create({ token: TOKEN }, 60_000);
    expect(fullOnly.verify(both.issue('full'))).toMatchObject({ access: 'full' });
    expect(fullOnly.verify(both.issue('read'))).toBeUndefined();
  });

  it('count wrong tokens per address in windows, and forgive them when the window ends', () => {
    let now = 0;
    const attempts = new AttemptLimiter(2, 60_000, () => now);
    attempts.fail('10.0.0.1');
    expect(attempts.blockedFor('10.0.0.1')).toBe(0);
    attempts.fail('10.0.0.1');
    expect(attempts.blockedFor('10.0.0.1')).toBe(60_000);
    expect(attempts.blockedFor('10.0.0.2')).toBe(0);
    now = 59_000;
    expect(attempts.blockedFor('10.0.0.1')).toBe(1000);
    now = 60_000;
    expect(attempts.blockedFor('10.0.0.1')).toBe(0);
  });
});
