import { findCommand } from '../../shared/protocol/commands.ts';
import { auth } from './auth.ts';
import { codes } from './codes.ts';
import type { ClientCommand } from './command.ts';
import { get } from './get.ts';
import { list, ls } from './ls.ts';
import { mb } from './mb.ts';
import { mirror } from './mirror.ts';
import { put } from './put.ts';
import { quit } from './quit.ts';
import { rb } from './rb.ts';
import { rm } from './rm.ts';
import { stat } from './stat.ts';
import { watch } from './watch.ts';
import { abort, begin, complete, part, statusU, uploads } from './upload-sessions.ts';
import { lsP, partN } from './numbered-parts.ts';

/** The client commands that talk to a bucket server, in the order help lists them. */
export const OPERATIONS: readonly ClientCommand[] = [mb, rb, ls, list, put, get, mirror, stat, rm, uploads, begin, part, partN, lsP, statusU, complete, abort, codes, watch, auth, quit];

/**
 * The command among `commands` that a word names: a protocol command's name
 * or any alias, or the word of a command of the client's own, in any letter case.
 */
export function lookup(commands: readonly ClientCommand[], word: string): ClientCommand | undefined {
  const spec = findCommand(word);
  if (spec) return commands.find((c) => c.protocol === spec.name);
  return commands.find((c) => c.protocol === undefined && c.word === word.toLowerCase());
}
