/**
 * The single byte range of a `Range: bytes=…` header (RFC 9110 §14), resolved
 * against the file's size. Anything but one well-formed byte range (several
 * ranges, another unit, garbage) is ignored and the whole file is sent, as the
 * RFC allows.
 */
export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly offset: number; readonly length: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function resolveRange(header: string | undefined, size: number): RangeAnswer {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // A suffix: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    // Satisfiable (RFC 9110 §14.1.1) but no Content-Range can name zero bytes: the whole, empty file (§14.1.2).
    if (size === 0) return { kind: 'whole' };
    const length = Math.min(suffix, size);
    return { kind: 'partial', offset: size - length, length };
  }
  const offset = Number(first);
  if (!Number.isSafeInteger(offset) || offset >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < offset) return { kind: 'whole' };
  return { kind: 'partial', offset, length: end - offset + 1 };
}

/** `bytes 0-99/1000` */
export function contentRange(offset: number, length: number, size: number): string {
  return `bytes ${offset}-${offset + length - 1}/${size}`;
}
