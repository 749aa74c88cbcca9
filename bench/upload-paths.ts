import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { seconds } from './stats.ts';
import type { Payload, Transfer } from './transfer.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'pail.js');

/** Builds a C baseline with the machine's compiler; undefined when there is none (the run goes on without it). */
export function buildCeiling(source: string, binary: string, libraries: string[] = []): string | undefined {
  try {
    execFileSync('cc', ['-O2', '-o', binary, source, ...libraries], { stdio: 'pipe' });
    return binary;
  } catch {
    return undefined;
  }
}

/** Drops the page cache's clean pages (root only); false when it cannot. */
export function dropCleanPages(): boolean {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    return false;
  }
}

/** The payload written to a local file, for the CLI to upload. */
export async function writePayloadFile(path: string, body: Payload): Promise<string> {
  const fh = await open(path, 'w');
  try {
    for (const chunk of body.chunks()) await fh.write(chunk);
  } finally {
    await fh.close();
  }
  return path;
}

/**
 * `pail put FILE BUCKET --overwrite --json` as a user runs it: a process of its own, timed from its start to
 * its exit, so the figure includes the CLI's start-up (its own row says how long a start-up alone takes).
 */
export async function cliUpload(port: number, file: string, bucket: string, name: string): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, [CLI, '--server', `127.0.0.1:${port}`, 'put', file, bucket, '--name', name, '--overwrite', '--json'], {
    maxBuffer: 1 << 20,
  });
  const elapsed = seconds(started);
  const sha256 = /"sha256"\s*:\s*"([0-9a-f]{64})"/.exec(stdout)?.[1];
  const size = Number(/"size"\s*:\s*(\d+)/.exec(stdout)?.[1] ?? 0);
  return { seconds: elapsed, bytes: size, sha256 };
}

/** How long the CLI takes to start and exit doing nothing over the network (`pail --help`). */
export async function cliStartup(): Promise<number> {
  const started = process.hrtime.bigint();
  await run(process.execPath, [CLI, '--help'], { maxBuffer: 1 << 20 });
  return seconds(started);
}
