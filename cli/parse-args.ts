import type { CliArg, CliFlag, ClientCommand, ParsedArgs } from './commands/command.ts';
import { UsageError } from './errors.ts';

/** `put FILE… BUCKET [--name NAME] [--overwrite]` */
export function cliUsage(command: ClientCommand): string {
  const args = command.args.map((a) => {
    const word = `${a.name.toUpperCase()}${a.variadic ? '…' : ''}`;
    return a.optional ? `[${word}]` : word;
  });
  const flags = command.flags.map((f) => `[${f.short ?? f.flag}${f.value ? ` ${f.value}` : ''}]`);
  return [command.word, ...args, ...flags].join(' ');
}

class Args implements ParsedArgs {
  readonly values = new Map<string, string[]>();
  readonly flags = new Map<string, string | true>();

  one(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  many(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  flag(flag: string): string | true | undefined {
    return this.flags.get(flag);
  }
}

export interface Parsed {
  readonly args: ParsedArgs;
  /** Required arguments not given, in order; the shell asks for them. */
  readonly missing: readonly CliArg[];
  supply(arg: CliArg, value: string): void;
}

/** The flag a one-letter word (`-r`) spells for this command, if any. */
export function shortFlag(command: ClientCommand, word: string): CliFlag | undefined {
  return /^-[A-Za-z]$/.test(word) ? command.flags.find((f) => f.short === word) : undefined;
}

/**
 * Reads a command's words (after the command word): flags anywhere, `--`
 * ends them, `-` is an argument; a one-letter flag (`-r`) is its long one.
 */
export function parseCommandWords(command: ClientCommand, words: readonly string[]): Parsed {
  const args = new Args();
  const positional: string[] = [];
  let flagsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const short = flagsEnded ? undefined : shortFlag(command, word);
    if (short) {
      if (short.value) throw new UsageError(`${word} stands for ${short.flag}, which needs a ${short.value}: write ${short.flag} ${short.value}`);
      args.flags.set(short.flag, true);
      continue;
    }
    if (flagsEnded || !word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    if (word === '--') {
      flagsEnded = true;
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(0, eq) : word;
    const spec = command.flags.find((f) => f.flag === name);
    if (!spec) throw new UsageError(`${command.word} has no option ${name}; usage: pail ${cliUsage(command)}`);
    if (spec.value) {
      const value = eq >= 0 ? word.slice(eq + 1) : words[++i];
      if (value === undefined) throw new UsageError(`${name} needs a ${spec.value}`);
      args.flags.set(name, value);
    } else {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      args.flags.set(name, true);
    }
  }
  const missing = assign(command, splitSlashWords(command, positional), args);
  return {
    args,
    missing,
    supply(arg, value) {
      args.values.set(arg.name, [value]);
    },
  };
}

/**
 * `BUCKET/KEY` given for a bucket argument that may carry its key is two
 * words, the bucket and the key (`BUCKET/` gives the empty key: the whole
 * bucket, for a prefix); bucket names have no slash, so the first one splits.
 */
export function splitSlashWords(command: ClientCommand, words: readonly string[]): string[] {
  if (command.args.some((a) => a.variadic)) return [...words];
  const out: string[] = [];
  for (const word of words) {
    const spec = command.args[out.length];
    const slash = word.indexOf('/');
    if (spec?.slashFills !== undefined && slash >= 0 && command.args[out.length + 1]?.name === spec.slashFills) {
      out.push(word.slice(0, slash), word.slice(slash + 1));
    } else {
      out.push(word);
    }
  }
  return out;
}

/**
 * Hands the positional words to the arguments: a variadic argument takes
 * whatever the arguments around it leave. Returns the required ones missing.
 */
function assign(command: ClientCommand, words: string[], args: Args): CliArg[] {
  const specs = command.args;
  const variadic = specs.findIndex((a) => a.variadic);
  if (variadic < 0) {
    if (words.length > specs.length) {
      throw new UsageError(`${command.word} takes at most ${specs.length} arguments; usage: pail ${cliUsage(command)}`);
    }
    words.forEach((word, i) => args.values.set(specs[i].name, [word]));
    return specs.slice(words.length).filter((a) => !a.optional);
  }
  const after = specs.slice(variadic + 1);
  const before = specs.slice(0, variadic);
  if (words.length < before.length + 1 + after.length) {
    // Too few to tell the variadic one apart: fill in order, ask for the rest.
    specs.forEach((spec, i) => {
      if (i < words.length) args.values.set(spec.name, [words[i]]);
    });
    return specs.slice(words.length).filter((a) => !a.optional);
  }
  before.forEach((spec, i) => args.values.set(spec.name, [words[i]]));
  args.values.set(specs[variadic].name, words.slice(before.length, words.length - after.length));
  after.forEach((spec, i) => args.values.set(spec.name, [words[words.length - after.length + i]]));
  return [];
}
