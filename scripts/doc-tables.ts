import { CODE_TABLE } from '../shared/protocol/codes.ts';
import { COMMANDS, usage } from '../shared/protocol/commands.ts';
import { mnemonicOf } from '../shared/protocol/codes.ts';
import { REASON_TABLE } from '../shared/protocol/reasons.ts';
import { DEFAULTS, SETTINGS } from '../shared/config/settings.ts';

/**
 * The reference tables of PROTOCOL.md and README.md, rendered from the
 * tables the code runs on. `npm run docs` writes them into the files between
 * their markers; a test fails when a file and the tables disagree.
 */
const cell = (text: string) => text.replace(/\|/g, '\\|');

function commandsTable(): string {
  const rows = COMMANDS.map((c) => {
    const replies = [c.success, c.failure].map((code) => `${code} ${mnemonicOf(code)}`).join(' · ');
    return `| \`${cell(usage(c))}\` | ${c.aliases.map((a) => `\`${a}\``).join(' ')} | ${replies} | ${cell(c.summary)} |`;
  });
  return ['| command | aliases | replies | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function codesTable(): string {
  const rows = CODE_TABLE.map((c) => {
    const fields = c.fields.length ? c.fields.map((f) => `\`${f}\``).join(' ') : '';
    const follows = c.follows === 'none' ? '' : c.follows === 'rows' ? '`rows` lines' : '`length` bytes';
    return `| ${c.code} | ${c.mnemonic} | ${cell(c.meaning)} | ${fields} | ${follows} |`;
  });
  return ['| code | mnemonic | meaning | fields | then |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function reasonsTable(): string {
  const rows = REASON_TABLE.map((r) => `| \`${r.reason}\` | ${r.http} | ${r.s3} | ${cell(r.meaning)} |`);
  return ['| reason | HTTP status (gateway) | S3 code (S3 listener) | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** A default as a person would write it: `64G` rather than 68719476736, `5m` rather than 300000. */
function humane(kind: string, value: string | number): string {
  if (typeof value !== 'number' || value === 0) return String(value);
  const units: [number, string][] =
    kind === 'bytes' ? [[1024 ** 4, 'T'], [1024 ** 3, 'G'], [1024 ** 2, 'M'], [1024, 'K']] : kind === 'ms' ? [[3_600_000, 'h'], [60_000, 'm'], [1000, 's']] : [];
  const unit = units.find(([size]) => value % size === 0);
  return unit ? `${value / unit[0]}${unit[1]}` : String(value);
}

function settingsTable(): string {
  const rows = SETTINGS.map((s) => {
    const value = DEFAULTS[s.key];
    const shown = value === '' ? '(none)' : `\`${humane(s.kind, value)}\``;
    return `| \`${s.env}\` | \`${s.flag}\` | ${shown} | ${cell(s.summary)} |`;
  });
  return ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const GENERATED: Record<string, () => string> = {
  commands: commandsTable,
  codes: codesTable,
  reasons: reasonsTable,
  settings: settingsTable,
};

/** The documents with generated sections. */
export const DOCUMENTS = ['PROTOCOL.md', 'README.md'];

/** Replaces each `<!-- generated:NAME -->…<!-- /generated -->` section of a document. */
export function renderGenerated(doc: string): string {
  return doc.replace(/<!-- generated:(\w+) -->[\s\S]*?<!-- \/generated -->/g, (whole, name: string) => {
    const render = GENERATED[name];
    if (!render) throw new Error(`no generated section named ${name}`);
    return `<!-- generated:${name} -->\n${render()}\n<!-- /generated -->`;
  });
}
