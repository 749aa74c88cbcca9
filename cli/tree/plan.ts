import { compareKeys } from '../../shared/protocol/names.ts';
import { ClientRefusal } from '../errors.ts';
import type { TreeEntry } from './entries.ts';

/** What a mirror does to make the destination like the source. */
export interface Plan<S extends TreeEntry, D extends TreeEntry> {
  /** Source entries the destination lacks (`new`) or holds with other bytes (`changed`). */
  readonly copies: { readonly entry: S; readonly why: 'new' | 'changed'; readonly sha256?: string }[];
  /** Destination entries the source no longer has (only with `delete`). */
  readonly deletes: D[];
  /** Entries the same on both sides. */
  unchanged: number;
  /** Destination entries the source lacks, kept because `delete` was not asked for. */
  kept: number;
}

/** How a file on both sides is told apart: its SHA-256 on each side (the source's is handed on to check the copy). */
export interface Comparison<S, D> {
  sourceSha256(entry: S): Promise<string>;
  destSha256(entry: D): Promise<string>;
}

/**
 * Walks both sides at once, in key order, as a merge: memory holds the
 * differences, not the trees. Two files with the same key are the same when
 * their sizes agree and then their SHA-256s do (the size first, which costs
 * nothing). A folder entry on one side is present on the other when the
 * other has any key under it (a folder with files is not listed as an entry).
 * The plan's deletes run before its copies (a file `a` goes before a folder
 * `a/` can be made), so a folder emptied by deletes is copied after them.
 */
export async function planMirror<S extends TreeEntry, D extends TreeEntry>(
  source: AsyncIterable<S>,
  dest: AsyncIterable<D>,
  compare: Comparison<S, D>,
  options: { readonly delete: boolean },
): Promise<Plan<S, D>> {
  const plan: Plan<S, D> = { copies: [], deletes: [], unchanged: 0, kept: 0 };
  const s = ordered(source, 'source');
  const d = ordered(dest, 'destination');
  let src = await s.next();
  let dst = await d.next();
  while (!src.done || !dst.done) {
    const order = src.done ? 1 : dst.done ? -1 : compareKeys(src.value.key, dst.value.key);
    if (order === 0) {
      const a = src.value as S;
      const b = dst.value as D;
      if (a.kind === 'folder') plan.unchanged++;
      else await compareFiles(a, b, compare, plan);
      src = await s.next();
      dst = await d.next();
    } else if (order < 0) {
      const a = src.value as S;
      // A source folder holds nothing else, so every destination key under it goes with --delete, and the folder must be made again after.
      if (a.kind === 'folder' && !dst.done && dst.value.key.startsWith(a.key) && !options.delete) plan.unchanged++;
      else plan.copies.push({ entry: a, why: 'new' });
      src = await s.next();
    } else {
      const b = dst.value as D;
      if (b.kind === 'folder' && !src.done && src.value.key.startsWith(b.key)) plan.unchanged++;
      else if (options.delete) plan.deletes.push(b);
      else plan.kept++;
      dst = await d.next();
    }
  }
  return plan;
}

async function compareFiles<S extends TreeEntry, D extends TreeEntry>(a: S, b: D, compare: Comparison<S, D>, plan: Plan<S, D>): Promise<void> {
  if (a.size !== b.size) {
    plan.copies.push({ entry: a, why: 'changed' });
    return;
  }
  const sha256 = await compare.sourceSha256(a);
  if (sha256 === (await compare.destSha256(b))) plan.unchanged++;
  else plan.copies.push({ entry: a, why: 'changed', sha256 });
}

/**
 * The entries of one side, refusing a side that is not in key order: the
 * merge would take a key it has not reached yet for a missing one, and
 * with --delete delete it.
 */
async function* ordered<E extends TreeEntry>(entries: AsyncIterable<E>, side: string): AsyncGenerator<E> {
  let previous: string | undefined;
  for await (const entry of entries) {
    if (previous !== undefined && compareKeys(previous, entry.key) >= 0) {
      throw new ClientRefusal(`the ${side} listed ${JSON.stringify(entry.key)} after ${JSON.stringify(previous)}, out of key order; nothing was changed`);
    }
    previous = entry.key;
    yield entry;
  }
}
