import type { CliArg, ClientCommand, ParsedArgs } from './commands/command.ts';
import { UsageError } from './errors.ts';

/** `put FILE… BUCKET [--name NAME] [--overwrite]` */
export function cliUsage(command: ClientCommand): string {
  const args = command.args.map((a) => {
    const word = `${a.name.toUpperCase()}${a.variadic ? '…' : ''}`;
    return a.optional ? `[${word}]` : word;
  });
  const flags = command.flags.map((f) => `[${f.flag}${f.value ? ` ${f.value}` : ''}]`);
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

/** Reads a command's words (after the command word): flags anywhere, `--` ends them, `-` is an argument. */
export function parseCommandWords(command: ClientCommand, words: readonly string[]): Parsed {
  const args = new Args();
  const positional: string[] = [];
  let flagsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
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
  const missing = assign(command, positional, args);
  return {
    args,
    missing,
    supply(arg, value) {
      args.values.set(arg.name, [value]);
    },
  };
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
