import type { ClientCommand } from './commands/command.ts';
import { lookup, OPERATIONS } from './commands/index.ts';
import { help } from './help.ts';

/** Every client command of `pail`, the shell's as well. */
export const CLIENT_COMMANDS: readonly ClientCommand[] = [...OPERATIONS, help];

/** The client command a word names: any name or alias of its protocol command, in any letter case. */
export function findClientCommand(word: string): ClientCommand | undefined {
  return lookup(CLIENT_COMMANDS, word);
}

/** The words of the commands of the client's own, which the protocol's table does not hold. */
export function clientOnlyWords(): string[] {
  return CLIENT_COMMANDS.filter((c) => c.protocol === undefined).map((c) => c.word);
}
