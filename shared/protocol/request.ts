import { Code, mnemonicOf, type ReplyCode } from './codes.ts';
import { CHUNKED, COMMANDS, findCommand, MAX_PAGE_ROWS, MAX_PART_NUMBER, optionUsage, usage, type ArgSpec, type CommandName, type CommandSpec, type OptionSpec } from './commands.ts';
import { bucketNameProblem, keyProblem } from './names.ts';
import { parsePartList } from './part-list.ts';
import { Reason } from './reasons.ts';
import { formatFailure } from './reply.ts';
import { joinTokens, QuotingError, tokenize } from './tokens.ts';

/**
 * The fields each command's request carries, checked against the table: a
 * handler gets exactly its command's fields, the required ones present.
 */
export interface RequestFields {
  help: { readonly topic?: string };
  code_r: object;
  quit: object;
  auth: { readonly token: string };
  watch: object;
  create_b: { readonly bucket: string };
  delete_b: { readonly bucket: string; readonly force: boolean };
  ls_b: object;
  upload_f: {
    readonly bucket: string;
    readonly name: string;
    /** A byte count, or CHUNKED for a body sent as chunks. */
    readonly size: number | typeof CHUNKED;
    readonly overwrite: boolean;
    readonly sha256?: string;
  } & FileWriteOptions;
  download: {
    readonly bucket: string;
    readonly name: string;
    readonly offset?: number;
    readonly length?: number;
    /** Only the version with this SHA-256. */
    readonly sha256?: string;
  };
  stat: { readonly bucket: string; readonly name: string };
  delete_f: { readonly bucket: string; readonly name: string };
  ls_f: { readonly bucket?: string } & ListingOptions;
  begin_u: {
    readonly bucket: string;
    readonly name: string;
    readonly size?: number;
    readonly overwrite: boolean;
    readonly sha256?: string;
    readonly attrs?: string;
    /** A session of numbered parts (part_n) in place of offsets. */
    readonly parts: boolean;
  };
  part_u: { readonly upload: string; readonly offset: number; readonly size: number | typeof CHUNKED; readonly sha256?: string };
  part_n: { readonly upload: string; readonly number: number; readonly size: number | typeof CHUNKED; readonly sha256?: string; readonly md5?: string };
  ls_p: { readonly upload: string };
  status_u: { readonly upload: string };
  /** `parts`: the numbers of the parts the file is made of, ascending, for a session of numbered parts. */
  complete_u: { readonly upload: string; readonly sha256?: string; readonly parts?: readonly number[]; readonly create: boolean };
  abort_u: { readonly upload: string };
  ls_u: { readonly bucket: string };
}

/** What a writer may ask to be kept with a file beyond its bytes. */
export interface FileWriteOptions {
  /** Keep the MD5 of the body as the file's entity tag: true, or the hex digest the body must have. */
  readonly md5?: true | string;
  /** Text kept with the file and given back with it (content type, user metadata: the server does not read it). */
  readonly attrs?: string;
}

/** The longest `attrs=` text, in bytes: S3's limit on user metadata is 2 KiB; content type and other headers come on top. */
export const MAX_ATTRS_BYTES = 4096;

/** An upload session's id: 32 lower-case hex digits, 128 random bits. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** What a page of `ls_f` asks for; with none of them, the whole listing as before. */
export interface ListingOptions {
  /** Only keys that start with this. */
  readonly prefix?: string;
  /** `/`: keys with a `/` after the prefix roll up into one folder row each. */
  readonly delimiter?: '/';
  /** Start after this key (or after every key under this folder, when it is a folder row of the listing). */
  readonly after?: string;
  /** At most this many rows, folders included. */
  readonly limit?: number;
}

/** The option names of a page, in the order a client writes them. */
export const LISTING_OPTIONS = ['prefix', 'delimiter', 'after', 'limit'] as const satisfies readonly (keyof ListingOptions)[];

/** A parsed request of one command: its name (the discriminant), its table row and its own fields. */
export type RequestOf<N extends CommandName> = { readonly command: N; readonly spec: CommandSpec } & RequestFields[N];

/** A parsed request of any command, discriminated by `command`. */
export type Request = { [N in CommandName]: RequestOf<N> }[CommandName];

/** What the arguments and options of a line gave, before they are sorted into the command's own request. */
interface Parsed {
  bucket?: string;
  name?: string;
  size?: number | typeof CHUNKED;
  offset?: number;
  length?: number;
  topic?: string;
  token?: string;
  upload?: string;
  part?: number;
  readonly flags: Set<string>;
  /** The `key=value` options, by name, their values checked. */
  readonly values: Map<string, OptionResult>;
}

export interface RequestProblem {
  /** 400 BCMD for a line that is not a well-formed command; the command's failure code otherwise. */
  readonly code: ReplyCode;
  readonly reason: Reason;
  readonly message: string;
  readonly command?: CommandSpec;
}

export type ParseResult = { ok: true; request: Request } | { ok: false; problem: RequestProblem };

const DECIMAL = /^(0|[1-9]\d*)$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

function fail(code: ReplyCode, reason: Reason, message: string, command?: CommandSpec): ParseResult {
  return { ok: false, problem: { code, reason, message, command } };
}

function decimal(token: string): number | undefined {
  if (!DECIMAL.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses one request line (without its line ending). Never throws. */
export function parseRequest(line: string): ParseResult {
  let tokens: string[];
  try {
    tokens = tokenize(line);
  } catch (err) {
    if (err instanceof QuotingError) return fail(Code.BCMD, Reason.badQuoting, err.message);
    throw err;
  }
  const [word, ...rest] = tokens;
  if (word === undefined) return fail(Code.BCMD, Reason.unknownCommand, 'empty line; try help');
  const command = findCommand(word);
  if (!command) {
    return fail(Code.BCMD, Reason.unknownCommand, `no command ${JSON.stringify(word.slice(0, 40))}; try help`);
  }
  const bad = (message: string) => fail(Code.BCMD, Reason.badArgs, `${message}; usage: ${usage(command)}`, command);

  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, OptionResult>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    const key = (eq >= 0 ? token.slice(0, eq) : token).toLowerCase();
    const option = command.options.find((o) => o.name === key);
    if (option && positional.length >= required(command.args)) {
      if (option.value && option.bare && eq < 0) flags.add(option.name);
      else if (option.value) {
        const value = optionValue(option, eq >= 0 ? token.slice(eq + 1) : undefined);
        if (typeof value === 'object' && 'problem' in value) {
          return fail(value.reason === Reason.badArgs ? Code.BCMD : command.failure, value.reason, value.problem, command);
        }
        values.set(option.name, value);
      } else if (eq >= 0) return bad(`${option.name} takes no value`);
      else flags.add(option.name);
      continue;
    }
    if (flags.size > 0 || values.size > 0) return bad('options come after the arguments');
    positional.push(token);
  }
  if (positional.length < required(command.args)) return bad('missing arguments');
  if (positional.length > command.args.length) return bad('too many arguments');
  if (command.name === 'ls_f' && values.size > 0 && positional.length === 0) return bad('a page of a listing names its bucket');
  if (command.name === 'begin_u' && flags.has('parts') && values.has('size')) return bad('a session of numbered parts has no size= (its size is known at completion)');

  const request: Parsed = { flags, values };
  for (let i = 0; i < positional.length; i++) {
    const spec: ArgSpec = command.args[i];
    const token = positional[i];
    switch (spec.kind) {
      case 'bucket': {
        const problem = bucketNameProblem(token);
        if (problem) return fail(command.failure, Reason.badName, `${JSON.stringify(token)}: ${problem}`, command);
        request.bucket = token;
        break;
      }
      case 'key': {
        const problem = keyProblem(token);
        if (problem) return fail(command.failure, Reason.badName, `${quoteForText(token)}: ${problem}`, command);
        request.name = token;
        break;
      }
      case 'size': {
        const size = token.toLowerCase() === CHUNKED ? CHUNKED : decimal(token);
        if (size === undefined) {
          return fail(command.failure, Reason.badSize, `size must be a decimal byte count or ${CHUNKED}`, command);
        }
        request.size = size;
        break;
      }
      case 'offset':
      case 'length': {
        const n = decimal(token);
        if (n === undefined) return fail(command.failure, Reason.badRange, `${spec.name} must be a decimal byte count`, command);
        request[spec.kind] = n;
        break;
      }
      case 'command':
        request.topic = token;
        break;
      case 'token':
        request.token = token;
        break;
      case 'part': {
        const n = decimal(token);
        if (n === undefined || n < 1 || n > MAX_PART_NUMBER) return fail(command.failure, Reason.badArgs, `a part number is from 1 to ${MAX_PART_NUMBER}, not ${quoteForText(token)}`, command);
        request.part = n;
        break;
      }
      case 'upload':
        if (!UPLOAD_ID.test(token)) return fail(command.failure, Reason.noSuchUpload, `${quoteForText(token)} is not an upload id`, command);
        request.upload = token;
        break;
    }
  }
  return { ok: true, request: typed(command, request) };
}

/** Sorts what a line gave into its command's request. The table makes the required arguments present; `present` says so. */
function typed(spec: CommandSpec, p: Parsed): Request {
  const { flags, values } = p;
  const sha256 = values.get('sha256') as string | undefined;
  switch (spec.name) {
    case 'help':
      return { command: spec.name, spec, topic: p.topic };
    case 'code_r':
    case 'quit':
    case 'watch':
    case 'ls_b':
      return { command: spec.name, spec };
    case 'auth':
      return { command: spec.name, spec, token: present(p.token, spec) };
    case 'create_b':
      return { command: spec.name, spec, bucket: present(p.bucket, spec) };
    case 'delete_b':
      return { command: spec.name, spec, bucket: present(p.bucket, spec), force: flags.has('force') };
    case 'ls_f':
      return {
        command: spec.name,
        spec,
        bucket: p.bucket,
        prefix: values.get('prefix') as string | undefined,
        delimiter: values.get('delimiter') as '/' | undefined,
        after: values.get('after') as string | undefined,
        limit: values.get('limit') as number | undefined,
      };
    case 'upload_f':
      return {
        command: spec.name,
        spec,
        bucket: present(p.bucket, spec),
        name: present(p.name, spec),
        size: present(p.size, spec),
        overwrite: flags.has('overwrite'),
        sha256,
        md5: flags.has('md5') ? true : (values.get('md5') as string | undefined),
        attrs: values.get('attrs') as string | undefined,
      };
    case 'download':
      return { command: spec.name, spec, bucket: present(p.bucket, spec), name: present(p.name, spec), offset: p.offset, length: p.length, sha256 };
    case 'stat':
    case 'delete_f':
      return { command: spec.name, spec, bucket: present(p.bucket, spec), name: present(p.name, spec) };
    case 'begin_u':
      return {
        command: spec.name,
        spec,
        bucket: present(p.bucket, spec),
        name: present(p.name, spec),
        size: values.get('size') as number | undefined,
        overwrite: flags.has('overwrite'),
        sha256,
        attrs: values.get('attrs') as string | undefined,
        parts: flags.has('parts'),
      };
    case 'part_u':
      return { command: spec.name, spec, upload: present(p.upload, spec), offset: present(p.offset, spec), size: present(p.size, spec), sha256 };
    case 'part_n':
      return {
        command: spec.name,
        spec,
        upload: present(p.upload, spec),
        number: present(p.part, spec),
        size: present(p.size, spec),
        sha256,
        md5: values.get('md5') as string | undefined,
      };
    case 'status_u':
    case 'abort_u':
    case 'ls_p':
      return { command: spec.name, spec, upload: present(p.upload, spec) };
    case 'complete_u':
      return { command: spec.name, spec, upload: present(p.upload, spec), sha256, parts: values.get('parts') as readonly number[] | undefined, create: flags.has('create') };
    case 'ls_u':
      return { command: spec.name, spec, bucket: present(p.bucket, spec) };
  }
}

/** An option's value as checked: text, a count, or a list of part numbers. */
type OptionResult = string | number | readonly number[];

/** An option's value checked against its kind, or why it is refused. */
function optionValue(option: OptionSpec, raw: string | undefined): OptionResult | { reason: Reason; problem: string } {
  const refuse = (problem: string) => ({ reason: Reason.badArgs, problem: `${optionUsage(option)}: ${problem}` });
  if (raw === undefined) return refuse('give a value');
  switch (option.value) {
    case 'sha256':
      return SHA256_HEX.test(raw.toLowerCase()) ? raw.toLowerCase() : refuse('takes 64 hex digits');
    case 'key': {
      // A prefix may be empty (every key); otherwise it and `after` follow the rules of keys.
      if (raw === '' && option.name === 'prefix') return raw;
      const problem = keyProblem(raw);
      return problem ? { reason: Reason.badName, problem: `${JSON.stringify(raw.slice(0, 80))}: ${problem}` } : raw;
    }
    case 'md5':
      return MD5_HEX.test(raw.toLowerCase()) ? raw.toLowerCase() : refuse('takes 32 hex digits');
    case 'attrs':
      return new TextEncoder().encode(raw).length <= MAX_ATTRS_BYTES ? raw : refuse(`takes at most ${MAX_ATTRS_BYTES} bytes`);
    case 'delimiter':
      return raw === '/' ? raw : refuse('the only delimiter is /');
    case 'rows': {
      const n = decimal(raw);
      return n !== undefined && n >= 1 && n <= MAX_PAGE_ROWS ? n : refuse(`takes a count from 1 to ${MAX_PAGE_ROWS}`);
    }
    case 'bytes': {
      const n = decimal(raw);
      return n !== undefined ? n : { reason: Reason.badSize, problem: `${optionUsage(option)}: takes a decimal byte count` };
    }
    case 'parts': {
      const numbers = parsePartList(raw);
      return Array.isArray(numbers) ? numbers : refuse(numbers.problem);
    }
    default:
      return refuse('has no known kind of value');
  }
}

/** A required argument, which the parse above has checked is there; its absence is a table and fields out of step. */
function present<T>(value: T | undefined, spec: CommandSpec): T {
  if (value === undefined) throw new Error(`the command table and the request fields of ${spec.name} disagree`);
  return value;
}

function required(args: readonly ArgSpec[]): number {
  return args.filter((a) => !a.optional).length;
}

function quoteForText(token: string): string {
  return JSON.stringify(token.length > 80 ? `${token.slice(0, 80)}…` : token);
}

/** The failure reply a server gives to a line the codec refused. */
export function formatProblem(problem: RequestProblem): string {
  return formatFailure(mnemonicOf(problem.code), problem.reason, problem.message);
}

/** Formats a request line for a client: the command, its arguments, then its options. */
export function formatRequest(command: string, args: readonly (string | number)[], options: readonly string[] = []): string {
  return joinTokens([command, ...args.map(String), ...options]);
}

/** Every word a command answers to, for completion in the CLI and the console. */
export function commandWords(): string[] {
  return COMMANDS.flatMap((c) => [c.name, ...c.aliases.filter((a) => a !== a.toUpperCase())]);
}
