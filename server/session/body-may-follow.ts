import { findCommand } from '../../shared/protocol/commands.ts';
import { tokenize } from '../../shared/protocol/tokens.ts';

/**
 * Whether a refused line may have been an upload whose body is already on
 * its way: a client that does not wait for 100 SEND sends the body right
 * behind the line. Its first word names upload_f (by any alias) and its size
 * is anything but a plain 0. After such a refusal the connection is closed,
 * since no byte of a body may ever be read as a command.
 */
export function bodyMayFollow(line: string): boolean {
  const word = line.trimStart().split(/[ \t]/, 1)[0];
  if (findCommand(word)?.name !== 'upload_f') return false;
  try {
    return tokenize(line)[3] !== '0';
  } catch {
    return true;
  }
}
