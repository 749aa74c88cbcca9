import { bodyFollows, bodySizeArg, findCommand } from '../../shared/protocol/commands.ts';
import { QuotingError, tokenize } from '../../shared/protocol/tokens.ts';

/**
 * Whether a refused line may have been an upload whose body is already on
 * its way: a client that does not wait for 100 SEND sends the body right
 * behind the line. Its first word, read as the codec reads it (a quoted
 * `"put"` is an upload too), names a command with a body (upload_f, part_u)
 * by any alias, and its size is anything but a plain 0. After such a refusal the connection is closed,
 * since no byte of a body may ever be read as a command.
 */
export function bodyMayFollow(line: string): boolean {
  let words: string[];
  try {
    words = tokenize(line);
  } catch (err) {
    if (!(err instanceof QuotingError)) throw err;
    // Quoting the codec refuses: judge the first word with its quotes taken off, and assume a body.
    const command = findCommand(line.trimStart().split(/[ \t]/, 1)[0].replaceAll('"', ''));
    return command !== undefined && bodySizeArg(command) >= 0;
  }
  const command = findCommand(words[0] ?? '');
  const sizeArg = command ? bodySizeArg(command) : -1;
  if (sizeArg < 0) return false;
  const size = words[1 + sizeArg];
  return size === undefined || bodyFollows(size);
}
