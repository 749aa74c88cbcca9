import { describe, expect, it } from 'vitest';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { entryName, selectedItems } from '../../gateway/zip/selection.ts';

const reasonOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (err) {
    return err instanceof PailError ? err.reason : String(err);
  }
};

describe('a zip selection made plain', () => {
  it('drops prefixes inside other prefixes, keys under a prefix, and keys given twice', () => {
    const items = selectedItems({ keys: ['b.txt', 'a/x.txt', 'b.txt', 'c/d/e.txt'], prefixes: ['a/', 'a/b/', 'c/d/e/', 'c/'] }, '', 'download');
    expect(items).toEqual([
      { kind: 'prefix', prefix: 'a/' },
      { kind: 'key', key: 'b.txt' },
      { kind: 'prefix', prefix: 'c/' },
    ]);
  });

  it('takes the prefix \'\' as the whole bucket, which holds everything else', () => {
    expect(selectedItems({ keys: ['z'], prefixes: ['photos/', ''] }, '', 'download')).toEqual([{ kind: 'prefix', prefix: '' }]);
  });

  it('orders items by the bytes of their keys, so the archive lists keys as the bucket does', () => {
    // U+FF5E sorts before U+1F600 in UTF-8 bytes, though not in UTF-16 code units.
    const items = selectedItems({ keys: ['\u{1F600}.txt', '\uFF5E.txt', 'a0'], prefixes: ['a/'] }, '', 'download');
    expect(items.map((i) => (i.kind === 'key' ? i.key : i.prefix))).toEqual(['a/', 'a0', '\uFF5E.txt', '\u{1F600}.txt']);
  });

  it('refuses what is empty, breaks the key rules, is not a folder, or lies outside the base', () => {
    expect(reasonOf(() => selectedItems({}, '', 'download'))).toBe(Reason.badArgs);
    expect(reasonOf(() => selectedItems({ keys: ['a/../b'] }, '', 'download'))).toBe(Reason.badName);
    expect(reasonOf(() => selectedItems({ prefixes: ['photos'] }, '', 'download'))).toBe(Reason.badName);
    expect(reasonOf(() => selectedItems({ keys: ['docs/a'] }, 'photos/', 'download'))).toBe(Reason.badArgs);
    expect(reasonOf(() => selectedItems({ prefixes: [''] }, 'photos/', 'download'))).toBe(Reason.badArgs);
  });

  it('names entries relative to the base, a backslash made _ so no extractor takes it for a separator', () => {
    expect(entryName('photos/2024/a.jpg', 'photos/')).toBe('2024/a.jpg');
    expect(entryName('photos/..\\..\\evil', 'photos/')).toBe('.._.._evil');
  });
});
