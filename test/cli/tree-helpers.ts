import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PailConnection } from '../../shared/client/connection.ts';

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A tree to write: a path ending in `/` is an empty folder, any other a file with these contents. */
export type TreeSpec = Record<string, string | Buffer>;

export async function writeTree(root: string, tree: TreeSpec): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [path, contents] of Object.entries(tree)) {
    if (path.endsWith('/')) {
      await mkdir(join(root, path), { recursive: true });
    } else {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), contents);
    }
  }
}

/**
 * What a local folder holds, as a tree test compares it: each file's path
 * (with `/`) and SHA-256, each empty folder's path ending in `/`, and
 * symbolic links as `-> link`.
 */
export async function readTree(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  async function walk(path: string, rel: string): Promise<void> {
    const entries = await readdir(path, { withFileTypes: true });
    if (entries.length === 0 && rel !== '') found[rel] = 'folder';
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isSymbolicLink()) found[`${rel}${entry.name}`] = '-> link';
      else if (entry.isDirectory()) await walk(child, `${rel}${entry.name}/`);
      else found[`${rel}${entry.name}`] = sha256(await readFile(child));
    }
  }
  if (await lstat(root).catch(() => undefined)) await walk(root, '');
  return found;
}

/** What a bucket holds under a prefix: each key (relative to the prefix) and its SHA-256, explicit folders as `folder`. */
export async function readBucket(client: PailConnection, bucket: string, prefix = ''): Promise<Record<string, string>> {
  const files = [];
  for await (const row of client.walk(bucket, prefix === '' ? {} : { prefix })) if (row.kind === 'file') files.push(row.file);
  // Asked after the walk: the connection is the listing's until its last row.
  const found: Record<string, string> = {};
  for (const file of files) {
    const key = file.name.slice(prefix.length);
    found[key] = key.endsWith('/') ? 'folder' : (file.sha256 ?? (await client.stat(bucket, file.name)).sha256);
  }
  return found;
}

/** The expected reading of a TreeSpec: files by SHA-256, empty folders as `folder`. */
export function digestOf(tree: TreeSpec): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([path, contents]) => [path, path.endsWith('/') ? 'folder' : sha256(contents)]));
}
