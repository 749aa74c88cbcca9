import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A server of the benchmark in a process of its own, whose memory can be read. */
export interface BenchProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Current resident set size in bytes. */
  rss(): Promise<number>;
  /** Resets the peak RSS (Linux clear_refs), so a later `peak` covers only what follows. */
  resetPeak(): Promise<void>;
  peak(): Promise<number>;
  /** CPU time used so far (user and system, all threads), in seconds. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

/** Linux's USER_HZ, the unit of /proc's CPU times; 100 on every common build. */
const CLOCK_TICKS = 100;

/** A TypeScript server of the benchmark, run through tsx (`nodeArgs`, say `--cpu-prof`, go to node before it). */
export function spawnServer(name: string, script: string, args: string[], nodeArgs: string[] = []): Promise<BenchProcess> {
  return spawnProgram(name, process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args]);
}

/** Any program that prints `listening PORT` once it listens on loopback (the C ceiling baseline, say). */
export async function spawnProgram(name: string, command: string, args: string[]): Promise<BenchProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  const field = async (key: string) => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  };
  return {
    name,
    port,
    child,
    rss: () => field('VmRSS'),
    peak: () => field('VmHWM'),
    async cpu() {
      // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command name's closing parenthesis.
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    async resetPeak() {
      await writeFile(`/proc/${child.pid}/clear_refs`, '5').catch(() => {});
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
