import type { Parsed } from './parse-args.ts';
import type { ClientCommand } from './commands/command.ts';
import { UsageError } from './errors.ts';
import { cliUsage } from './parse-args.ts';

/** Asks a person one question; resolves to undefined when input has ended. */
export interface Prompter {
  ask(question: string): Promise<string | undefined>;
}

/**
 * Asks for each missing argument in turn, as the seed's interactive clients
 * did; without a person to ask, says what is missing.
 */
export async function askForMissing(command: ClientCommand, parsed: Parsed, prompter: Prompter | undefined): Promise<void> {
  if (parsed.missing.length === 0) return;
  if (!prompter) {
    const names = parsed.missing.map((a) => a.name.toUpperCase()).join(' and ');
    throw new UsageError(`${command.word} needs ${names}; usage: pail ${cliUsage(command)}`);
  }
  for (const arg of parsed.missing) {
    const answer = (await prompter.ask(`${arg.question}: `))?.trim();
    if (!answer) throw new UsageError(`no ${arg.name.toUpperCase()} given; ${command.word} not run`);
    parsed.supply(arg, answer);
  }
}
