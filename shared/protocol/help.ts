import { CODE_TABLE } from './codes.ts';
import { COMMANDS, type CommandSpec, optionUsage, usage } from './commands.ts';
import { mnemonicOf } from './codes.ts';
import { REASON_TABLE } from './reasons.ts';

/** The text rows of `help`, `help COMMAND` and `code_r`, all read off the tables. */
export function helpRows(): string[] {
  const brief = COMMANDS.map(briefUsage);
  const width = Math.max(...brief.map((u) => u.length));
  return COMMANDS.map((c, i) => `${brief[i].padEnd(width)}  ${c.summary}`);
}

/**
 * A command's usage for the list of all: its arguments, and its options by
 * name only (`upload_f BUCKET KEY SIZE [overwrite|sha256|md5|attrs]`), so the
 * first column stays narrow enough for a description beside it; `help
 * COMMAND` gives each option's form.
 */
function briefUsage(command: CommandSpec): string {
  const args = usage({ ...command, options: [] });
  return command.options.length ? `${args} [${command.options.map((o) => o.name).join('|')}]` : args;
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
