import { CODE_TABLE, codeSpec, type CodeSpec, type Mnemonic } from './codes.ts';
import { isReason, type Reason } from './reasons.ts';
import { quote, splitHead } from './tokens.ts';

/**
 * Status lines: `CODE MNEMONIC field… [text]`. The fields of each code are
 * named in the code table; a failure's first field is its reason word.
 */
export interface Status {
  readonly code: number;
  readonly mnemonic: string;
  readonly spec: CodeSpec | undefined;
  /** The code's named fields, in table order. */
  readonly fields: Readonly<Record<string, string>>;
  /** The code's optional `name=value` fields the line carried. */
  readonly extras: Readonly<Record<string, string>>;
  readonly reason: Reason | undefined;
  readonly text: string;
}

export class ReplyFormatError extends Error {}

const specByMnemonic = new Map<string, CodeSpec>(CODE_TABLE.map((c) => [c.mnemonic, c]));

/** Optional fields of a line: each written when it has a value. */
export type Extras = Readonly<Record<string, string | undefined>>;

/** Formats a status line (without its line feed). Fields are quoted as needed. */
export function formatStatus(mnemonic: Mnemonic, fields: readonly (string | number)[] = [], text = '', extras: Extras = {}): string {
  const spec = specByMnemonic.get(mnemonic)!;
  if (fields.length !== spec.fields.length) {
    throw new ReplyFormatError(`${mnemonic} takes ${spec.fields.length} fields, got ${fields.length}`);
  }
  const parts = [String(spec.code), spec.mnemonic, ...fields.map((f) => quote(String(f)))];
  for (const name of Object.keys(extras)) {
    if (!spec.extras.includes(name)) throw new ReplyFormatError(`${mnemonic} has no optional field ${name}`);
  }
  for (const name of spec.extras) {
    const value = extras[name];
    if (value !== undefined) parts.push(quote(`${name}=${value}`));
  }
  const clean = oneLine(text);
  if (clean) parts.push(clean);
  return parts.join(' ');
}

/** Formats a failure: `750 FUTF exists a file named "x" already exists`. */
export function formatFailure(mnemonic: Mnemonic, reason: Reason, text: string): string {
  return formatStatus(mnemonic, [reason], text);
}

/** Human text never breaks the framing: line breaks and controls become spaces. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const CODE_TOKEN = /^\d{3,4}$/;

/** Parses a status line; throws ReplyFormatError when it is not one. */
export function parseStatus(line: string): Status {
  const { head } = splitHead(line, 2);
  const [codeToken, mnemonic] = head;
  if (codeToken === undefined || !CODE_TOKEN.test(codeToken) || mnemonic === undefined) {
    throw new ReplyFormatError(`not a status line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const code = Number(codeToken);
  const spec = codeSpec(code);
  const names = spec?.fields ?? [];
  const { head: all, rest: afterFields } = splitHead(line, 2 + names.length);
  const values = all.slice(2);
  const fields: Record<string, string> = {};
  names.forEach((name, i) => {
    if (values[i] !== undefined) fields[name] = values[i];
  });
  if (spec && values.length < names.length) {
    throw new ReplyFormatError(`${spec.mnemonic} lacks its ${names[values.length]} field`);
  }
  const { extras, rest } = takeExtras(afterFields, spec?.extras ?? []);
  const reasonWord = spec?.failure ? fields.reason : undefined;
  return {
    code,
    mnemonic,
    spec,
    fields,
    extras,
    reason: reasonWord !== undefined && isReason(reasonWord) ? reasonWord : undefined,
    text: rest,
  };
}

/** The optional `name=value` fields at the head of a line's tail, in the table's order, and the text after them. */
function takeExtras(tail: string, names: readonly string[]): { extras: Record<string, string>; rest: string } {
  const extras: Record<string, string> = {};
  let rest = tail;
  for (const name of names) {
    const unquoted = rest.startsWith(`${name}=`);
    if (!unquoted && !rest.startsWith(`"${name}=`)) continue;
    const { head, rest: after } = splitHead(rest, 1);
    extras[name] = head[0].slice(name.length + 1);
    rest = after;
  }
  return { extras, rest };
}

/** The number of rows or bytes a status line announces, for codes that announce any. */
export function announced(status: Status): number {
  const follows = status.spec?.follows ?? 'none';
  if (follows === 'none') return 0;
  const field = follows === 'rows' ? status.fields.rows : status.fields.length;
  const n = Number(field);
  if (!Number.isSafeInteger(n) || n < 0) throw new ReplyFormatError(`bad count in ${status.mnemonic}: ${field}`);
  return n;
}
