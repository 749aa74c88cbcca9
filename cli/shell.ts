import { createInterface } from 'node:readline';
import { QuotingError, tokenize } from '../shared/protocol/tokens.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import type { Settings } from '../shared/config/settings.ts';
import { complete, folderKeys, localPaths, type CompletionSource } from './completion.ts';
import { LazyConnection } from './connection.ts';
import { describeFailure, UsageError } from './errors.ts';
import { Exit, type ExitStatus } from './exit.ts';
import { HISTORY_FILE, HISTORY_SIZE, loadHistory, saveHistory } from './history.ts';
import { LineReader } from './line-reader.ts';
import type { Output } from './output.ts';
import { findClientCommand } from './registry.ts';
import { runClientCommand } from './run.ts';

const PROMPT = 'pail> ';

/**
 * The interactive shell: one connection for the whole session, a prompt,
 * history kept in ~/.pail_history, Tab completion of commands and of bucket,
 * file and local names, and questions for missing arguments. Fed a script on
 * standard input it runs the lines in order, without prompts. Exits with the
 * status of the last command.
 */
export async function runShell(settings: Settings, output: Output): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const connection = new LazyConnection(settings);
  try {
    // A wrong address should fail now, not at the first command.
    await connection.get();
  } catch (err) {
    return fail(output, err);
  }
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history: interactive ? await loadHistory(HISTORY_FILE) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: completer({
      buckets: async () => (await (await connection.get()).listBuckets()).map((b) => b.name),
      files: async (bucket, partial) => folderKeys(await connection.get(), bucket, partial),
      paths: localPaths,
    }),
  });
  let history: readonly string[] = [];
  rl.on('history', (lines: string[]) => {
    history = lines;
  });
  const lines = new LineReader(rl, interactive);
  let running: AbortController | undefined;
  // Ctrl-C stops the running command (a transfer cleans up after itself, a question is dropped), or clears the line being typed.
  rl.on('SIGINT', () => {
    lines.erase();
    if (!running) return rl.prompt();
    running.abort();
    lines.dropQuestion();
  });
  if (interactive) output.note('help lists the commands, Tab completes, quit leaves');

  let status: ExitStatus = Exit.ok;
  for (let line = await lines.ask(PROMPT); line !== undefined; line = await lines.ask(PROMPT)) {
    let words: string[];
    try {
      words = tokenize(line);
    } catch (err) {
      if (!(err instanceof QuotingError)) throw err;
      status = fail(output, new UsageError(err.message, Reason.badQuoting));
      continue;
    }
    const [word, ...rest] = words;
    if (word === undefined) continue;
    const command = findClientCommand(word);
    if (command?.protocol === 'quit') break;
    if (!command) {
      status = fail(output, new UsageError(`no command ${JSON.stringify(word)}; try help`, Reason.unknownCommand));
      continue;
    }
    running = new AbortController();
    status = await runClientCommand(command, rest, {
      output,
      connection,
      prompter: lines,
      stdin: undefined,
      stdout: process.stdout,
      terminal: process.stderr,
      signal: running.signal,
      inShell: true,
    });
    running = undefined;
  }
  rl.close();
  // History is a convenience: a read-only home folder must not fail the session.
  if (interactive) await saveHistory(HISTORY_FILE, history).catch(() => {});
  await connection.close();
  return status;
}

function fail(output: Output, err: unknown): ExitStatus {
  const { exit, report } = describeFailure(err);
  output.failure(report);
  return exit;
}

function completer(source: CompletionSource) {
  return (line: string, callback: (err: null, result: [string[], string]) => void) => {
    complete(line, source).then(
      (result) => callback(null, result),
      // A server that cannot list right now just offers nothing.
      () => callback(null, [[], line]),
    );
  };
}
