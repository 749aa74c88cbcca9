import { readdir } from 'node:fs/promises';
import type { PailConnection } from '../shared/client/connection.ts';
import { commandWords } from '../shared/protocol/request.ts';
import { quote, tokenize } from '../shared/protocol/tokens.ts';
import type { CliArg, CliArgKind } from './commands/command.ts';
import { JSON_FLAG } from './help.ts';
import { shortFlag, splitSlashWords } from './parse-args.ts';
import { clientOnlyWords, findClientCommand } from './registry.ts';

/** Where completions come from: the server's buckets and files, and the local folders. */
export interface CompletionSource {
  buckets(): Promise<string[]>;
  /** Keys and folders of the bucket that may complete `partial` (a key typed so far). */
  files(bucket: string, partial: string): Promise<string[]>;
  paths(partial: string): Promise<string[]>;
}

/** readline's answer: the candidates, and the part of the line they replace. */
export type Completion = [string[], string];

/** Completes the word under the cursor: a command, a flag, or an argument by its kind. */
export async function complete(line: string, source: CompletionSource): Promise<Completion> {
  const { words, current } = splitForCompletion(line);
  const candidates = await candidatesFor(words, current, source);
  const hits = [...new Set(candidates)].filter((c) => c.startsWith(current)).sort();
  // A single whole word is followed by a space, ready for the next; a folder stays open for its contents.
  if (hits.length === 1 && !hits[0].endsWith('/')) return [[`${hits[0]} `], current];
  return [hits, current];
}

/**
 * The words before the cursor's, read as the shell reads them (a quoted
 * name with spaces is one word, unquoted), and the cursor's word as typed,
 * an open quote and all.
 */
export function splitForCompletion(line: string): { words: string[]; current: string } {
  const raw = line.match(/"(?:[^"\\]|\\.)*(?:"|$)|[^\s"]+/g) ?? [];
  // The last word is the cursor's unless a space follows it (a space inside an open quote belongs to it).
  const current = raw.length > 0 && line.endsWith(raw.at(-1)!) ? raw.pop()! : '';
  return { words: raw.map(unquoted), current };
}

function unquoted(word: string): string {
  try {
    return tokenize(word)[0] ?? word;
  } catch {
    return word;
  }
}

async function candidatesFor(before: readonly string[], current: string, source: CompletionSource): Promise<string[]> {
  if (before.length === 0) return [...commandWords(), ...clientOnlyWords()];
  const command = findClientCommand(before[0]);
  if (!command) return [];
  if (current.startsWith('--')) return [...command.flags, JSON_FLAG].map((f) => f.flag);
  const given = splitSlashWords(
    command,
    before.slice(1).filter((w) => !w.startsWith('--') && !shortFlag(command, w)),
  );
  const kinds = kindsAt(command.args, given.length);
  const slash = current.indexOf('/');
  // The word as typed so far without its opening quote, to ask the server for what may follow.
  const bare = current.startsWith('"') ? current.slice(1) : current;
  const lists = await Promise.all(
    kinds.map(async (kind): Promise<string[]> => {
      switch (kind) {
        case 'bucket':
          // BUCKET/KEY where the bucket argument may carry its key: the keys of that bucket, after it.
          if (slash > 0 && command.args[given.length]?.slashFills !== undefined) {
            const bucket = bare.slice(0, bare.indexOf('/'));
            return source.files(bucket, bare.slice(bucket.length + 1)).then((names) => names.map((name) => quote(`${bucket}/${name}`)));
          }
          return source.buckets().then((names) => names.map(quote));
        case 'key': {
          const bucket = given[command.args.findIndex((a) => a.kind === 'bucket')];
          return bucket === undefined ? [] : source.files(bucket, bare).then((names) => names.map(quote));
        }
        case 'path':
          return source.paths(current);
        case 'command':
          return commandWords();
        default:
          return [];
      }
    }),
  );
  return lists.flat();
}

/** What the argument at `index` may be; after a variadic one, either it or what follows it. */
function kindsAt(args: readonly CliArg[], index: number): CliArgKind[] {
  const variadic = args.findIndex((a) => a.variadic);
  if (variadic < 0 || index < variadic) return args[index] ? [args[index].kind] : [];
  return [args[variadic].kind, ...args.slice(variadic + 1).map((a) => a.kind)];
}

/** Rows of one page a completion asks for: more than a screen shows, few enough to come at once. */
const COMPLETION_ROWS = 1000;

/** The keys and folders one level down in the folder `partial` has reached (a bucket of millions is not listed whole for a Tab). */
export async function folderKeys(connection: PailConnection, bucket: string, partial: string): Promise<string[]> {
  const folder = partial.slice(0, partial.lastIndexOf('/') + 1);
  const page = await connection.listPage(bucket, { prefix: folder === '' ? undefined : folder, delimiter: '/', limit: COMPLETION_ROWS });
  return [...page.folders, ...page.files.map((f) => f.name)];
}

/** Local paths that start with `partial`; folders end in `/` so completion can go on inside them. */
export async function localPaths(partial: string): Promise<string[]> {
  const prefix = partial.slice(0, partial.lastIndexOf('/') + 1);
  const entries = await readdir(prefix === '' ? '.' : prefix, { withFileTypes: true }).catch(() => []);
  return entries.map((e) => `${prefix}${e.name}${e.isDirectory() ? '/' : ''}`);
}
