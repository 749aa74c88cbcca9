import { Code, type ReplyCode } from './codes.ts';

/**
 * The command table: each command once, with its aliases, arguments, options
 * and the replies it can give. The server's parser and `help`, the CLI and
 * PROTOCOL.md's checks all read this table.
 */
export type ArgKind = 'bucket' | 'key' | 'size' | 'offset' | 'length' | 'command' | 'token' | 'upload' | 'part';

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  readonly optional?: boolean;
}

/** What a `key=value` option's value is, and the placeholder usage and help show for it. */
export const OPTION_VALUES = {
  sha256: 'HEX',
  md5: 'HEX',
  attrs: 'TEXT',
  key: 'KEY',
  delimiter: '/',
  rows: 'N',
  bytes: 'BYTES',
  parts: 'LIST',
} as const;

export type OptionValue = keyof typeof OPTION_VALUES;

export interface OptionSpec {
  /** A bare word (`force`) or a `key=value` pair (`sha256=…`). */
  readonly name: string;
  readonly value?: OptionValue;
  /** The option may also be given bare, without its value (`md5`, or `md5=HEX`). */
  readonly bare?: boolean;
  readonly summary: string;
}

/** How an option is written in usage and help: `force`, `sha256=HEX`, `md5[=HEX]`. */
export function optionUsage(option: OptionSpec): string {
  if (!option.value) return option.name;
  return option.bare ? `${option.name}[=${OPTION_VALUES[option.value]}]` : `${option.name}=${OPTION_VALUES[option.value]}`;
}

/** The options a write of a file takes beyond overwrite and sha256: what is kept with the file. */
const MD5_OPTION: OptionSpec = { name: 'md5', value: 'md5', bare: true, summary: "keep the body's MD5 as the file's etag; with a digest, refuse a body whose MD5 differs" };
const ATTRS_OPTION: OptionSpec = { name: 'attrs', value: 'attrs', summary: 'text kept with the file and given back by stat, download and listings (content type, metadata)' };

/** Part numbers of a session of numbered parts run from 1 to this (S3's limit). */
export const MAX_PART_NUMBER = 10_000;

/** The most rows one page of `ls_f` may ask for. */
export const MAX_PAGE_ROWS = 10_000;

/** A row of the table; `CommandSpec` is a row whose name is one of the table's. */
interface CommandRow {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly args: readonly ArgSpec[];
  readonly options: readonly OptionSpec[];
  readonly summary: string;
  /** The success reply, then the failure reply (success + 50) for operations. */
  readonly success: ReplyCode;
  readonly failure: ReplyCode;
  /** Whether the command changes stored data (refused to read-only sessions). */
  readonly writes: boolean;
  /** Whether a body or a stream follows, which the web console cannot carry. */
  readonly carriesBody: boolean;
  /** Whether a session may run it before `auth` when the server requires a token. */
  readonly open: boolean;
}

/** The argument of a command's line that gives the size of the body following it, if a body follows. */
export function bodySizeArg(command: CommandSpec): number {
  return command.args.findIndex((a) => a.kind === 'size');
}

/** The size token that announces a chunked body in place of a byte count. */
export const CHUNKED = 'chunked';

/**
 * Whether an upload of this size (a byte count, CHUNKED, or the size token as
 * sent) has a body to follow its line: anything but a plain 0. A refusal of
 * such an upload ends the connection, since its body may already be on the way.
 */
export function bodyFollows(size: number | string): boolean {
  return size !== 0 && size !== '0';
}

const arg = (name: string, kind: ArgKind, optional = false): ArgSpec => ({ name, kind, optional });

const TABLE = [
  {
    name: 'help',
    aliases: ['HELP'],
    args: [arg('command', 'command', true)],
    options: [],
    summary: 'Lists the commands, or explains one command',
    success: Code.HELP,
    failure: Code.BCMD,
    writes: false,
    carriesBody: false,
    open: true,
  },
  {
    name: 'code_r',
    aliases: ['CODE_R', 'codes'],
    args: [],
    options: [],
    summary: 'Lists every reply code with its mnemonic and meaning, then the reason words',
    success: Code.CODES,
    failure: Code.BCMD,
    writes: false,
    carriesBody: false,
    open: true,
  },
  {
    name: 'quit',
    aliases: ['QUIT', 'exit', 'bye'],
    args: [],
    options: [],
    summary: 'Says goodbye and closes the connection',
    success: Code.BYE,
    failure: Code.BCMD,
    writes: false,
    carriesBody: false,
    open: true,
  },
  {
    name: 'auth',
    aliases: ['AUTH'],
    args: [arg('token', 'token')],
    options: [],
    summary: 'Presents the access token when the server requires one',
    success: Code.AUTH,
    failure: Code.AUTHF,
    writes: false,
    carriesBody: false,
    open: true,
  },
  {
    name: 'watch',
    aliases: ['WATCH', 'subscribe'],
    args: [],
    options: [],
    summary: 'Turns this connection into a stream of change events (110 EVENT lines)',
    success: Code.WATCH,
    failure: Code.BCMD,
    writes: false,
    carriesBody: true,
    open: false,
  },
  {
    name: 'create_b',
    aliases: ['CREATE_B', 'mb'],
    args: [arg('bucket', 'bucket')],
    options: [],
    summary: 'Creates a bucket',
    success: Code.BCS,
    failure: Code.BCF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'delete_b',
    aliases: ['DELETE_B', 'rb'],
    args: [arg('bucket', 'bucket')],
    options: [{ name: 'force', summary: 'also delete the files the bucket still holds' }],
    summary: 'Deletes a bucket; one that still holds files only with force',
    success: Code.BDS,
    failure: Code.BDF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'ls_b',
    aliases: ['LIST_B', 'ls'],
    args: [],
    options: [],
    summary: 'Lists the buckets: name, file count, total bytes, creation time',
    success: Code.BLS,
    failure: Code.BLF,
    writes: false,
    carriesBody: false,
    open: false,
  },
  {
    name: 'upload_f',
    aliases: ['UPLOAD', 'upload', 'put'],
    args: [arg('bucket', 'bucket'), arg('key', 'key'), arg('size', 'size')],
    options: [
      { name: 'overwrite', summary: 'replace a file of the same name' },
      { name: 'sha256', value: 'sha256', summary: 'refuse the body unless its SHA-256 is this hex digest' },
      MD5_OPTION,
      ATTRS_OPTION,
    ],
    summary: `Uploads a file: wait for 100 SEND, then send SIZE bytes (or chunks, with SIZE ${CHUNKED})`,
    success: Code.FUTB,
    failure: Code.FUTF,
    writes: true,
    carriesBody: true,
    open: false,
  },
  {
    name: 'download',
    aliases: ['DOWNLOAD', 'get'],
    args: [arg('bucket', 'bucket'), arg('key', 'key'), arg('offset', 'offset', true), arg('length', 'length', true)],
    options: [{ name: 'sha256', value: 'sha256', summary: 'only if the file still has this SHA-256; refused with changed otherwise' }],
    summary: 'Downloads a file, or the byte range from OFFSET (LENGTH bytes, or to the end)',
    success: Code.FDFBS,
    failure: Code.FDFBF,
    writes: false,
    carriesBody: true,
    open: false,
  },
  {
    name: 'stat',
    aliases: ['STAT'],
    args: [arg('bucket', 'bucket'), arg('key', 'key')],
    options: [],
    summary: "Describes a file without its bytes: size, SHA-256, modified",
    success: Code.FSS,
    failure: Code.FSF,
    writes: false,
    carriesBody: false,
    open: false,
  },
  {
    name: 'delete_f',
    aliases: ['DELETE_F', 'rm'],
    args: [arg('bucket', 'bucket'), arg('key', 'key')],
    options: [],
    summary: 'Deletes a file from a bucket',
    success: Code.FDS,
    failure: Code.FDF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'ls_f',
    aliases: ['LIST_F', 'list'],
    args: [arg('bucket', 'bucket', true)],
    options: [
      { name: 'prefix', value: 'key', summary: 'only keys that start with this' },
      { name: 'delimiter', value: 'delimiter', summary: 'roll keys below the next / after the prefix up into one folder row each' },
      { name: 'after', value: 'key', summary: 'start after this key (the next page of a listing that said more)' },
      { name: 'limit', value: 'rows', summary: `at most this many rows, folders included (1 to ${MAX_PAGE_ROWS})` },
    ],
    summary: "Lists a bucket's files, or every bucket's: bucket, key, size, modified, SHA-256; a page of them with options",
    success: Code.FLS,
    failure: Code.FLF,
    writes: false,
    carriesBody: false,
    open: false,
  },
  {
    name: 'begin_u',
    aliases: ['BEGIN_U', 'begin'],
    args: [arg('bucket', 'bucket'), arg('key', 'key')],
    options: [
      { name: 'size', value: 'bytes', summary: 'the whole file\'s size, when known: parts past it are refused, and room is held for it' },
      { name: 'overwrite', summary: 'replace a file of the same key on completion' },
      { name: 'sha256', value: 'sha256', summary: 'refuse the completion unless the whole file has this SHA-256' },
      { ...ATTRS_OPTION, summary: 'text kept with the session (status_u gives it back) and with the file it completes' },
      { name: 'parts', summary: `a session of numbered parts (part_n, 1 to ${MAX_PART_NUMBER}) in place of offsets; not with size=` },
    ],
    summary: 'Begins an upload session for a key: send its parts (in any order, on any connection), then complete it',
    success: Code.UBS,
    failure: Code.UBF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'part_u',
    aliases: ['PART_U', 'part'],
    args: [arg('upload', 'upload'), arg('offset', 'offset'), arg('size', 'size')],
    options: [{ name: 'sha256', value: 'sha256', summary: 'refuse the part unless its own bytes have this SHA-256' }],
    summary: `Writes a part at OFFSET: wait for 100 SEND, then send SIZE bytes (or chunks, with SIZE ${CHUNKED})`,
    success: Code.UPS,
    failure: Code.UPF,
    writes: true,
    carriesBody: true,
    open: false,
  },
  {
    name: 'part_n',
    aliases: ['PART_N'],
    args: [arg('upload', 'upload'), arg('number', 'part'), arg('size', 'size')],
    options: [
      { name: 'sha256', value: 'sha256', summary: 'refuse the part unless its own bytes have this SHA-256' },
      { name: 'md5', value: 'md5', summary: 'refuse the part unless its own bytes have this MD5' },
    ],
    summary: `Writes part NUMBER of a session begun with parts, replacing one of that number: wait for 100 SEND, then send SIZE bytes (or chunks, with SIZE ${CHUNKED})`,
    success: Code.NPS,
    failure: Code.NPF,
    writes: true,
    carriesBody: true,
    open: false,
  },
  {
    name: 'ls_p',
    aliases: ['LIST_P'],
    args: [arg('upload', 'upload')],
    options: [],
    summary: "Lists the numbered parts an upload session holds, in number order: number, size, MD5, modified",
    success: Code.PLS,
    failure: Code.PLF,
    writes: false,
    carriesBody: false,
    open: false,
  },
  {
    name: 'status_u',
    aliases: ['STATUS_U'],
    args: [arg('upload', 'upload')],
    options: [],
    summary: 'Says how much of an upload the server holds: the bytes from 0 without a gap, the size, and each range held',
    success: Code.UQS,
    failure: Code.UQF,
    writes: false,
    carriesBody: false,
    open: false,
  },
  {
    name: 'complete_u',
    aliases: ['COMPLETE_U', 'complete'],
    args: [arg('upload', 'upload')],
    options: [
      { name: 'sha256', value: 'sha256', summary: 'refuse unless the whole file has this SHA-256' },
      { name: 'parts', value: 'parts', summary: 'the numbered parts the file is made of, ascending, ranges allowed (1-12,14); required for, and only for, a session of numbered parts' },
      { name: 'create', summary: 'refuse (exists) if the key exists, whatever begin_u said of overwrite (S3\'s If-None-Match: *)' },
    ],
    summary: 'Completes an upload holding every byte (or made of the numbered parts listed): the file appears, whole and at once, as a plain upload would',
    success: Code.FUTB,
    failure: Code.FUTF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'abort_u',
    aliases: ['ABORT_U', 'abort'],
    args: [arg('upload', 'upload')],
    options: [],
    summary: 'Aborts an upload session; its bytes are removed',
    success: Code.UAS,
    failure: Code.UAF,
    writes: true,
    carriesBody: false,
    open: false,
  },
  {
    name: 'ls_u',
    aliases: ['LIST_U', 'uploads'],
    args: [arg('bucket', 'bucket')],
    options: [],
    summary: "Lists a bucket's open upload sessions: id, key, bytes held, size, begun, last written",
    success: Code.ULS,
    failure: Code.ULF,
    writes: false,
    carriesBody: false,
    open: false,
  },
] as const satisfies readonly CommandRow[];

export type CommandName = (typeof TABLE)[number]['name'];

export interface CommandSpec extends CommandRow {
  readonly name: CommandName;
}

export const COMMANDS: readonly CommandSpec[] = TABLE;

const byName = new Map<string, CommandSpec>();
for (const command of COMMANDS) {
  for (const word of [command.name, ...command.aliases]) byName.set(word.toLowerCase(), command);
}

/** Finds a command by its name or any alias, in any letter case. */
export function findCommand(word: string): CommandSpec | undefined {
  return byName.get(word.toLowerCase());
}

export function commandSpec(name: CommandName): CommandSpec {
  return byName.get(name)!;
}

/** `upload_f BUCKET NAME SIZE [overwrite] [sha256=HEX]` */
export function usage(command: CommandSpec): string {
  const parts: string[] = [command.name];
  let openOptional = 0;
  for (const a of command.args) {
    if (a.optional) {
      parts.push(`[${a.name.toUpperCase()}`);
      openOptional++;
    } else parts.push(a.name.toUpperCase());
  }
  if (openOptional) parts[parts.length - 1] += ']'.repeat(openOptional);
  for (const o of command.options) parts.push(`[${optionUsage(o)}]`);
  return parts.join(' ');
}
