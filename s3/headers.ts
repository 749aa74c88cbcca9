import type { IncomingHttpHeaders } from 'node:http';

/** A request header's one value (Node joins or lists repeated ones; S3 takes the first). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
