import { createInterface } from 'node:readline/promises';
import { findServiceWord, SHELL_WORD, type ServiceWord } from '../shared/config/services.ts';
import type { Settings } from '../shared/config/settings.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { LazyConnection } from './connection.ts';
import { describeFailure, UsageError } from './errors.ts';
import { Exit } from './exit.ts';
import { parseInvocation, type Invocation } from './invocation.ts';
import { Output } from './output.ts';
import type { Prompter } from './prompt.ts';
import { findClientCommand } from './registry.ts';
import { runClientCommand } from './run.ts';
import { runShell } from './shell.ts';

/**
 * Runs a service word (`pail server`, `gateway`, `start`): the launcher's
 * business, handed in by it, so that this client never loads a server.
 */
export type ServiceRunner = (service: ServiceWord, settings: Settings) => Promise<number>;

/** Runs the `pail` command; resolves to the process exit status. */
export async function main(argv: readonly string[], runService?: ServiceRunner): Promise<number> {
  // `pail ls | head` closes the pipe early; the reader had what it wanted, so stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(Exit.ok);
  });
  let output = new Output(argv.includes('--json'), process.stdout, process.stderr);
  try {
    const invocation = parseInvocation(argv, process.env);
    output = new Output(invocation.json, process.stdout, process.stderr);
    return await dispatch(invocation, output, runService);
  } catch (err) {
    const { exit, report } = describeFailure(err);
    output.failure(report);
    return exit;
  }
}

async function dispatch(invocation: Invocation, output: Output, runService: ServiceRunner | undefined): Promise<number> {
  const { word, words, settings } = invocation;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (word === undefined) {
    // Alone on a terminal, pail is a shell; in a script, it explains itself.
    if (interactive) return runShell(settings, output);
    return runOneShot(invocation, 'help', output);
  }
  const service = findServiceWord(word);
  if (service) {
    if (words.length) throw new UsageError(`${word} takes no arguments, only settings: ${words.join(' ')}`);
    if (!runService) throw new UsageError(`pail ${word} runs Pail itself; start it with bin/pail.js`);
    return runService(service, settings);
  }
  if (word === SHELL_WORD.name) {
    if (words.length) throw new UsageError(`shell takes no arguments: ${words.join(' ')}`);
    return runShell(settings, output);
  }
  return runOneShot(invocation, word, output);
}

async function runOneShot({ settings, words }: Invocation, word: string, output: Output): Promise<number> {
  const command = findClientCommand(word);
  if (!command) throw new UsageError(`no command ${JSON.stringify(word)}; try pail help`, Reason.unknownCommand);
  const connection = new LazyConnection(settings);
  const interrupt = new AbortController();
  // The first Ctrl-C lets the command clean up (no partial files); a second one does not wait.
  const onInterrupt = () => (interrupt.signal.aborted ? process.exit(Exit.interrupted) : interrupt.abort());
  process.on('SIGINT', onInterrupt);
  try {
    return await runClientCommand(command, words, {
      output,
      connection,
      prompter: process.stdin.isTTY ? terminalPrompter() : undefined,
      stdin: process.stdin,
      stdout: process.stdout,
      terminal: process.stderr,
      signal: interrupt.signal,
      inShell: false,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    await connection.close();
  }
}

/** Asks on the terminal, one question at a time. */
function terminalPrompter(): Prompter {
  return {
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
