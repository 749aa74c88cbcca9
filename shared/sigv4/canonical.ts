import type { IncomingHttpHeaders } from 'node:http';

// The canonical forms of SigV4 for S3: S3 decodes the path and query once and
// encodes them again by one rule, and never double-encodes the path.

const HEX = '0123456789ABCDEF';

/** Whether byte `b` is one SigV4 leaves as it is: A-Z a-z 0-9 - . _ ~ */
function unreserved(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
}

/** Every byte but the unreserved ones (and '/' when `keepSlash`) as %XX, uppercase hex. */
export function uriEncode(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    if (unreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * The bytes `text` stands for: each %XX becomes its byte, anything else its
 * UTF-8 bytes. A '%' not followed by two hex digits stays a '%' (the signer
 * saw the same text and encoded that '%'), and '+' stays a '+'.
 */
export function percentDecode(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]);
      const lo = hexValue(raw[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = raw[i];
  }
  return out.subarray(0, n);
}

/** The path and the query of a raw request target, split at the first '?'. */
export function splitTarget(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  return q < 0 ? { path: rawUrl, query: '' } : { path: rawUrl.slice(0, q), query: rawUrl.slice(q + 1) };
}

/** The canonical URI: the path decoded once and encoded again, '/' kept; '/' when empty. */
export function canonicalUri(path: string): string {
  return path === '' ? '/' : uriEncode(percentDecode(path), true);
}

export interface QueryParam {
  /** The name and value decoded, as the signer meant them. */
  readonly name: string;
  readonly value: string;
  /** The name and value encoded by SigV4's rule. */
  readonly encodedName: string;
  readonly encodedValue: string;
}

/** The query's parameters in the order received; a parameter without '=' has the value ''. */
export function queryParams(query: string): QueryParam[] {
  if (query === '') return [];
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const nameBytes = percentDecode(eq < 0 ? part : part.slice(0, eq));
      const valueBytes = percentDecode(eq < 0 ? '' : part.slice(eq + 1));
      return {
        name: nameBytes.toString('utf8'),
        value: valueBytes.toString('utf8'),
        encodedName: uriEncode(nameBytes, false),
        encodedValue: uriEncode(valueBytes, false),
      };
    });
}

/** The canonical query string: encoded pairs sorted by name, then value (byte order), `leaveOut` names left out. */
export function canonicalQuery(params: readonly QueryParam[], leaveOut?: string): string {
  return params
    .filter((p) => p.name !== leaveOut)
    .map((p) => [p.encodedName, p.encodedValue] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

/** A header's value as SigV4 signs it: trimmed, inner runs of spaces made one; repeated values joined by ','. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  const values = Array.isArray(value) ? value : [value];
  return values.map((v) => v.trim().replace(/ {2,}/g, ' ')).join(',');
}

/** The canonical headers block: one `name:value\n` line per signed header, in the order SignedHeaders gives. */
export function canonicalHeaders(headers: IncomingHttpHeaders, signed: readonly string[]): string {
  return signed.map((name) => `${name}:${canonicalHeaderValue(headers[name])}\n`).join('');
}

/** The canonical request: method, URI, query, headers, the signed-header list and the payload's hash, one per line. */
export function canonicalRequest(method: string, uri: string, query: string, headers: string, signedHeaders: string, payloadHash: string): string {
  return `${method}\n${uri}\n${query}\n${headers}\n${signedHeaders}\n${payloadHash}`;
}
