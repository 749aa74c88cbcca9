import { compareKeys } from '../../../shared/protocol/names.ts';

/** Rows kept in key byte order: found by halving, never by a scan of a hundred thousand. */
interface Keyed {
  readonly key: string;
}

/** The index of the row with this key, or -(insertion point + 1) when there is none. */
export function findKey(rows: readonly Keyed[], key: string): number {
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compareKeys(rows[middle].key, key);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -(low + 1);
}

/** A copy of the rows with this one in its place: replacing the row of the same key, or inserted in order. */
export function insertKey<T extends Keyed>(rows: readonly T[], row: T): T[] {
  const found = findKey(rows, row.key);
  return found >= 0 ? rows.with(found, row) : rows.toSpliced(-found - 1, 0, row);
}
