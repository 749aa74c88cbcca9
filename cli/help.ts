import { basename } from 'node:path';
import { commandSpec } from '../shared/protocol/commands.ts';
import { commandHelpRows } from '../shared/protocol/help.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { SERVICE_WORDS, SHELL_WORD } from '../shared/config/services.ts';
import { SETTINGS, type SettingSpec } from '../shared/config/settings.ts';
import { arg, type ClientCommand, type CliFlag } from './commands/command.ts';
import { lookup, OPERATIONS } from './commands/index.ts';
import { UsageError } from './errors.ts';
import { EXIT_STATUSES } from './exit.ts';
import { alignColumns } from './format.ts';
import { HISTORY_FILE } from './history.ts';
import { cliUsage } from './parse-args.ts';

/**
 * `pail help` and `pail help COMMAND`, read off the protocol's command table
 * (names, aliases, summaries, replies), the client commands' arguments, and
 * the settings table.
 */

/** The flag every client command takes besides its own. */
export const JSON_FLAG: CliFlag = { flag: '--json', summary: 'print one JSON document per result, for scripts' };
/** The settings a client reads: where the bucket server is, and the token to present. */
const CLIENT_SETTINGS: readonly SettingSpec[] = SETTINGS.filter((s) => s.key === 'server' || s.key === 'token');
const OTHERS = [...SERVICE_WORDS, SHELL_WORD];
const INDENT = '  ';
const HISTORY_NAME = basename(HISTORY_FILE);

export const help: ClientCommand = {
  protocol: 'help',
  word: 'help',
  args: [arg('command', 'command', 'command', { optional: true })],
  flags: [],
  async run({ output, inShell }, args) {
    const topic = args.one('command');
    const all = [...OPERATIONS, help];
    if (topic === undefined) return output.report({ commands: all.map(describe) }, inShell ? shellOverview(all) : overview(all));
    const command = lookup(all, topic);
    if (command) return output.report({ command: describe(command) }, commandHelp(command));
    const other = OTHERS.find((s) => s.name === topic);
    if (!other) throw new UsageError(`no command ${JSON.stringify(topic)}; try pail help`, Reason.unknownCommand);
    output.report({ command: { word: other.name, summary: other.summary } }, otherHelp(other));
  },
};

function summaryOf(command: ClientCommand): string {
  return command.summary ?? (command.protocol ? commandSpec(command.protocol).summary : '');
}

/** The words a command answers to besides its own: its protocol command's name and aliases. */
function aliasesOf(command: ClientCommand): string[] {
  if (!command.protocol) return [];
  const spec = commandSpec(command.protocol);
  return [spec.name, ...spec.aliases];
}

function describe(command: ClientCommand) {
  return {
    word: command.word,
    usage: `pail ${cliUsage(command)}`,
    summary: summaryOf(command),
    aliases: aliasesOf(command),
    protocol: command.protocol ?? null,
    ...(command.runs ? { runs: command.runs } : {}),
  };
}

function flagUsage(f: CliFlag): string {
  return `${f.short ? `${f.short}, ` : ''}${f.flag}${f.value ? ` ${f.value}` : ''}`;
}

function overview(commands: readonly ClientCommand[]): string[] {
  const flagRows = (flags: readonly { flag: string; value?: string; summary: string; env?: string }[]) =>
    alignColumns(flags.map((f) => [`${f.flag}${f.value ? ` ${f.value}` : ''}`, f.env ? `${f.summary} [${f.env}]` : f.summary]), INDENT);
  return [
    'usage: pail COMMAND [ARGUMENTS] [OPTIONS]',
    '       pail HOST PORT COMMAND [ARGUMENTS]   (the address first, as the seed clients took it)',
    '       pail                                 (the interactive shell, on a terminal)',
    '',
    'client commands (each also answers to its protocol name and aliases; see pail help COMMAND):',
    ...alignColumns(commands.map((c) => [cliUsage(c), summaryOf(c)]), INDENT),
    '',
    'options of the client commands:',
    ...flagRows([JSON_FLAG, ...CLIENT_SETTINGS.map(settingFlag)]),
    '',
    'other commands:',
    ...alignColumns(OTHERS.map((s) => [s.name, s.summary]), INDENT),
    '',
    'settings of server, gateway and start (flags, or the environment variables in brackets):',
    ...flagRows(SETTINGS.map(settingFlag)),
    '',
    'exit status:',
    ...alignColumns(EXIT_STATUSES.map((e) => [String(e.status), e.meaning]), INDENT),
  ];
}

/** What the shell can do: its commands and keys; the servers' settings belong to `pail help` outside it. */
function shellOverview(commands: readonly ClientCommand[]): string[] {
  return [
    'commands (each also answers to its protocol name and aliases; see help COMMAND):',
    ...alignColumns(commands.map((c) => [cliUsage(c), summaryOf(c)]), INDENT),
    '',
    'options of every command:',
    ...alignColumns([[JSON_FLAG.flag, JSON_FLAG.summary]], INDENT),
    '',
    'keys:',
    ...alignColumns(
      [
        ['Tab', 'completes command words, flags, bucket names, file names in the bucket given, and local paths'],
        ['Up, Down', `go through earlier lines (kept in ~/${HISTORY_NAME})`],
        ['Ctrl-C', 'stops the running command (no partial file is left), or clears the line'],
        ['Ctrl-D, quit', 'leaves the shell'],
      ],
      INDENT,
    ),
    'A missing argument is asked for. The services and their settings: pail help, outside the shell.',
  ];
}

function settingFlag(s: SettingSpec) {
  return { flag: s.flag, value: 'VALUE', summary: s.summary, env: s.env };
}

function commandHelp(command: ClientCommand): string[] {
  const flags = alignColumns([...command.flags, JSON_FLAG].map((f) => [flagUsage(f), f.summary]), INDENT);
  if (!command.protocol) {
    return [`usage: pail ${cliUsage(command)}`, summaryOf(command), ...flags, '', `protocol commands it runs: ${(command.runs ?? []).join(', ')}`];
  }
  const spec = commandSpec(command.protocol);
  return [
    `usage: pail ${cliUsage(command)}`,
    summaryOf(command),
    `also: ${aliasesOf(command).filter((w) => w !== command.word).join(', ')}`,
    ...flags,
    '',
    'protocol command:',
    ...commandHelpRows(spec).map((row) => `  ${row}`),
  ];
}

function otherHelp(other: { name: string; summary: string }): string[] {
  return [
    `usage: pail ${other.name} [OPTIONS]`,
    other.summary,
    '',
    'options (flags, or the environment variables in brackets):',
    ...alignColumns(SETTINGS.map((s) => [`${s.flag} VALUE`, `${s.summary} [${s.env}]`]), INDENT),
  ];
}
