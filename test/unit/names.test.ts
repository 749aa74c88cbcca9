import { describe, expect, it } from 'vitest';
import { bucketNameProblem, compareKeys, keyProblem } from '../../shared/protocol/names.ts';

describe('bucket names (S3 rules)', () => {
  it.each(['abc', 'photos-2026', 'my.bucket', 'a1b', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeNull();
  });
  it.each(['ab', 'x'.repeat(64), 'Photos', '-abc', 'abc-', '.abc', 'a..b', 'a_b', 'a b', '192.168.0.1', '.pail', '..', 'a/b'])(
    'refuses %j',
    (name) => {
      expect(bucketNameProblem(name)).toMatch(/./);
    },
  );
});

describe('keys', () => {
  it.each([
    'a',
    'my cat.jpg',
    '.hidden',
    '...',
    'ünïcødé ✓',
    '%2e%2e',
    'x'.repeat(255),
    'a/b/c.txt',
    'photos/2024/',
    'a\\b',
    'a/.hidden/b',
    'a/.../b',
    `${'x'.repeat(255)}/${'y'.repeat(255)}/${'z'.repeat(255)}/${'w'.repeat(255)}`,
  ])('accepts %j', (key) => {
    expect(keyProblem(key)).toBeNull();
  });
  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot dot', '..'],
    ['a dot segment', 'a/./b'],
    ['a dot-dot segment', 'a/../b'],
    ['a trailing dot-dot folder', '../'],
    ['a leading slash', '/etc/passwd'],
    ['an empty segment', 'a//b'],
    ['a lone slash', '/'],
    ['NUL', 'a\u0000b'],
    ['CR/LF', 'a\r\nb'],
    ['DEL', 'a\u007f'],
    ['a segment of 256 bytes', `a/${'x'.repeat(256)}`],
    ['a segment of 256 bytes of two-byte characters', 'é'.repeat(128)],
    ['1025 bytes', `${'x'.repeat(200)}/`.repeat(5) + 'y'.repeat(20)],
    ['lone surrogate', 'a\ud800'],
  ])('refuses %s', (_label, key) => {
    expect(keyProblem(key)).toMatch(/./);
  });
});

describe('key order', () => {
  it('is the order of the UTF-8 bytes, as S3 lists', () => {
    const keys = ['b', 'a/b', 'a-c', 'a.txt', 'a', '\uffff', '😀', '\ue000', 'Z', 'é'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
    expect(byBytes.indexOf('😀')).toBeGreaterThan(byBytes.indexOf('\uffff'));
  });
});
