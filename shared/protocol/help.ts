import { CODE_TABLE } from './codes.ts';
import { COMMANDS, type CommandSpec, optionUsage, usage } from './commands.ts';
import { mnemonicOf } from './codes.ts';
import { REASON_TABLE } from './reasons.ts';

/** The text rows of `help`, `help COMMAND` and `code_r`, all read off the tables. */
export function helpRows(): string[] {
  const width = Math.max(...COMMANDS.map((c) => usage(c).length));
  return COMMANDS.map((c) => `${usage(c).padEnd(width)}  ${c.summary}`);
}

export function commandHelpRows(command: CommandSpec): string[] {
  const rows = [`usage: ${usage(command)}`, command.summary];
  if (command.aliases.length) rows.push(`aliases: ${command.aliases.join(', ')}`);
  for (const o of command.options) rows.push(`option ${optionUsage(o)}: ${o.summary}`);
  const replies = [command.success, command.failure].map((code) => `${code} ${mnemonicOf(code)}`);
  rows.push(`replies: ${replies.join(' | ')}`);
  return rows;
}

export function codeRows(): string[] {
  return [
    ...CODE_TABLE.map((c) => `${c.code} ${c.mnemonic} ${c.meaning}`),
    ...REASON_TABLE.map((r) => `reason ${r.reason} ${r.meaning}`),
  ];
}
