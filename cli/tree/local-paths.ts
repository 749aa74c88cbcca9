import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalFileError } from '../errors.ts';

/**
 * Where a key (relative to the tree's prefix) is written under the local
 * root. Whatever the server sends, nothing lands outside the root: a key with
 * an empty, `.` or `..` segment, a NUL or a leading `/` is refused before any
 * path is built from it (the server refuses such keys too; this does not rely
 * on that).
 */
export function localPathOf(root: string, key: string): string {
  const segments = key.endsWith('/') ? key.slice(0, -1).split('/') : key.split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || s.includes('\0'));
  if (bad !== undefined) throw new LocalFileError(`refused to write ${JSON.stringify(key)}: it would not stay inside ${root}`);
  return join(root, ...segments);
}

/**
 * Makes the folders of `key`'s path under `root` (all of them for a folder
 * key, those above the file otherwise), refusing to go through a symbolic
 * link or a file: a link inside the root could lead outside it.
 */
export async function makeFoldersFor(root: string, key: string): Promise<void> {
  const segments = key.split('/').slice(0, -1);
  let path = root;
  for (const segment of segments) {
    path = join(path, segment);
    const info = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new LocalFileError(`cannot use ${path}: ${err.code ?? err.message}`, { cause: err });
    });
    if (info?.isDirectory()) continue;
    if (info) throw new LocalFileError(`cannot save ${key}: ${path} is ${info.isSymbolicLink() ? 'a symbolic link (not followed)' : 'not a folder'}`);
    await mkdir(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw new LocalFileError(`cannot make the folder ${path}: ${err.code ?? err.message}`, { cause: err });
    });
  }
}
