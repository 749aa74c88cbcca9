import { MAX_PART_NUMBER } from './commands.ts';

/**
 * The part numbers a completion of numbered parts lists (`parts=1-12,14,20-21`):
 * ascending, each once, ranges for runs. Written once here for the codec,
 * which reads them, and the client, which writes them.
 */
const ITEM = /^([1-9]\d{0,4})(?:-([1-9]\d{0,4}))?$/;

/** The numbers of a list, or why it is refused: not numbers from 1 to MAX_PART_NUMBER, not ascending, or repeated. */
export function parsePartList(text: string): number[] | { problem: string } {
  const numbers: number[] = [];
  if (text === '') return { problem: 'list at least one part number' };
  for (const item of text.split(',')) {
    const match = ITEM.exec(item);
    const first = Number(match?.[1]);
    const last = match?.[2] === undefined ? first : Number(match[2]);
    if (!match || first > MAX_PART_NUMBER || last > MAX_PART_NUMBER) return { problem: `${JSON.stringify(item.slice(0, 20))} is not a part number from 1 to ${MAX_PART_NUMBER} or a range of them` };
    if (last < first) return { problem: `the range ${item} runs backwards` };
    // Ascending and each once: S3 refuses an unordered list (InvalidPartOrder) rather than sort it.
    if (numbers.length && first <= numbers[numbers.length - 1]) return { problem: `part ${first} comes after part ${numbers[numbers.length - 1]}: list parts ascending, each once` };
    for (let n = first; n <= last; n++) numbers.push(n);
  }
  return numbers;
}

/** Writes numbers as a list, runs of consecutive ascending numbers as ranges; numbers out of order are written as given (the server judges them). */
export function formatPartList(numbers: readonly number[]): string {
  const items: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    items.push(j > i ? `${numbers[i]}-${numbers[j]}` : String(numbers[i]));
    i = j + 1;
  }
  return items.join(',');
}
