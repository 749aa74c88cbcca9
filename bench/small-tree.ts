import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rcloneCheck, rcloneCopy, type S3Clients } from './s3-clients.ts';
import { seconds } from './stats.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'pail.js');
const SMALLEST = 1024;
const LARGEST = 16 * 1024;
const PER_FOLDER = 100;

/** A tree of small files on local disk: where, how many, how many bytes. */
export interface SmallTree {
  readonly root: string;
  readonly files: number;
  readonly bytes: number;
}

/**
 * `files` files of 1 KiB to 16 KiB (sizes spread evenly by a stride, contents random), 100 to a folder, as a
 * photo or source tree is: written once, then read from the page cache by every copy.
 */
export async function writeSmallTree(root: string, files: number): Promise<SmallTree> {
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const folder = join(root, `d${String(Math.floor(i / PER_FOLDER)).padStart(3, '0')}`);
    if (i % PER_FOLDER === 0) await mkdir(folder, { recursive: true });
    const size = SMALLEST + ((i * 7919) % (LARGEST - SMALLEST + 1));
    await writeFile(join(folder, `f${String(i).padStart(5, '0')}.bin`), randomBytes(size));
    bytes += size;
  }
  return { root, files, bytes };
}

/** One timed copy of the tree and the check that followed it (untimed). */
export interface TreeCopy {
  readonly seconds: number;
  readonly ok: boolean;
  readonly why?: string;
}

/** The copies of one round, each from a fresh destination. */
export interface TreeRound {
  /** rclone copy local → local: what rclone itself costs for this shape, with no network, no server and no fsync. */
  readonly rcloneLocal: TreeCopy;
  readonly rcloneUp: TreeCopy;
  readonly rcloneDown: TreeCopy;
  /** Pail's own tree transfer over its protocol (`pail put -r`, `pail get -r`), 4 files at once as rclone's 4 transfers. */
  readonly cliUp: TreeCopy;
  readonly cliDown: TreeCopy;
}

/**
 * One round: rclone local → local, rclone up to Pail through S3 and back down, then the CLI up and down over the
 * protocol. Each copy lands in a place of its own (a new prefix, a new folder) and is checked against the source:
 * `rclone check` for rclone's (sizes and MD5s, Pail's side by its ETags), the CLI's own SHA-256 check and file
 * count for the CLI's. Local copies are removed after the round.
 */
export async function treeRound(clients: S3Clients, pailPort: number, tree: SmallTree, bucket: string, work: string, tag: string, step: (what: string) => void): Promise<TreeRound> {
  const local = join(work, `${tag}-rclone-local`);
  const down = join(work, `${tag}-rclone-down`);
  const cliDown = join(work, `${tag}-cli-down`);
  const remote = `pail:${bucket}/${tag}-rclone`;
  try {
    step(`rclone copy of ${tree.files} files local → local (${tag})`);
    const rcloneLocal = await timedCheck(() => rcloneCopy(clients, tree.root, local), () => rcloneCheck(clients, tree.root, local, tree.files));
    step(`rclone copy of ${tree.files} files up to Pail through S3 (${tag})`);
    const rcloneUp = await timedCheck(() => rcloneCopy(clients, tree.root, remote), () => rcloneCheck(clients, tree.root, remote, tree.files));
    step(`rclone copy of ${tree.files} files down from Pail through S3 (${tag})`);
    const rcloneDown = await timedCheck(() => rcloneCopy(clients, remote, down), () => rcloneCheck(clients, tree.root, down, tree.files));
    step(`pail put -r of ${tree.files} files (${tag})`);
    const cliUp = await timedCheck(
      () => cli(pailPort, 'put', tree.root, `${bucket}/${tag}-cli`, '-r'),
      async (out) => counted(out, tree.files),
    );
    step(`pail get -r of ${tree.files} files (${tag})`);
    const cliGet = await timedCheck(
      () => cli(pailPort, 'get', bucket, `${tag}-cli`, cliDown, '-r'),
      async (out) => counted(out, tree.files),
    );
    return { rcloneLocal, rcloneUp, rcloneDown, cliUp, cliDown: cliGet };
  } finally {
    await Promise.all([local, down, cliDown].map((p) => rm(p, { recursive: true, force: true })));
  }
}

/** Times `copy` (a failed copy is a failed check, not a thrown run), then checks what it made. */
async function timedCheck<T>(copy: () => Promise<T>, check: (result: T) => Promise<{ ok: boolean; why?: string }>): Promise<TreeCopy> {
  const started = process.hrtime.bigint();
  let result: T;
  try {
    result = await copy();
  } catch (err) {
    return { seconds: seconds(started), ok: false, why: (err as Error).message.slice(0, 300) };
  }
  const elapsed = seconds(started);
  return { seconds: elapsed, ...(await check(result)) };
}

/** `pail --server … ARGS --json`, timed by the caller as a whole process; its JSON document. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, '--server', `127.0.0.1:${port}`, ...args, '--json'], { maxBuffer: 256 << 20, timeout: 600_000 });
  return stdout;
}

/** The CLI checked each file's SHA-256 as it went; here, that it reports success for every file of the tree. */
function counted(stdout: string, files: number): { ok: boolean; why?: string } {
  const result = JSON.parse(stdout) as { ok: boolean; files?: unknown[] };
  const done = result.files?.length ?? 0;
  return { ok: result.ok && done === files, why: `${done} of ${files} files` };
}
