import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PailConnection } from '../../../shared/client/connection.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'pail.js');
/** `pail start` prints its three addresses well within this on an idle machine; a hung start fails the test instead. */
const START_TIMEOUT_MS = 20_000;

/** A real `pail start` (bucket server, gateway, S3 listener) in a child process, and a protocol client to check what the S3 clients did. */
export interface StartedPail {
  /** `http://127.0.0.1:PORT` of the S3 listener. */
  readonly endpoint: string;
  readonly s3Port: number;
  readonly accessKey: string;
  readonly secretKey: string;
  /** A connection to its bucket server, for the server's own view of what the clients wrote. */
  readonly client: PailConnection;
  stop(): Promise<void>;
}

/** Starts `pail start` on ephemeral loopback ports with a fresh data folder and the one key pair given. */
export async function startPail(accessKey: string, secretKey: string): Promise<StartedPail> {
  const data = await mkdtemp(join(tmpdir(), 's3c-data-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PAIL_')) env[key] = value;
  env.PAIL_S3_KEYS = `${accessKey}:${secretKey}`;
  const args = ['start', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--s3-port', '0', '--log-level', 'warn', '--data', data];
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [s3, tcp] = await addresses(child);
  const [host, port] = [tcp.slice(0, tcp.lastIndexOf(':')), Number(tcp.slice(tcp.lastIndexOf(':') + 1))];
  const client = await PailConnection.connect({ host, port });
  return {
    endpoint: s3,
    s3Port: Number(new URL(s3).port),
    accessKey,
    secretKey,
    client,
    async stop() {
      await client.quit();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(data, { recursive: true, force: true });
    },
  };
}

/** The S3 endpoint and the bucket server address `pail start` prints: `S3 on http://… (bucket server HOST:PORT)`. */
function addresses(child: ChildProcess): Promise<[string, string]> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`pail start printed no S3 address in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    lines.on('line', (line) => {
      const match = /S3 on (http:\S+) \(bucket server (\S+)\)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve([match[1], match[2]]);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pail start exited with ${code} before listening`));
    });
  });
}

/** What the bucket server holds in `bucket`, as its own listing gives it: key to size, SHA-256 and kept ETag. */
export async function serverView(client: PailConnection, bucket: string): Promise<Map<string, { size: number; sha256: string | null; etag?: string }>> {
  const view = new Map<string, { size: number; sha256: string | null; etag?: string }>();
  for await (const row of client.walk(bucket)) {
    if (row.kind === 'file') view.set(row.file.name, { size: row.file.size, sha256: row.file.sha256, etag: row.file.etag });
  }
  return view;
}
