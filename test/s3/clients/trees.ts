import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

/** A temporary folder of the test's own. */
export async function tempDir(tag: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `s3c-${tag}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes `count` small files (distinct contents, 0 to ~3 KiB) into nested
 * folders under `root`, a few of them named with spaces and non-ASCII letters;
 * resolves to their keys (paths with `/`).
 */
export async function writeTree(root: string, count: number): Promise<string[]> {
  const odd = ['with space', 'café', 'naïve files', '日本語'];
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = [`d${i % 7}`, `e${i % 5}`, ...(i % 3 === 0 ? [`f${i % 11}`] : [])];
    const name = i % 50 === 0 ? `${odd[(i / 50) % odd.length]} ${i}.txt` : `file-${i}.bin`;
    keys.push([...folder, name].join('/'));
  }
  const folders = new Set(keys.map((key) => key.slice(0, key.lastIndexOf('/'))));
  for (const folder of folders) await mkdir(join(root, ...folder.split('/')), { recursive: true });
  for (const [i, key] of keys.entries()) await writeFile(join(root, ...key.split('/')), contentOf(i));
  return keys.sort();
}

/** The bytes of file number `i`: its own text, repeated to a size that varies with i. */
function contentOf(i: number): Buffer {
  const line = Buffer.from(`file ${i} of a tree synced through Pail's S3 listener\n`);
  return Buffer.concat(Array.from({ length: i % 61 }, () => line));
}

/** Every file under `root`, as a map from its key (path with `/`) to its bytes. */
export async function readTree(root: string): Promise<Map<string, Buffer>> {
  const tree = new Map<string, Buffer>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    tree.set(relative(root, path).split(sep).join('/'), await readFile(path));
  }
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}
