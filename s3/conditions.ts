import type { IncomingHttpHeaders } from 'node:http';

/** What an object's conditional headers decide: go on, 412 PreconditionFailed, or 304 Not Modified. */
export type ConditionVerdict = 'proceed' | 'precondition-failed' | 'not-modified';

/**
 * S3's reading of If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since on GET and HEAD (RFC 9110 §13.2.2): If-Match decides
 * over If-Unmodified-Since, If-None-Match over If-Modified-Since, a failed
 * precondition over a not-modified. Times compare in whole seconds, as
 * Last-Modified says them; a date that does not parse is ignored.
 */
export function evaluateConditions(headers: IncomingHttpHeaders, object: { readonly etag: string; readonly modified: string }): ConditionVerdict {
  const modified = Math.floor(Date.parse(object.modified) / 1000) * 1000;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag)) return 'precondition-failed';
  } else {
    const since = parseDate(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) return 'precondition-failed';
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else {
    const since = parseDate(headers['if-modified-since']);
    if (since !== undefined && modified <= since) return 'not-modified';
  }
  return 'proceed';
}

/** Whether a list of entity tags (`"a", W/"b"`, `*`, or a tag without its quotes, as some clients send) names this one. */
export function etagListMatches(list: string, etag: string): boolean {
  const bare = unquote(etag);
  return list.split(',').some((item) => {
    const candidate = item.trim();
    return candidate === '*' || unquote(candidate.replace(/^W\//, '')) === bare;
  });
}

function unquote(tag: string): string {
  return tag.length >= 2 && tag.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : tag;
}

function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
