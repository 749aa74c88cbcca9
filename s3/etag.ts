/** An object's ETag: its SHA-256 in quotes (64 hex digits, which no client mistakes for an MD5). */
export function etagOf(object: { readonly sha256: string }): string {
  return `"${object.sha256}"`;
}
