import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Info-ZIP's unzip, the independent reader the zip tests check archives
 * with (scripts/ensure-unzip.sh installs it where it is missing). Run in a
 * UTF-8 locale so it takes names flagged UTF-8 as they are.
 */
const run = promisify(execFile);
const ENV = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
const MAX_OUTPUT = 64 << 20;

async function unzip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('unzip', args, { env: ENV, maxBuffer: MAX_OUTPUT });
    return stdout;
  } catch (err) {
    const failure = err as { code?: string | number; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error('unzip is not installed: run scripts/ensure-unzip.sh', { cause: err });
    throw new Error(`unzip ${args.join(' ')} failed (${failure.code}): ${failure.stdout?.slice(-2000)} ${failure.stderr?.slice(-2000)}`, { cause: err });
  }
}

/** `unzip -t`: every entry's (or the named entries') CRC-32 and size checked against the archive's records; throws unless all pass. */
export async function testArchive(path: string, ...names: string[]): Promise<string> {
  return unzip(['-t', path, ...names]);
}

/** The entry names in the central directory, in their order (`unzip -Z1`). */
export async function entryNames(path: string): Promise<string[]> {
  return (await unzip(['-Z1', path])).split('\n').filter((line) => line !== '');
}

/** `unzip -Z -v`: the reader's account of every record, for checking versions and ZIP64 fields. */
export async function verboseInfo(path: string): Promise<string> {
  return unzip(['-Z', '-v', path]);
}

/**
 * Extracts the archive into a fresh folder and returns every file's path
 * (relative, `/`-separated) with its SHA-256, and every folder's path with
 * a trailing `/`, sorted.
 */
export async function extractedTree(path: string): Promise<Record<string, string>> {
  const into = await mkdtemp(join(tmpdir(), 'pail-unzip-'));
  try {
    await unzip(['-q', path, '-d', into]);
    const tree: Record<string, string> = {};
    for (const entry of await readdir(into, { recursive: true, withFileTypes: true })) {
      const relative = join(entry.parentPath, entry.name).slice(into.length + 1);
      if (entry.isDirectory()) tree[`${relative}/`] = 'folder';
      else tree[relative] = createHash('sha256').update(await readFile(join(into, relative))).digest('hex');
    }
    return Object.fromEntries(Object.entries(tree).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  } finally {
    await rm(into, { recursive: true, force: true });
  }
}
