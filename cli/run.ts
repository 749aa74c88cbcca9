import type { Readable, Writable } from 'node:stream';
import { PailPool } from '../shared/client/pool.ts';
import type { ClientCommand } from './commands/command.ts';
import type { LazyConnection } from './connection.ts';
import { describeFailure, InterruptedError } from './errors.ts';
import { Exit, type ExitStatus } from './exit.ts';
import { JSON_FLAG } from './help.ts';
import type { Output } from './output.ts';
import { parseCommandWords } from './parse-args.ts';
import { progressOn, type Terminal } from './progress.ts';
import { askForMissing, type Prompter } from './prompt.ts';

/** What running a client command needs, whether from the command line or the shell. */
export interface RunEnvironment {
  readonly output: Output;
  readonly connection: LazyConnection;
  readonly prompter: Prompter | undefined;
  readonly stdin: Readable | undefined;
  readonly stdout: Writable;
  /** Where progress bars are drawn when it is a terminal. */
  readonly terminal: Terminal;
  readonly signal: AbortSignal;
  readonly inShell: boolean;
}

/** Parses the words, asks for what is missing, runs the command; reports a failure and returns the exit status. */
export async function runClientCommand(command: ClientCommand, words: readonly string[], env: RunEnvironment): Promise<ExitStatus> {
  const { json, rest } = takeJsonFlag(words);
  // A shell line may ask for JSON on its own.
  const output = json && !env.output.json ? env.output.withJson() : env.output;
  // Ctrl-C cuts the connection, so whatever the command waits for fails now; transfers clean up as they fail.
  const cut = () => env.connection.destroy();
  env.signal.addEventListener('abort', cut, { once: true });
  try {
    const parsed = parseCommandWords(command, rest);
    await askForMissing(command, parsed, env.prompter);
    const status = await command.run(
      {
        output,
        get server() {
          return serverOf(env.connection);
        },
        connect: () => env.connection.get(),
        progress: (label, total) => progressOn(env.terminal, label, total),
        pool: (max) => new PailPool({ ...env.connection.connectOptions(), max, maxIdle: max }),
        stdin: env.stdin,
        stdout: env.stdout,
        signal: env.signal,
        inShell: env.inShell,
      },
      parsed.args,
    );
    return status ?? Exit.ok;
  } catch (err) {
    const { exit, report } = describeFailure(env.signal.aborted ? new InterruptedError() : err);
    output.failure(report);
    return exit;
  } finally {
    env.signal.removeEventListener('abort', cut);
  }
}

/** `--json` among a command's words (before any `--`), and the words without it. */
function takeJsonFlag(words: readonly string[]): { json: boolean; rest: string[] } {
  const end = words.indexOf('--');
  const flags = end < 0 ? words : words.slice(0, end);
  const rest = flags.filter((w) => w !== JSON_FLAG.flag);
  return { json: rest.length < flags.length, rest: end < 0 ? rest : [...rest, ...words.slice(end)] };
}

function serverOf(connection: LazyConnection): string {
  const { host, port } = connection.connectOptions();
  return `${host}:${port}`;
}
