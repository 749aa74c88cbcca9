import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pail.js');

export interface ChildServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly data: string;
  /** Resident set size now, and its peak so far, in bytes (Linux /proc). */
  memory(): Promise<{ rss: number; peak: number }>;
  /** Ends the process with SIGKILL, as a crash or power cut would; the data folder stays. */
  kill(): Promise<void>;
  /** Ends the process with SIGTERM and removes the data folder (unless it was given). */
  stop(): Promise<void>;
}

/** Runs the real `pail server` binary in its own process, on an ephemeral loopback port. */
export async function startChildServer(
  options: { data?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<ChildServer> {
  const data = options.data ?? (await mkdtemp(join(tmpdir(), 'pail-child-')));
  const extraArgs = options.args ?? [];
  const env = options.env ?? {};
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--data', data, '--log-level', 'warn', ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
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
      if (!options.data) await rm(data, { recursive: true, force: true });
    },
  };
}
