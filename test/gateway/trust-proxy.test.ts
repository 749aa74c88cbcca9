import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrustedProxies } from '../../gateway/trusted-proxies.ts';
import { StartupError } from '../../shared/config/settings.ts';
import { startHarness, type Harness } from './harness.ts';

const TOKEN = 'proxy-test-token';

/** A login attempt as a load balancer would pass it on: the client's address and scheme in X-Forwarded-*. */
async function loginVia(h: Harness, token: string, client: string, proto = 'http'): Promise<Response> {
  const response = await fetch(`${h.base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client, 'x-forwarded-proto': proto },
    body: JSON.stringify({ token }),
  });
  await response.arrayBuffer();
  return response;
}

async function twoWrongFrom(h: Harness, client: string): Promise<void> {
  for (const guess of ['guess-1', 'guess-2']) expect((await loginVia(h, guess, client)).status).toBe(401);
}

describe('gateways behind a load balancer (PAIL_TRUST_PROXY)', () => {
  let trusting: Harness;
  let plain: Harness;
  beforeAll(async () => {
    const access = { token: TOKEN, sessionTtlMs: 60_000, loginLimit: 2 };
    trusting = await startHarness({ token: TOKEN, gateway: { access, trustProxy: ['127.0.0.1'] } });
    plain = await startHarness({ token: TOKEN, gateway: { access } });
  });
  afterAll(async () => {
    await trusting?.close();
    await plain?.close();
  });

  it('count wrong tokens per forwarded client address when the proxy is trusted: one client locked out, another behind the same proxy not', async () => {
    await twoWrongFrom(trusting, '10.0.0.1');
    expect((await loginVia(trusting, TOKEN, '10.0.0.1')).status).toBe(429);
    expect((await loginVia(trusting, TOKEN, '10.0.0.2')).status).toBe(200);
  });

  it('make the login cookie Secure when the trusted proxy says the client came over https', async () => {
    const overHttps = await loginVia(trusting, TOKEN, '10.0.0.3', 'https');
    expect(overHttps.headers.get('set-cookie')).toMatch(/; Secure/);
    const overHttp = await loginVia(trusting, TOKEN, '10.0.0.4', 'http');
    expect(overHttp.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('ignore X-Forwarded-* from a peer that is not trusted: a client cannot dodge its limit by naming another address', async () => {
    const claimsHttps = await loginVia(plain, TOKEN, '10.0.0.9', 'https');
    expect(claimsHttps.status).toBe(200);
    expect(claimsHttps.headers.get('set-cookie')).not.toMatch(/Secure/);
    await twoWrongFrom(plain, '10.0.0.1');
    expect((await loginVia(plain, TOKEN, '10.0.0.2')).status).toBe(429);
  });

  it('takes addresses, CIDR ranges and proxy-addr range names, and refuses anything else at start-up', () => {
    expect(parseTrustedProxies(' 10.0.0.1, 10.0.0.0/8,::1 ,fd00::/8, loopback,')).toEqual(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
    expect(parseTrustedProxies('')).toEqual([]);
    for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '*']) {
      expect(() => parseTrustedProxies(bad), bad).toThrow(StartupError);
    }
  });
});
