import { describe, expect, it } from 'vitest';
import { attachment } from '../../gateway/http/disposition.ts';
import { contentRange, resolveRange } from '../../shared/http/range.ts';

describe('resolveRange', () => {
  const SIZE = 100;
  it.each([
    ['bytes=0-9', { kind: 'partial', offset: 0, length: 10 }],
    ['bytes=90-', { kind: 'partial', offset: 90, length: 10 }],
    ['bytes=-5', { kind: 'partial', offset: 95, length: 5 }],
    ['bytes=-500', { kind: 'partial', offset: 0, length: 100 }],
    ['bytes=50-1000', { kind: 'partial', offset: 50, length: 50 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'whole' }],
    ['bytes=9-3', { kind: 'whole' }],
    ['items=0-1', { kind: 'whole' }],
    ['bytes=-', { kind: 'whole' }],
  ])('%s', (header, expected) => {
    expect(resolveRange(header, SIZE)).toEqual(expected);
  });

  it('sends the whole file without a Range header', () => {
    expect(resolveRange(undefined, SIZE)).toEqual({ kind: 'whole' });
  });

  it('finds nothing to send in an empty file', () => {
    expect(resolveRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('sends an empty file whole for a suffix range, which no Content-Range could describe', () => {
    expect(resolveRange('bytes=-5', 0)).toEqual({ kind: 'whole' });
  });

  it('formats Content-Range', () => {
    expect(contentRange(90, 10, SIZE)).toBe('bytes 90-99/100');
  });
});

describe('attachment', () => {
  it('keeps a plain name as it is', () => {
    expect(attachment('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it('never lets a name break out of the header', () => {
    const header = attachment('a"b\\c\r\nSet-Cookie: x=1;.html');
    expect(header).not.toMatch(/[\r\n]/);
    const fallback = /filename="([^"]*)"/.exec(header)![1];
    expect(fallback).toBe('a_b_c__Set-Cookie: x=1;.html');
    expect(header).toContain(`filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1%3B.html`);
  });

  it("encodes UTF-8 and RFC 8187's reserved characters", () => {
    expect(attachment("l'été (1)*.txt")).toBe(`attachment; filename="l'_t_ (1)*.txt"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20%281%29%2A.txt`);
  });
});
