import { isFolderKey } from '../../../shared/protocol/names.ts';
import * as api from '../api/buckets.ts';
import { ApiError } from '../api/http.ts';
import type { Row } from './files.svelte.ts';

/** Keys asked for at once when a selected folder is listed through. */
const WALK_PAGE = 1000;
/** Deletes sent at once. */
const DELETE_CONCURRENCY = 4;

/** One selected row and every key it stands for: itself for a file, everything under it for a folder. */
export interface SelectedItem {
  readonly row: Row;
  /** Files (not explicit-folder keys), with their sizes. */
  readonly files: { readonly key: string; readonly size: number }[];
  /** Explicit-folder keys (`a/b/`) under a selected folder: deleted last, deepest first. */
  readonly folders: string[];
}

export interface Expanded {
  readonly items: SelectedItem[];
  readonly fileCount: number;
  readonly bytes: number;
}

/**
 * Lists every key under each selected folder with the paged listing (no
 * delimiter, so the whole subtree), to count the files and bytes a delete
 * would remove and to know exactly which keys that is. `onProgress` is told
 * the running file count while a big folder is read.
 */
export async function expandSelection(bucket: string, rows: readonly Row[], onProgress: (files: number) => void, signal: AbortSignal): Promise<Expanded> {
  const items: SelectedItem[] = [];
  let fileCount = 0;
  let bytes = 0;
  for (const row of rows) {
    const item: SelectedItem = { row, files: [], folders: [] };
    if (row.kind === 'file') item.files.push({ key: row.key, size: row.file.size });
    else {
      let after: string | undefined;
      do {
        const page = await api.listPage(bucket, { prefix: row.key, after, limit: WALK_PAGE, signal });
        for (const file of page.files) {
          if (isFolderKey(file.name)) item.folders.push(file.name);
          else item.files.push({ key: file.name, size: file.size });
        }
        after = page.next ?? undefined;
        onProgress(fileCount + item.files.length);
      } while (after !== undefined);
    }
    fileCount += item.files.length;
    bytes += item.files.reduce((sum, f) => sum + f.size, 0);
    items.push(item);
  }
  return { items, fileCount, bytes };
}

/** What became of one selected row: its files deleted and failed. */
export interface Outcome {
  readonly row: Row;
  readonly deleted: number;
  readonly failed: number;
  /** The first refusal, as the gateway gave it. */
  readonly error: string | null;
}

/**
 * Deletes the keys of each item, a few at a time: a folder's files first,
 * then its explicit-folder keys from the deepest up. A key already gone
 * counts as deleted (someone else got there first; the result is the same).
 */
export async function deleteItems(bucket: string, items: readonly SelectedItem[], onDeleted: (key: string) => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const item of items) {
    let error: string | null = null;
    const deleteOne = async (key: string): Promise<boolean> => {
      try {
        await api.deleteFile(bucket, key);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'no-such-file')) {
          error ??= err instanceof Error ? err.message : String(err);
          return false;
        }
      }
      onDeleted(key);
      return true;
    };
    let deleted = 0;
    let failed = 0;
    await eachLimited(item.files, DELETE_CONCURRENCY, async ({ key }) => {
      if (await deleteOne(key)) deleted++;
      else failed++;
    });
    const deepestFirst = item.folders.toSorted((a, b) => b.split('/').length - a.split('/').length);
    for (const folder of deepestFirst) await deleteOne(folder);
    outcomes.push({ row: item.row, deleted, failed, error });
  }
  return outcomes;
}

async function eachLimited<T>(list: readonly T[], limit: number, work: (value: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) await work(list[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
}
