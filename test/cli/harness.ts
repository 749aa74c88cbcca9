import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { BucketServer } from '../../server/bucket-server.ts';
import { DEFAULTS, type Settings } from '../../shared/config/settings.ts';
import { startBucketServer } from '../../server/main.ts';
import { PailConnection } from '../../shared/client/connection.ts';

/** The real `pail` binary, run as a person or a script would run it. */
export const PAIL = fileURLToPath(new URL('../../bin/pail.js', import.meta.url));
/** No single run of the binary in these tests comes near this; a hung one fails instead of hanging the suite. */
const RUN_TIMEOUT_MS = 30_000;

export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** Standard output as text. */
  readonly out: string;
}

export interface RunOptions {
  readonly input?: Buffer | string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** The test's environment without its PAIL_ variables, plus the run's own. */
function childEnv(options: RunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAIL_')) env[key] = value;
  return { ...env, ...options.env };
}

/** Runs `pail ARGS…` to its end, with PAIL_ variables only from `options.env`. */
export function runPail(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const child = spawn(process.execPath, [PAIL, ...args], {
    cwd: options.cwd,
    env: childEnv(options),
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => {}); // a command that exits without reading its input
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => {
      const out = Buffer.concat(stdout);
      resolve({ status, signal, stdout: out, out: out.toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** A real bucket server on a free loopback port with a fresh data folder, and a client for checking what the binary did. */
export interface TestServer {
  readonly server: BucketServer;
  readonly address: string;
  readonly env: Record<string, string>;
  readonly data: string;
  readonly client: PailConnection;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<Settings> = {}): Promise<TestServer> {
  const data = await mkdtemp(join(tmpdir(), 'pail-cli-data-'));
  const settings: Settings = { ...DEFAULTS, host: '127.0.0.1', tcpPort: 0, data, logLevel: 'silent', ...overrides };
  const server = await startBucketServer(settings, pino({ level: 'silent' }));
  const { port } = server.address();
  const client = await PailConnection.connect({ host: '127.0.0.1', port, token: settings.token || undefined });
  const address = `127.0.0.1:${port}`;
  return {
    server,
    address,
    env: { PAIL_SERVER: address, ...(settings.token ? { PAIL_TOKEN: settings.token } : {}) },
    data,
    client,
    async close() {
      await client.quit();
      await server.close();
      await rm(data, { recursive: true, force: true });
    },
  };
}

export async function tempFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'pail-cli-work-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The one JSON document a --json run printed. */
export function json(run: Run): Record<string, unknown> & { ok: boolean } {
  const lines = run.out.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON line, got ${lines.length}: ${run.out}\n${run.stderr}`);
  return JSON.parse(lines[0]);
}

/** A `pail` that keeps running (a server, a watch, a shell): its output is awaited piece by piece. */
export interface LongRun {
  /**
   * Resolves once `pattern` matches what the stream printed since the last
   * match, with everything it printed so far.
   */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<string>;
  /** Writes to its standard input, as typing would. */
  type(text: string): void;
  /** Ends its standard input (`script` waits for that before it exits). */
  endInput(): void;
  signal(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

export function startPail(args: readonly string[], options: RunOptions = {}): LongRun {
  return follow(
    spawn(process.execPath, [PAIL, ...args], { cwd: options.cwd, env: childEnv(options), stdio: 'pipe', timeout: RUN_TIMEOUT_MS }),
  );
}

/**
 * Runs `pail ARGS…` on a pseudo-terminal, through util-linux's `script`, so
 * that it sees a terminal on every side: prompts, Tab completion, progress bars;
 * `columns` sets the terminal's width.
 */
export function startInTerminal(args: readonly string[], options: RunOptions & { columns?: number } = {}): LongRun {
  const pail = [process.execPath, PAIL, ...args].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
  // `script` gives the terminal the size of its own, which a test has not: 0 by 0 unless set.
  const command = options.columns === undefined ? pail : `stty cols ${options.columns} rows 24 && exec ${pail}`;
  return follow(
    spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      cwd: options.cwd,
      env: childEnv(options),
      stdio: 'pipe',
      timeout: RUN_TIMEOUT_MS,
    }),
  );
}

function follow(child: ChildProcessWithoutNullStreams): LongRun {
  const text = { stdout: '', stderr: '' };
  const matched = { stdout: 0, stderr: 0 };
  const waiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      text[stream] += chunk;
      for (const check of waiters) check();
    });
  }
  child.stdin.on('error', () => {});
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (status, signal) => {
      resolve({ status, signal });
      for (const check of waiters) check();
    });
  });
  return {
    exited,
    type: (input) => child.stdin.write(input),
    endInput: () => child.stdin.end(),
    signal: (signal) => child.kill(signal),
    waitFor(stream, pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text[stream].slice(matched[stream]));
          if (match) {
            waiters.delete(check);
            matched[stream] += match.index + match[0].length;
            resolve(text[stream]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`exited before ${stream} matched ${pattern}: ${text.stdout}\n${text.stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
