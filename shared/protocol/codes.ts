/**
 * Every reply code of the Pail protocol, defined once.
 *
 * 300–1050 come from the founding bucket server (a success code per operation,
 * its failure at +50); Pail's own operations go on in its steps (1100 FSS). 1xx and 2xx are Pail's own: 1xx says "more is coming on
 * this connection" (go-ahead, pushed event), 2xx answers session commands.
 * 4xx refuses a line without running an operation.
 *
 * `fields` names the tokens that follow the mnemonic on the status line; what
 * is left of the line after them is free human-readable text. `follows` says
 * what comes after the status line: a number of text rows, a number of bytes,
 * or nothing. `extras` are named fields a line carries only when it has them,
 * written `name=value` after the fields (`etag=…`, `attrs=…`): a line
 * without them reads as before, and an older client takes them for text.
 */
export type Follows = 'none' | 'rows' | 'bytes';

export interface CodeSpec {
  readonly code: number;
  readonly mnemonic: string;
  readonly meaning: string;
  readonly fields: readonly string[];
  readonly follows: Follows;
  /** Optional `name=value` fields after the fixed ones, in this order. */
  readonly extras: readonly string[];
  /** Failure replies carry a reason word as their first field. */
  readonly failure: boolean;
}

function code(
  code: number,
  mnemonic: string,
  meaning: string,
  fields: readonly string[] = [],
  follows: Follows = 'none',
  extras: readonly string[] = [],
): CodeSpec {
  return { code, mnemonic, meaning, fields, follows, extras, failure: fields[0] === 'reason' };
}

/** What a stored file may carry beyond its size, SHA-256 and time: an entity tag and the writer's attributes. */
const FILE_EXTRAS = ['etag', 'attrs'] as const;

const FAILURE = ['reason'] as const;

export const CODE_TABLE = [
  code(100, 'SEND', 'Go ahead: send the file body now', ['size']),
  code(110, 'EVENT', 'A change happened (pushed after watch)', ['kind', 'bucket']),
  code(200, 'HELLO', 'Greeting: the server is ready for commands', ['version']),
  code(210, 'HELP', 'Help text follows', ['rows'], 'rows'),
  code(220, 'CODES', 'The reply code table follows', ['rows'], 'rows'),
  code(230, 'AUTH', 'Authenticated', ['access']),
  code(240, 'WATCH', 'Watching: change events follow until the connection closes'),
  code(280, 'AUTHF', 'Authentication fails', FAILURE),
  code(290, 'BYE', 'Goodbye: the server closes the connection'),
  code(300, 'BCS', 'Bucket created successfully', ['bucket']),
  code(350, 'BCF', 'Bucket creation fails', FAILURE),
  code(400, 'BCMD', 'Bad command: unknown, malformed or not allowed now', FAILURE),
  code(421, 'BUSY', 'Service unavailable: the server closes the connection', FAILURE),
  code(430, 'NOAUTH', 'Authentication required before this command', FAILURE),
  code(500, 'BLS', 'Buckets listed successfully', ['rows'], 'rows'),
  code(550, 'BLF', 'Bucket listing fails', FAILURE),
  code(600, 'BDS', 'Bucket deleted successfully', ['bucket']),
  code(650, 'BDF', 'Bucket deletion fails', FAILURE),
  code(700, 'FUTB', 'File uploaded to bucket successfully', ['size', 'sha256', 'modified'], 'none', FILE_EXTRAS),
  code(750, 'FUTF', 'File upload fails', FAILURE),
  code(800, 'FLS', 'Files listed successfully', ['rows'], 'rows'),
  code(850, 'FLF', 'File listing fails', FAILURE),
  code(900, 'FDFBS', 'File downloaded from bucket successfully: bytes follow', ['length', 'sha256', 'offset', 'total', 'modified'], 'bytes', FILE_EXTRAS),
  code(950, 'FDFBF', 'File download from bucket fails', FAILURE),
  code(1000, 'FDS', 'File deleted successfully', ['bucket', 'name']),
  code(1050, 'FDF', 'File deletion fails', FAILURE),
  code(1100, 'FSS', "File described successfully: its size, SHA-256 and time", ['size', 'sha256', 'modified'], 'none', FILE_EXTRAS),
  code(1150, 'FSF', 'File description fails', FAILURE),
  code(1200, 'UBS', 'Upload session begun: send its parts, then complete it', ['upload']),
  code(1250, 'UBF', 'Upload session cannot begin', FAILURE),
  code(1300, 'UPS', 'Part stored: its bytes are durable', ['offset', 'size', 'sha256']),
  code(1350, 'UPF', 'Part refused: none of its bytes count', FAILURE),
  code(1400, 'UQS', 'Upload session described: the byte ranges held follow', ['held', 'size', 'rows'], 'rows', ['attrs']),
  code(1450, 'UQF', 'Upload session description fails', FAILURE),
  code(1500, 'UAS', 'Upload session aborted: its bytes are gone', ['upload']),
  code(1550, 'UAF', 'Upload session abort fails', FAILURE),
  code(1600, 'ULS', 'Upload sessions listed successfully', ['rows'], 'rows'),
  code(1650, 'ULF', 'Upload session listing fails', FAILURE),
] as const satisfies readonly CodeSpec[];

type Table = typeof CODE_TABLE;
export type Mnemonic = Table[number]['mnemonic'];

/** Named constants: `Code.BCS === 300`. Call sites use these, never bare numbers. */
// The assertion gives each mnemonic its own literal code (Code.BCS is 300, not number); the rule misreads the mapped type.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
export const Code = Object.fromEntries<number>(CODE_TABLE.map((c) => [c.mnemonic, c.code])) as {
  readonly [K in Mnemonic]: Extract<Table[number], { mnemonic: K }>['code'];
};
export type ReplyCode = Table[number]['code'];

const byCode = new Map<number, CodeSpec>(CODE_TABLE.map((c) => [c.code, c]));

export function codeSpec(code: number): CodeSpec | undefined {
  return byCode.get(code);
}

const mnemonicByCode = new Map<number, Mnemonic>(CODE_TABLE.map((c) => [c.code, c.mnemonic]));

/** The mnemonic of a code of the table (a ReplyCode always is one). */
export function mnemonicOf(code: ReplyCode): Mnemonic {
  const mnemonic = mnemonicByCode.get(code);
  if (mnemonic === undefined) throw new Error(`${code} is not in the code table`);
  return mnemonic;
}

/** The offset between an operation's success code and its failure code. */
export const FAILURE_OFFSET = 50;
