import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { buildGateway, type GatewayOptions } from '../../gateway/app.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';

/**
 * A real bucket server on an ephemeral loopback port with a temporary data
 * folder, and a gateway listening on another, talking to it over TCP.
 */
export interface Harness {
  readonly data: string;
  readonly gateway: FastifyInstance;
  /** `http://127.0.0.1:PORT` of the gateway. */
  readonly base: string;
  /** `ws://127.0.0.1:PORT` of the gateway. */
  readonly wsBase: string;
  readonly serverPort: number;
  server: BucketServer;
  /** Stops the bucket server (the gateway keeps running). */
  stopServer(): Promise<void>;
  /** Starts the bucket server again on the same port and data folder. */
  startServer(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly maxFileSize?: number;
  /** Access tokens of the bucket server, which the gateway's login then asks for. */
  readonly token?: string;
  readonly readToken?: string;
  readonly gateway?: Partial<GatewayOptions>;
  /** The bucket server's log; silent unless given. */
  readonly serverLog?: Logger;
}

const silent = pino({ level: 'silent' });

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const data = await mkdtemp(join(tmpdir(), 'pail-gateway-'));
  const maxFileSize = options.maxFileSize ?? DEFAULTS.maxFileSize;
  const tokens = { token: options.token ?? '', readToken: options.readToken ?? '' };
  const serverSettings = { ...DEFAULTS, ...tokens, host: '127.0.0.1', tcpPort: 0, data, maxFileSize, logLevel: 'silent' };
  const serverLog = options.serverLog ?? silent;
  let server = await startBucketServer(serverSettings, serverLog);
  const serverPort = server.address().port;
  const gateway = await buildGateway({
    bucketServer: { host: '127.0.0.1', port: serverPort, token: options.token },
    access: { ...tokens, sessionTtlMs: DEFAULTS.sessionTtlMs, loginLimit: DEFAULTS.loginLimit },
    log: silent,
    maxFileSize,
    maxLine: DEFAULTS.maxLine,
    backoff: { initialMs: 20, maxMs: 200 },
    ...options.gateway,
  });
  await gateway.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.server.address() as AddressInfo;
  let running = true;
  const harness: Harness = {
    data,
    gateway,
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    serverPort,
    server,
    async stopServer() {
      running = false;
      await server.close();
    },
    async startServer() {
      server = await startBucketServer({ ...serverSettings, tcpPort: serverPort }, serverLog);
      harness.server = server;
      running = true;
    },
    async close() {
      await gateway.close();
      if (running) await server.close();
      await rm(data, { recursive: true, force: true });
    },
  };
  return harness;
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/**
 * A WebSocket whose JSON messages are queued, so a test can await them in
 * order: `await messages.next()`.
 */
export class JsonSocket {
  readonly #messages: unknown[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  /** The close code, once the socket has closed. */
  readonly closeCode: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    this.closeCode = new Promise((resolve) => socket.once('close', resolve));
    socket.on('message', (data) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data));
      this.#messages.push(JSON.parse(bytes.toString('utf8')));
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<JsonSocket> {
    const socket = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new JsonSocket(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next message, waiting at most `timeoutMs` for it. */
  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.#messages.length === 0) {
      if (this.#closed) throw new Error('the socket closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message within the timeout');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#messages.shift();
  }

  /** Skips messages until one matches, and returns it. */
  async nextMatching(match: (message: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (match(message)) return message;
    }
  }

  send(text: string): void {
    this.socket.send(text);
  }

  close(): void {
    this.socket.close();
  }
}

/** The HTTP status a refused WebSocket upgrade was answered with. */
export function refusedUpgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', () => {});
  });
}

/** A response's JSON body; tests check its shape with assertions rather than types. */
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}
