import type { Readable, Writable } from 'node:stream';
import type { PailConnection } from '../../shared/client/connection.ts';
import type { ArgKind, CommandName } from '../../shared/protocol/commands.ts';
import type { ExitStatus } from '../exit.ts';
import type { Output } from '../output.ts';
import type { Progress } from '../progress.ts';

/**
 * A client command of `pail`: which protocol command it runs (its name,
 * aliases, summary and replies come from the protocol's command table), the
 * arguments and flags it takes on the command line, and what it does.
 */
export interface ClientCommand {
  readonly protocol: CommandName;
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
}

export interface CliFlag {
  /** `--force` */
  readonly flag: string;
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
  /** The connection, opened on first use. */
  connect: () => Promise<PailConnection>;
  /** A progress bar on standard error, or nothing when that is not a terminal. */
  progress(label: string, total: number | undefined): Progress;
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
