import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onEngine, releaseStore, storeFor } from './test-store.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pail.js');

export interface ChildServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly data: string;
  /** Everything the server wrote to stdout so far: its address line and its log (pino writes JSON lines to stdout). */
  output(): string;
  /** Waits (at most `timeoutMs`) until the output has a line matching `pattern`, and returns it. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resident set size now, and its peak so far, in bytes (Linux /proc). */
  memory(): Promise<{ rss: number; peak: number }>;
  /** Ends the process with SIGKILL, as a crash or power cut would; the data folder stays. */
  kill(): Promise<void>;
  /** Ends the process with SIGTERM and removes the data folder (unless it was given). */
  stop(): Promise<void>;
}

/**
 * Runs the real `pail server` binary in its own process, on an ephemeral loopback port; with
 * PAIL_TEST_STORE set, on the S3 engine (PAIL_STORE, a prefix of the data folder's own: test-store.ts).
 */
export async function startChildServer(
  options: {
    data?: string;
    args?: string[];
    env?: Record<string, string>;
    /** Runs the server as this user and group (through util-linux's setpriv, so the test must run as root). */
    user?: { uid: number; gid: number };
  } = {},
): Promise<ChildServer> {
  const data = options.data ?? (await mkdtemp(join(tmpdir(), 'pail-child-')));
  const extraArgs = options.args ?? [];
  const env = { ...(onEngine ? { PAIL_STORE: storeFor(data) } : {}), ...options.env };
  const command = [process.execPath, BIN, 'server', '--port', '0', '--data', data, '--log-level', 'warn', ...extraArgs];
  // setpriv execs the server, so the child's pid is the server's and signals reach it.
  const asUser = options.user
    ? ['setpriv', `--reuid=${options.user.uid}`, `--regid=${options.user.gid}`, '--clear-groups', ...command]
    : command;
  const child = spawn(asUser[0], asUser.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => output.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /bucket server on [^ ]+:(\d+)/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`pail server exited with ${code} before listening`)));
  });
  return {
    child,
    port,
    data,
    output: () => output.join('\n'),
    waitForOutput(pattern, timeoutMs = 5_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          lines.off('line', onLine);
          reject(new Error(`the server never wrote ${pattern} in ${timeoutMs} ms; it wrote:\n${output.join('\n')}`));
        }, timeoutMs);
        const onLine = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          lines.off('line', onLine);
          resolve(line);
        };
        lines.on('line', onLine);
      });
    },
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
      return { rss: kib('VmRSS'), peak: kib('VmHWM') };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (!options.data) {
        await rm(data, { recursive: true, force: true });
        await releaseStore(data);
      }
    },
  };
}
