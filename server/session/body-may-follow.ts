import { bodyFollows, findCommand } from '../../shared/protocol/commands.ts';
import { QuotingError, tokenize } from '../../shared/protocol/tokens.ts';

/**
 * Whether a refused line may have been an upload whose body is already on
 * its way: a client that does not wait for 100 SEND sends the body right
 * behind the line. Its first word, read as the codec reads it (a quoted
 * `"put"` is an upload too), names upload_f by any alias, and its size is
 * anything but a plain 0. After such a refusal the connection is closed,
 * since no byte of a body may ever be read as a command.
 */
export function bodyMayFollow(line: string): boolean {
  let words: string[];
  try {
    words = tokenize(line);
  } catch (err) {
    if (!(err instanceof QuotingError)) throw err;
    // Quoting the codec refuses: judge the first word with its quotes taken off, and assume a body.
    return findCommand(line.trimStart().split(/[ \t]/, 1)[0].replaceAll('"', ''))?.name === 'upload_f';
  }
  if (findCommand(words[0] ?? '')?.name !== 'upload_f') return false;
  return words[3] === undefined || bodyFollows(words[3]);
}
