import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/main.ts';
import { shareSigningOf } from '../../gateway/share/signing.ts';
import { startS3 } from '../../s3/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { DEFAULTS, type Settings } from '../../shared/config/settings.ts';
import { presignGet } from '../../shared/sigv4/presign.ts';
import { postJson, startHarness } from './harness.ts';

// Share links end to end: a real bucket server, the real S3 listener (SigV4 checked) and the real gateway,
// started from settings as `pail start` starts them. The links are followed with plain fetch, no cookie.

const TOKEN = 'share-full-token';
const READ_TOKEN = 'share-read-token';
/** The first :ro pair signs the links when PAIL_SHARE_KEY is unset. */
const S3_KEYS = 'AKFULL:full-secret,AKLINKS:links-secret:ro';
const BUCKET = 'shared';
const FILES: Record<string, Buffer> = {
  'report.txt': Buffer.from('the quarterly report\n'),
  'folder/sub dir/ünïcødé 文件 +plus&eq=.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251)),
  "odd!'()*~%20#?chars.dat": Buffer.from('odd characters in the key'),
};
const silent = pino({ level: 'silent' });

let data: string;
let settings: Settings;
let server: BucketServer;
let s3: Awaited<ReturnType<typeof startS3>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let base: string;
let fullCookie: string;
let readCookie: string;

async function login(token: string): Promise<string> {
  const response = await postJson(`${base}/api/login`, { token });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0];
}

const shareUrl = (key: string) => `${base}/api/buckets/${BUCKET}/share/${key.split('/').map(encodeURIComponent).join('/')}`;

function share(key: string, body: unknown, cookie?: string): Promise<Response> {
  return postJson(shareUrl(key), body, cookie ? { cookie } : {});
}

async function link(key: string, expiresIn: number, cookie = fullCookie): Promise<{ url: string; expires: string }> {
  const response = await share(key, { expiresIn }, cookie);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { url: string; expires: string };
}

/** The S3 listener on the same port again with other key pairs (a rotation as PAIL_S3_KEYS and a restart make it). */
async function restartS3(s3Keys: string): Promise<void> {
  await s3.close();
  s3 = await startS3({ ...settings, s3Port: s3.address.port, s3Keys }, silent);
}

/** The file name a Content-Disposition's filename* gives. */
function downloadName(disposition: string | null): string | undefined {
  const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition ?? '')?.[1];
  return encoded === undefined ? undefined : decodeURIComponent(encoded);
}

async function s3Error(response: Response): Promise<{ status: number; code?: string; message?: string }> {
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] };
}

beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'pail-share-'));
  settings = { ...DEFAULTS, host: '127.0.0.1', tcpPort: 0, httpPort: 0, s3Port: 0, data, token: TOKEN, readToken: READ_TOKEN, s3Keys: S3_KEYS, logLevel: 'silent' };
  server = await startBucketServer(settings, silent);
  settings = { ...settings, tcpPort: server.address().port };
  s3 = await startS3(settings, silent);
  settings = { ...settings, s3Port: s3.address.port };
  gateway = await startGateway(settings, silent);
  base = `http://127.0.0.1:${gateway.address.port}`;
  const owner = await PailConnection.connect({ host: '127.0.0.1', port: settings.tcpPort, token: TOKEN });
  await owner.createBucket(BUCKET);
  for (const [key, bytes] of Object.entries(FILES)) await owner.upload(BUCKET, key, bytes);
  await owner.quit();
  fullCookie = await login(TOKEN);
  readCookie = await login(READ_TOKEN);
});

afterAll(async () => {
  await gateway?.close();
  await s3?.close();
  await server?.close();
  await rm(data, { recursive: true, force: true });
});

describe('share links', () => {
  it.each(Object.keys(FILES))('a link to %j, fetched with no cookie, gives the bytes under the file name', async (key) => {
    const before = Date.now();
    const { url, expires } = await link(key, 3600);
    const after = Date.now();
    const parsed = new URL(url);
    // Path style on the S3 listener, reached by the host name the gateway was reached by; signed by the :ro pair.
    expect(parsed.origin).toBe(`http://127.0.0.1:${settings.s3Port}`);
    expect(parsed.searchParams.get('X-Amz-Credential')).toMatch(/^AKLINKS\//);
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('3600');
    // Signed at a whole second (X-Amz-Date) between the two clock readings, so it expires an hour after that second.
    expect(Date.parse(expires)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
    expect(Date.parse(expires)).toBeLessThanOrEqual(after + 3600_000);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(FILES[key])).toBe(true);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(downloadName(response.headers.get('content-disposition'))).toBe(key.slice(key.lastIndexOf('/') + 1));
  });

  it.each(['localhost', '[::1]', '127.0.0.2'])('points at the host name the gateway was reached by: %s', async (hostname) => {
    const body = JSON.stringify({ expiresIn: 3600 });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        shareUrl('report.txt'),
        { method: 'POST', headers: { host: `${hostname}:${new URL(base).port}`, cookie: fullCookie, 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.once('error', reject);
      req.end(body);
    });
    expect(answer.status, answer.text).toBe(200);
    expect(new URL((JSON.parse(answer.text) as { url: string }).url).host).toBe(`${hostname}:${settings.s3Port}`);
  });

  it('may be made by a read-only login', async () => {
    const { url } = await link('report.txt', 604_800, readCookie);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('the quarterly report\n');
  });

  it('is refused without a login: 401 auth-required, nothing signed', async () => {
    const response = await share('report.txt', { expiresIn: 3600 });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { reason: string; message: string }; url?: string };
    expect(body.error.reason).toBe('auth-required');
    expect(body.url).toBeUndefined();
  });

  it.each([[3599], [604_801], [7200.5], ['soon'], [null], [undefined]])('refuses expiresIn %j with 400 bad-args, the gateway error shape', async (expiresIn) => {
    const response = await share('report.txt', expiresIn === undefined ? {} : { expiresIn }, fullCookie);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: number; mnemonic: string; reason: string; message: string } };
    expect(body.error.reason).toBe('bad-args');
    expect(body.error.message).toMatch(/expiresIn/);
  });

  it('refuses a missing file (404 no-such-file) and a folder (400 bad-name)', async () => {
    const missing = await share('nothing-here.txt', { expiresIn: 3600 }, fullCookie);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { reason: string } }).error.reason).toBe('no-such-file');
    const folder = await share('folder/', { expiresIn: 3600 }, fullCookie);
    expect(folder.status).toBe(400);
    expect(((await folder.json()) as { error: { reason: string } }).error.reason).toBe('bad-name');
  });

  it('is refused by the S3 listener once expired: signed 2 h ago for 1 h', async () => {
    const { key: pair, region } = shareSigningOf(settings);
    const sign = (signedAt: Date) =>
      presignGet({ endpoint: `http://127.0.0.1:${settings.s3Port}`, bucket: BUCKET, key: 'report.txt', accessKey: pair.accessKey, secretKey: pair.secretKey, region, expiresIn: 3600, signedAt });
    expect((await fetch(sign(new Date()))).status).toBe(200);
    expect(await s3Error(await fetch(sign(new Date(Date.now() - 2 * 3600_000))))).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
  });

  it("stops working when the signing pair's secret changes or the pair is removed", async () => {
    const { url } = await link('report.txt', 86_400);
    expect((await fetch(url)).status).toBe(200);
    try {
      await restartS3('AKFULL:full-secret,AKLINKS:rotated-secret:ro');
      expect((await s3Error(await fetch(url))).code).toBe('SignatureDoesNotMatch');
      // The listener itself serves links of the new secret: what refused the old one is the rotation.
      const rotated = presignGet({
        endpoint: `http://127.0.0.1:${settings.s3Port}`,
        bucket: BUCKET,
        key: 'report.txt',
        accessKey: 'AKLINKS',
        secretKey: 'rotated-secret',
        region: 'us-east-1',
        expiresIn: 3600,
      });
      expect((await fetch(rotated)).status).toBe(200);
      await restartS3('AKFULL:full-secret');
      expect((await s3Error(await fetch(url))).code).toBe('InvalidAccessKeyId');
    } finally {
      await restartS3(S3_KEYS);
    }
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('share links with PAIL_S3_PUBLIC_URL', () => {
  it('point at the public URL, whatever host the gateway was reached by', async () => {
    const share = shareSigningOf({ ...DEFAULTS, s3PublicUrl: 'https://files.example.com' });
    const h = await startHarness({ gateway: { share } });
    try {
      expect((await postJson(`${h.base}/api/buckets`, { name: 'pub' })).status).toBe(201);
      expect((await fetch(`${h.base}/api/buckets/pub/files/a%20b/c.txt`, { method: 'PUT', body: 'x' })).status).toBe(201);
      const response = await postJson(`${h.base}/api/buckets/pub/share/a%20b/c.txt`, { expiresIn: 3600 });
      const { url } = (await response.json()) as { url: string };
      expect(url.startsWith('https://files.example.com/pub/a%20b/c.txt?')).toBe(true);
      expect(new URL(url).searchParams.get('X-Amz-Credential')).toMatch(/^pail\//);
    } finally {
      await h.close();
    }
  });
});
