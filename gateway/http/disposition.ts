/**
 * `Content-Disposition: attachment` with the file name encoded safely (RFC
 * 6266, RFC 8187/5987): a plain ASCII fallback for old clients, and the exact
 * UTF-8 name in `filename*`. The fallback never holds quotes, backslashes,
 * controls or non-ASCII, so no name can break out of the header.
 */
export function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

/** Percent-encodes everything but RFC 8187's attr-char. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
