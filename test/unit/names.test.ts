import { describe, expect, it } from 'vitest';
import { bucketNameProblem, fileNameProblem } from '../../shared/protocol/names.ts';

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

describe('file names', () => {
  it.each(['a', 'my cat.jpg', '.hidden', '...', 'ünïcødé ✓', 'é'.repeat(127), '%2e%2e', 'x'.repeat(255)])('accepts %j', (name) => {
    expect(fileNameProblem(name)).toBeNull();
  });
  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot dot', '..'],
    ['slash', 'a/b'],
    ['absolute', '/etc/passwd'],
    ['backslash', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['CR/LF', 'a\r\nb'],
    ['DEL', 'a\u007f'],
    ['256 bytes', 'x'.repeat(256)],
    ['256 bytes of two-byte characters', 'é'.repeat(128)],
    ['lone surrogate', 'a\ud800'],
  ])('refuses %s', (_label, name) => {
    expect(fileNameProblem(name)).toMatch(/./);
  });
});
