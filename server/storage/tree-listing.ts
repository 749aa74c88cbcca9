import { compareKeys } from '../../shared/protocol/names.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import type { ListedFile } from '../../shared/protocol/types.ts';
import type { FolderSnapshot } from './folder-snapshot.ts';
import type { ListingQuery } from './storage.ts';

/** The SHA-256 of no bytes: an explicit folder's. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Files are looked at (lstat) this many at a time as a listing goes. */
const STAT_BATCH = 256;

export interface TreeSource {
  folder(folder: string): Promise<FolderSnapshot | undefined>;
  /** Told of a folder holding a listed file whose SHA-256 is not known yet, so it can be computed in the background. */
  unhashed(folder: string): void;
  /** Told of the folder a listing that walks into folders will most likely need next, so it can be read ahead. */
  prefetch?(folder: string): void;
}

/** How far past a folder entered a listing looks for the next folder to read ahead. */
const PREFETCH_SCAN = 64;

/**
 * A bucket's rows in key byte order, walking its folders depth first. Each
 * folder's entries are sorted so that a folder sorts as its name and `/`,
 * which makes depth-first order the order of whole keys. Where a listing
 * starts (`prefix`, `after`) is found by binary search in each folder on
 * the way down, and it stops at the first key past the prefix: a page costs
 * the folders on its path and the rows it returns, not the bucket.
 *
 * An explicit folder (a key `a/b/`) is a folder marked in its parent's log,
 * or an empty one: it lists as a file of 0 bytes before the keys under it.
 */
export async function* listTree(bucket: string, source: TreeSource, query: ListingQuery): AsyncGenerator<ListingRow> {
  const prefix = query.prefix ?? '';
  const { after, delimiter } = query;
  const top = await source.folder('');
  if (!top) return;
  const state = { done: false };

  /** Whether a folder's key would be one folder row of the listing (with a delimiter, below the prefix). */
  const rolledUp = (key: string): boolean => delimiter !== undefined && key.length > prefix.length && key.startsWith(prefix);
  /**
   * Whether an entry lies wholly before where the listing starts. A file: at or before `after`, or before the
   * prefix. A folder: all of it before `after` (or it is the folder row `after` names), or before the prefix.
   * Entries are sorted, and this holds for a leading run of them only, so it can be searched.
   */
  const before = (key: string, isFolder: boolean): boolean => {
    if (!isFolder) return (after !== undefined && compareKeys(key, after) <= 0) || compareKeys(key, prefix) < 0;
    if (after !== undefined) {
      if (after.startsWith(key)) {
        if (rolledUp(key)) return true;
      } else if (compareKeys(key, after) < 0) return true;
    }
    return compareKeys(key, prefix) < 0 && !prefix.startsWith(key);
  };
  /** Whether a key (or a folder's every key) sorts past everything the prefix covers. */
  const past = (key: string): boolean => !key.startsWith(prefix) && !prefix.startsWith(key) && compareKeys(key, prefix) > 0;

  async function* walk(folder: string, snapshot: FolderSnapshot): AsyncGenerator<ListingRow> {
    let i = snapshot.firstNot((j) => before(folder + snapshot.sortKey(j), snapshot.isDir(j)));
    let statted = i;
    let reported = false;
    for (; i < snapshot.length && !state.done; i++) {
      const key = folder + snapshot.sortKey(i);
      if (past(key)) {
        state.done = true;
        return;
      }
      if (snapshot.isDir(i)) {
        if (rolledUp(key)) {
          if (after === undefined || !after.startsWith(key)) yield { kind: 'folder', bucket, prefix: key };
          continue;
        }
        readAhead(folder, snapshot, i);
        const inner = await source.folder(key);
        if (!inner) continue;
        // The folder's own key: explicit when marked in this folder's log, or when it holds nothing.
        const explicit = snapshot.isMarked(snapshot.names[i]) || inner.length === 0;
        if (explicit && key.startsWith(prefix) && (after === undefined || compareKeys(key, after) > 0)) {
          yield { kind: 'file', file: folderFile(bucket, key, inner.folderMtimeMs) };
        }
        yield* walk(key, inner);
        continue;
      }
      if (i >= statted) {
        await snapshot.statRange(i, i + STAT_BATCH);
        statted = i + STAT_BATCH;
      }
      if (snapshot.isGone(i) || !key.startsWith(prefix)) continue;
      const sha256 = snapshot.sha256(i) ?? null;
      if (sha256 === null && !reported) {
        source.unhashed(folder);
        reported = true;
      }
      const file: ListedFile = { bucket, name: key, size: snapshot.size(i), modified: new Date(snapshot.mtimeMs(i)).toISOString(), sha256 };
      const etag = sha256 === null ? undefined : snapshot.etag(i);
      yield { kind: 'file', file: etag === undefined ? file : { ...file, etag } };
    }
  }

  /** A listing going into the folder at entry i will go into the next folder beside it after: read that one ahead. */
  function readAhead(folder: string, snapshot: FolderSnapshot, i: number): void {
    if (!source.prefetch) return;
    const end = Math.min(snapshot.length, i + 1 + PREFETCH_SCAN);
    for (let j = i + 1; j < end; j++) {
      if (!snapshot.isDir(j)) continue;
      const key = folder + snapshot.sortKey(j);
      if (!past(key)) source.prefetch(key);
      return;
    }
  }

  yield* walk('', top);
}

/** An explicit folder as a file of the listing: no bytes, and the SHA-256 of none. */
export function folderFile(bucket: string, key: string, mtimeMs: number): ListedFile & { sha256: string } {
  return { bucket, name: key, size: 0, modified: new Date(mtimeMs).toISOString(), sha256: EMPTY_SHA256 };
}
