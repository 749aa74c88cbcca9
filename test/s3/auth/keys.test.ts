import { describe, expect, it } from 'vitest';
import { DEFAULT_S3_KEY, parseS3Keys } from '../../../shared/sigv4/keys.ts';

describe('PAIL_S3_KEYS', () => {
  it("reads ACCESS:SECRET pairs, ':ro' making a pair read-only, secrets holding '/', '=', '+' and ':'", () => {
    expect(parseS3Keys('admin:wJalr/K7MDENG+bPxRfi=CY, reader:s3cr:et/+=:ro ,x:y')).toEqual([
      { accessKey: 'admin', secretKey: 'wJalr/K7MDENG+bPxRfi=CY', readOnly: false },
      { accessKey: 'reader', secretKey: 's3cr:et/+=', readOnly: true },
      { accessKey: 'x', secretKey: 'y', readOnly: false },
    ]);
  });

  it.each([
    ['', /empty/],
    ['a:b,', /pair 2 is empty/],
    ['nocolon', /pair 1 has no access key and secret/],
    [':secret', /pair 1 has no access key/],
    ['a:', /empty secret/],
    ['a::ro', /empty secret/],
    ['a b:c', /whitespace/],
    ['a:b c', /whitespace/],
    ['a:b,a:c', /access key a is given twice/],
  ])('refuses %j with a clear error', (text, message) => {
    expect(() => parseS3Keys(text)).toThrow(message);
  });

  it('has pail:pailsecret as the loopback default', () => {
    expect(DEFAULT_S3_KEY).toEqual({ accessKey: 'pail', secretKey: 'pailsecret', readOnly: false });
  });
});
