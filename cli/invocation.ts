import { findServiceWord, SHELL_WORD } from '../shared/config/services.ts';
import { hostPort, resolveSettings, type Settings } from '../shared/config/settings.ts';
import { findClientCommand } from './registry.ts';

/** A `pail` command line taken apart: settings, output mode, the command word and the words after it. */
export interface Invocation {
  readonly settings: Settings;
  readonly json: boolean;
  /** Undefined when no command was given. */
  readonly word: string | undefined;
  readonly words: readonly string[];
}

const PORT = /^\d{1,5}$/;
const HELP_FLAGS = new Set(['--help', '-h']);

function isCommandWord(word: string): boolean {
  return findClientCommand(word) !== undefined || findServiceWord(word) !== undefined || word === SHELL_WORD.name;
}

/**
 * Settings flags may stand anywhere before `--`; `--json` likewise; `--help`
 * turns any command into `help COMMAND`. `pail HOST PORT COMMAND …` (the
 * seed clients' form) gives the bucket server's address positionally.
 */
export function parseInvocation(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Invocation {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const { settings, rest } = resolveSettings(head, env);
  const json = rest.includes('--json');
  const wantsHelp = rest.some((w) => HELP_FLAGS.has(w));
  let words = rest.filter((w) => w !== '--json' && !HELP_FLAGS.has(w));
  const [host, port] = words;
  if (host !== undefined && port !== undefined && !isCommandWord(host) && PORT.test(port)) {
    settings.server = hostPort(host, Number(port));
    words = words.slice(2);
  }
  const [word, ...after] = [...words, ...tail];
  if (wantsHelp) return { settings, json, word: 'help', words: word === undefined ? [] : [word] };
  return { settings, json, word, words: after };
}
