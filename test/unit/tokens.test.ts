import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinTokens, quote, QuotingError, splitHead, tokenize } from '../../shared/protocol/tokens.ts';

describe('tokens', () => {
  it('splits on spaces and tabs and reads quoted tokens with escapes', () => {
    expect(tokenize('put  photos\t"my cat.jpg" 12')).toEqual(['put', 'photos', 'my cat.jpg', '12']);
    expect(tokenize('"say \\"hi\\"" "back\\\\slash" ""')).toEqual(['say "hi"', 'back\\slash', '']);
    expect(tokenize('"\\x01\\n"')).toEqual(['\u0001\n']);
  });

  it('quotes only what needs it', () => {
    expect(quote('plain.txt')).toBe('plain.txt');
    expect(quote('a b')).toBe('"a b"');
    expect(quote('')).toBe('""');
    expect(quote('q"')).toBe('"q\\""');
  });

  it.each([
    ['unterminated quote', '"abc'],
    ['unknown escape', '"a\\qb"'],
    ['quote inside a bare token', 'ab"c"'],
    ['text glued after a closing quote', '"ab"c'],
    ['bad \\x escape', '"\\xZZ"'],
  ])('refuses %s', (_name, line) => {
    expect(() => tokenize(line)).toThrow(QuotingError);
  });

  it('reads back any list of tokens it wrote (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), (tokens) => {
        expect(tokenize(joinTokens(tokens))).toEqual(tokens);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but QuotingError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (line) => {
        try {
          tokenize(line);
        } catch (err) {
          expect(err).toBeInstanceOf(QuotingError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('splitHead takes leading fields and leaves the prose', () => {
    expect(splitHead('750 FUTF exists a "file" exists', 3)).toEqual({ head: ['750', 'FUTF', 'exists'], rest: 'a "file" exists' });
    expect(splitHead('1000 FDS photos "a b.txt" file deleted', 4)).toEqual({
      head: ['1000', 'FDS', 'photos', 'a b.txt'],
      rest: 'file deleted',
    });
  });
});
