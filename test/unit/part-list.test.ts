import { describe, expect, it } from 'vitest';
import { formatPartList, parsePartList } from '../../shared/protocol/part-list.ts';
import { parseRequest } from '../../shared/protocol/request.ts';

describe('the list of parts of a completion', () => {
  it('reads numbers and ranges, ascending', () => {
    expect(parsePartList('1-3,5,7-8')).toEqual([1, 2, 3, 5, 7, 8]);
    expect(parsePartList('10000')).toEqual([10_000]);
    expect(parsePartList('4-4')).toEqual([4]);
  });

  it('refuses numbers out of order, repeated, out of 1 to 10000, backward ranges and stray text', () => {
    for (const list of ['2,1', '1,1', '1-3,3', '1-3,2-4', '0', '10001', '9-10001', '3-1', '', '1,,2', '01', '1-', 'a', '1;2']) {
      expect(Array.isArray(parsePartList(list)), list).toBe(false);
    }
  });

  it('is written with ranges for runs, and read back to the same numbers', () => {
    const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 20, 21];
    expect(formatPartList(numbers)).toBe('1-12,14,20-21');
    expect(parsePartList(formatPartList(numbers))).toEqual(numbers);
    expect(formatPartList([3, 1])).toBe('3,1');
  });

  it('is parsed by the codec into complete_u, and part_n takes its number from 1 to 10000', () => {
    const id = 'a'.repeat(32);
    const complete = parseRequest(`complete_u ${id} parts=1-2,5`);
    expect(complete.ok && complete.request.command === 'complete_u' && complete.request.parts).toEqual([1, 2, 5]);
    const part = parseRequest(`part_n ${id} 10000 chunked md5=${'B'.repeat(32)}`);
    expect(part.ok && part.request.command === 'part_n' && [part.request.number, part.request.size, part.request.md5]).toEqual([10_000, 'chunked', 'b'.repeat(32)]);
    const bad = parseRequest(`part_n ${id} 10001 5`);
    expect(!bad.ok && [bad.problem.code, bad.problem.reason]).toEqual([1750, 'bad-args']);
    const sized = parseRequest('begin_u photos k parts size=5');
    expect(!sized.ok && sized.problem.reason).toBe('bad-args');
    const begun = parseRequest('begin_u photos k parts');
    expect(begun.ok && begun.request.command === 'begin_u' && begun.request.parts).toBe(true);
  });
});
