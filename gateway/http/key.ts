import type { FastifyRequest } from 'fastify';
import type { CommandName } from '../../shared/protocol/commands.ts';
import { isFolderKey, keyProblem } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';

/** Route parameters of the file routes: the bucket, and the key as the wildcard `*` (the rest of the path). */
export type KeyParams = { bucket: string; '*': string };

/**
 * The key a file route names: the rest of the path after `files/`, raw `/`
 * separating its folders. The router percent-decodes it exactly once (so
 * `%2F` is a `/` of the key, and `%252F` the three characters `%2F`); it
 * never resolves `.` or `..` segments, so the key rules refuse them here,
 * before the bucket server is asked anything.
 */
export function keyOf(request: FastifyRequest<{ Params: KeyParams }>): string {
  return checkedKey(request.params['*'], request.routeOptions.config.command);
}

/** A key, or a refusal (400 bad-name) saying which rule it breaks. */
export function checkedKey(key: string, command: CommandName | undefined): string {
  const problem = keyProblem(key);
  if (problem) throw refusal(command, Reason.badName, `${problem}: ${JSON.stringify(key)}`);
  return key;
}

/**
 * A folder prefix that keys are put under or named relative to: '' (the
 * bucket itself) or a folder's key, ending in `/`.
 */
export function checkedFolder(prefix: string, what: string, command: CommandName | undefined): string {
  if (prefix === '') return prefix;
  if (!isFolderKey(prefix)) throw refusal(command, Reason.badName, `${what} is a folder: it ends in / (${JSON.stringify(prefix)})`);
  return checkedKey(prefix, command);
}

/** The last folder or file name of a key (`a/b/c.txt` → `c.txt`, `a/b/` → `b`): what a download is saved as. */
export function baseName(key: string): string {
  const segments = key.split('/');
  return segments.at(-1) || (segments.at(-2) ?? key);
}
