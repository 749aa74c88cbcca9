import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { pino } from 'pino';
import { startGateway } from '../../gateway/main.ts';
import { startS3 } from '../../s3/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { DEFAULTS, type Settings } from '../../shared/config/settings.ts';
import { startBucketServer } from '../../server/main.ts';
import { joinTokens } from '../../shared/protocol/tokens.ts';
import { RawClient } from '../helpers/raw-client.ts';

/** One worker's real servers: a bucket server and a gateway in front of it, on free loopback ports. */
export interface Pail {
  /** `http://127.0.0.1:PORT` of the gateway, which serves the built app. */
  readonly url: string;
  readonly serverPort: number;
  readonly data: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the gateway (the bucket server keeps running); start it again on the same port. */
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  /** `http://127.0.0.1:PORT` of the S3 listener, when the spec asked for one (`pailS3`). */
  readonly s3Url?: string;
  /** A greeted raw protocol connection to the bucket server, like `nc`, authenticated when the servers have a token. */
  raw(): Promise<RawClient>;
}

/** Access tokens the worker's servers start with; none by default. A spec opts in with `test.use({ pailAccess: … })`. */
export interface PailAccess {
  readonly token: string;
  readonly readToken: string;
}

let bucketCounter = 0;
const log = pino({ level: process.env.PAIL_E2E_LOG ?? 'silent' });

export const test = base.extend<{ bucket: string; pageProblems: void }, { pail: Pail; pailAccess: PailAccess; pailSettings: Partial<Settings>; pailS3: boolean }>({
  pailAccess: [{ token: '', readToken: '' }, { scope: 'worker', option: true }],
  /** Other settings the worker's servers start with (a quota, say); a spec opts in with `test.use({ pailSettings: … })`. */
  pailSettings: [{}, { scope: 'worker', option: true }],
  /** Whether the worker also runs the S3 listener (share links point at it); a spec opts in with `test.use({ pailS3: true })`. */
  pailS3: [false, { scope: 'worker', option: true }],
  pail: [
    async ({ pailAccess, pailSettings, pailS3 }, use) => {
      const data = await mkdtemp(join(tmpdir(), 'pail-e2e-'));
      const settings: Settings = { ...DEFAULTS, ...pailSettings, ...pailAccess, host: '127.0.0.1', tcpPort: 0, httpPort: 0, data, logLevel: 'silent' };
      let server: BucketServer | null = await startBucketServer(settings, log);
      const serverPort = server.address().port;
      // Started before the gateway, whose share links name the port it picks.
      const s3 = pailS3 ? await startS3({ ...settings, tcpPort: serverPort, s3Port: 0 }, log) : null;
      const gatewaySettings: Settings = { ...settings, tcpPort: serverPort, s3Port: s3?.address.port ?? settings.s3Port };
      let gateway: Awaited<ReturnType<typeof startGateway>> | null = await startGateway(gatewaySettings, log);
      const httpPort = gateway.address.port;
      await use({
        url: `http://127.0.0.1:${httpPort}`,
        serverPort,
        data,
        s3Url: s3 ? `http://127.0.0.1:${s3.address.port}` : undefined,
        async stopServer() {
          await server?.close();
          server = null;
        },
        async startServer() {
          server ??= await startBucketServer({ ...settings, tcpPort: serverPort }, log);
        },
        async stopGateway() {
          await gateway?.close();
          gateway = null;
        },
        async startGateway() {
          gateway ??= await startGateway({ ...gatewaySettings, httpPort }, log);
        },
        async raw() {
          const client = await RawClient.greeted(serverPort);
          if (pailAccess.token) {
            const reply = await client.command(joinTokens(['auth', pailAccess.token]));
            if (!reply.startsWith('230 ')) throw new Error(`auth refused: ${reply}`);
          }
          return client;
        },
      });
      await gateway?.close();
      await s3?.close();
      await server?.close();
      await rm(data, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ pail }, use) => use(pail.url),
  /** Every test fails on an uncaught error in the page or anything the Content-Security-Policy blocked. */
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text());
      });
      await use();
      expect(problems, 'errors in the page').toEqual([]);
    },
    { auto: true },
  ],
  /** A fresh bucket name for this test, created through the raw protocol before the page opens. */
  bucket: async ({ pail }, use, testInfo) => {
    const name = `bucket-${testInfo.workerIndex}-${++bucketCounter}-${Date.now().toString(36)}`;
    const client = await pail.raw();
    try {
      const reply = await client.command(`create_b ${name}`);
      if (!reply.startsWith('300 ')) throw new Error(`could not create ${name}: ${reply}`);
    } finally {
      client.close();
    }
    await use(name);
  },
});

export { expect };

/** Uploads a file through the raw protocol, as `nc` or the CLI would; returns the 700 FUTB line. */
export async function rawUpload(pail: Pail, bucket: string, name: string, body: Buffer): Promise<string> {
  const [reply] = await rawUploadMany(pail, bucket, [{ name, body }]);
  return reply;
}

/** Uploads files one after another over one raw protocol connection. */
export async function rawUploadMany(pail: Pail, bucket: string, files: Iterable<{ name: string; body: Buffer }>): Promise<string[]> {
  const client = await pail.raw();
  const replies: string[] = [];
  try {
    for (const { name, body } of files) {
      const go = await client.command(joinTokens(['upload_f', bucket, name, String(body.length)]));
      if (!go.startsWith('100 ')) throw new Error(`upload refused: ${go}`);
      client.send(body);
      const stored = await client.line();
      if (!stored.startsWith('700 ')) throw new Error(`upload failed: ${stored}`);
      replies.push(stored);
    }
  } finally {
    client.close();
  }
  return replies;
}
