/**
 * Where the second column of a reply row starts (`help`, `code_r` and the
 * like line their columns up with runs of spaces), or 0 for a row without
 * one. The console indents a wrapped row's further lines to that column, so a
 * long description wraps under itself instead of under the first column.
 */
export function secondColumn(row: string): number {
  const match = /^(\S(?:.*?\S)?)( {2,})\S/.exec(row);
  return match ? match[1].length + match[2].length : 0;
}
