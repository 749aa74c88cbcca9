import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys } from '../../shared/protocol/names.ts';
import type { LocalEntry } from './entries.ts';

/** Something under the root that is not copied, and why. */
export type SkipNote = (path: string, why: string) => void;

/**
 * The files under a local folder, and its folders that hold nothing to copy,
 * in the byte order of their keys. Siblings are ordered by name with a `/`
 * after folder names, which puts a folder's keys exactly where a bucket
 * lists them (`a.txt` < `a/b` < `a0`). Symbolic links are not followed (a
 * link may lead out of the tree, or round in a loop) and, like sockets and
 * devices, are skipped and said so. A root that does not exist is an empty tree.
 */
export async function* walkLocal(root: string, skipped: SkipNote): AsyncGenerator<LocalEntry> {
  const rootInfo = await lstat(root).catch(() => undefined);
  if (!rootInfo) return;
  yield* walkFolder(root, '', skipped);
}

async function* walkFolder(path: string, key: string, skipped: SkipNote): AsyncGenerator<LocalEntry, number> {
  let names;
  try {
    names = await readdir(path, { withFileTypes: true });
  } catch (err) {
    skipped(path, `cannot read the folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 0;
  }
  const children = names.map((d) => ({ dirent: d, key: `${key}${d.name}${d.isDirectory() ? '/' : ''}` }));
  children.sort((a, b) => compareKeys(a.key, b.key));
  let yielded = 0;
  for (const { dirent, key: childKey } of children) {
    const childPath = join(path, dirent.name);
    if (dirent.name.includes('\uFFFD')) {
      skipped(childPath, 'its name is not UTF-8, so it cannot be a key');
    } else if (dirent.isSymbolicLink()) {
      skipped(childPath, 'a symbolic link, not followed');
    } else if (dirent.isDirectory()) {
      const inside = yield* walkFolder(childPath, childKey, skipped);
      // A folder with nothing to copy is kept as an explicit folder key.
      if (inside === 0) yield { key: childKey, kind: 'folder', size: 0, path: childPath };
      yielded++;
    } else if (dirent.isFile()) {
      const info = await lstat(childPath).catch(() => undefined);
      if (info?.isFile()) {
        yield { key: childKey, kind: 'file', size: info.size, path: childPath };
        yielded++;
      } else {
        skipped(childPath, 'gone or changed while the folder was read');
      }
    } else {
      skipped(childPath, 'not a file or folder');
    }
  }
  return yielded;
}
