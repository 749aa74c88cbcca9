import type { Readable, Writable } from 'node:stream';
import type { PailConnection } from '../../shared/client/connection.ts';
import type { PailPool } from '../../shared/client/pool.ts';
import { MAX_PAGE_ROWS, type ArgKind, type CommandName } from '../../shared/protocol/commands.ts';
import { UsageError } from '../errors.ts';
import type { ExitStatus } from '../exit.ts';
import type { Output } from '../output.ts';
import type { Progress, ProgressLabel } from '../progress.ts';

/**
 * A client command of `pail`: which protocol command it runs (its name,
 * aliases, summary and replies come from the protocol's command table), the
 * arguments and flags it takes on the command line, and what it does. A
 * command of the client's own (`mirror`) has no protocol command of its own:
 * it answers to its word alone and says which protocol commands it runs.
 */
export interface ClientCommand {
  /** Absent for a command of the client's own, made of several protocol commands. */
  readonly protocol?: CommandName;
  /** The protocol commands a command of the client's own runs, for help. */
  readonly runs?: readonly CommandName[];
  /** The word help shows; one of the protocol command's name or aliases. */
  readonly word: string;
  /** Said instead of the protocol summary where the command line works differently. */
  readonly summary?: string;
  readonly args: readonly CliArg[];
  readonly flags: readonly CliFlag[];
  /** Resolves to an exit status when the command reported its own failures (some files of several); a thrown failure is reported for it. */
  run: (context: CommandContext, args: ParsedArgs) => Promise<void | ExitStatus>;
}

/** Local paths complete from the file system; the protocol's kinds from the server. */
export type CliArgKind = ArgKind | 'path';

export interface CliArg {
  readonly name: string;
  readonly kind: CliArgKind;
  readonly optional?: boolean;
  /** Takes one or more words. */
  readonly variadic?: boolean;
  /** What the shell asks for when the argument is missing. */
  readonly question: string;
  /**
   * A bucket argument that may also carry the key after a slash
   * (`BUCKET/KEY`, or `BUCKET/PREFIX`): the name of the argument that the part
   * after the first slash fills (bucket names have no slash).
   */
  readonly slashFills?: string;
}

export interface CliFlag {
  /** `--force` */
  readonly flag: string;
  /** A one-letter spelling (`-r`), as cp and rsync take it. */
  readonly short?: string;
  /** The placeholder of the flag's value (`NAME`), for flags that take one. */
  readonly value?: string;
  readonly summary: string;
}

export interface ParsedArgs {
  one(name: string): string | undefined;
  many(name: string): readonly string[];
  /** A flag's value, `true` for a flag without one, undefined when absent. */
  flag(flag: string): string | true | undefined;
}

export interface CommandContext {
  readonly output: Output;
  /** host:port of the bucket server, as this command reaches it (upload sessions are remembered by it). */
  readonly server: string;
  /** The connection, opened on first use. */
  connect: () => Promise<PailConnection>;
  /** A progress bar on standard error, or nothing when that is not a terminal; a label function is read at each drawing. */
  progress(label: ProgressLabel, total: number | undefined): Progress;
  /** A pool of up to `max` further connections to the same server, for transfers side by side; the command closes it. */
  pool(max: number): PailPool;
  /** Standard input for `put -`; absent in the shell, which reads its commands from it. */
  readonly stdin: Readable | undefined;
  /** Standard output; `isTTY` when it is a terminal. */
  readonly stdout: Writable & { readonly isTTY?: boolean };
  /** Run from `pail shell`, where the words are typed without `pail` and the services are not at hand. */
  readonly inShell: boolean;
  /** Aborted when the person presses Ctrl-C. */
  readonly signal: AbortSignal;
}

export const arg = (name: string, kind: CliArgKind, question: string, more: Partial<CliArg> = {}): CliArg => ({
  name,
  kind,
  question,
  ...more,
});

/** The flag of the tree commands: `put -r`, `get -r`, `ls --recursive`. */
export const RECURSIVE = '--recursive';

/** Rows per page of a listing, for the commands that page through one. */
export const PAGE_SIZE_FLAG: CliFlag = {
  flag: '--page-size',
  value: 'N',
  summary: `rows asked of the server per page of the listing (1 to ${MAX_PAGE_ROWS}; default 1000); paging is otherwise unseen`,
};

/** The --page-size a command was given, or undefined for the default. */
export function pageSizeOf(args: ParsedArgs): number | undefined {
  const value = args.flag(PAGE_SIZE_FLAG.flag);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_ROWS) throw new UsageError(`${PAGE_SIZE_FLAG.flag} is a whole number from 1 to ${MAX_PAGE_ROWS}`);
  return n;
}
