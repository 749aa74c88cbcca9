/**
 * Tokens of a protocol line: separated by spaces; a token holding a space,
 * quote, backslash or control character (or an empty token) is written in
 * double quotes with backslash escapes.
 */
export class QuotingError extends Error {}

// Control characters are matched on purpose: a token holding one is quoted, so a line never carries it raw.
// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\s"\\\u0000-\u001f\u007f]/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', '0': '\0' };
const ESCAPED: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

/** Writes one token so that `tokenize` reads it back unchanged. */
export function quote(token: string): string {
  if (token.length > 0 && !NEEDS_QUOTES.test(token)) return token;
  let out = '"';
  for (const ch of token) {
    const escaped = ESCAPED[ch];
    if (escaped !== undefined) out += escaped;
    else if (ch < ' ' || ch === '\u007f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

export function joinTokens(tokens: readonly string[]): string {
  return tokens.map(quote).join(' ');
}

/** Splits a line into tokens. Throws QuotingError on an unterminated quote or unknown escape. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let token = '';
      i++;
      for (;;) {
        if (i >= n) throw new QuotingError('unterminated quoted token');
        const ch = line[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = line[i + 1];
          if (next === 'x') {
            const hex = line.slice(i + 2, i + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new QuotingError('bad \\x escape');
            token += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            continue;
          }
          const unescaped = next === undefined ? undefined : ESCAPES[next];
          if (unescaped === undefined) throw new QuotingError(`unknown escape \\${next ?? ''}`);
          token += unescaped;
          i += 2;
          continue;
        }
        token += ch;
        i++;
      }
      if (i < n && line[i] !== ' ' && line[i] !== '\t') {
        throw new QuotingError('a quoted token is followed by a space or the end of the line');
      }
      tokens.push(token);
      continue;
    }
    let j = i;
    while (j < n && line[j] !== ' ' && line[j] !== '\t') {
      if (line[j] === '"') throw new QuotingError('a quote may only open a token');
      j++;
    }
    tokens.push(line.slice(i, j));
    i = j;
  }
  return tokens;
}

/**
 * The first `count` tokens of a line and the raw text after them, for status
 * lines whose tail is free prose.
 */
export function splitHead(line: string, count: number): { head: string[]; rest: string } {
  const head: string[] = [];
  let i = 0;
  const n = line.length;
  while (head.length < count) {
    while (i < n && line[i] === ' ') i++;
    if (i >= n) break;
    if (line[i] === '"') {
      // A quoted field: find its closing quote, honouring escapes.
      let j = i + 1;
      while (j < n && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      head.push(...tokenize(line.slice(i, j + 1)));
      i = j + 1;
    } else {
      let j = i;
      while (j < n && line[j] !== ' ') j++;
      head.push(line.slice(i, j));
      i = j;
    }
  }
  while (i < n && line[i] === ' ') i++;
  return { head, rest: line.slice(i) };
}
