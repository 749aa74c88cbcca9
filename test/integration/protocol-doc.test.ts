import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onEngine } from '../helpers/test-store.ts';
import { CODE_TABLE } from '../../shared/protocol/codes.ts';
import { COMMANDS } from '../../shared/protocol/commands.ts';
import { Reason, REASON_TABLE } from '../../shared/protocol/reasons.ts';
import { BODY_GRACE_MS } from '../../shared/config/settings.ts';
import { DOCUMENTS, renderGenerated } from '../../scripts/doc-tables.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

const doc = await readFile(join(import.meta.dirname, '..', '..', 'PROTOCOL.md'), 'utf8');
const sessions = [...doc.matchAll(/```pail-session\n([\s\S]*?)```/g)].map((m) => m[1].trimEnd().split('\n'));
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;
const normalize = (line: string) => line.replace(TIME, '<time>');

describe('PROTOCOL.md', () => {
  it('lists every reply code and reason word', () => {
    for (const c of CODE_TABLE) expect(doc).toContain(`| ${c.code} | ${c.mnemonic} |`);
    for (const r of REASON_TABLE) expect(doc).toContain(`| \`${r.reason}\` |`);
  });

  it.each(DOCUMENTS)('%s shows the generated tables as the code defines them (npm run docs rewrites them)', async (name) => {
    const text = await readFile(join(import.meta.dirname, '..', '..', name), 'utf8');
    expect(text).toBe(renderGenerated(text));
  });

  it("names the commands open before auth as the table's open column does, and the body grace period as its constant", () => {
    const open = COMMANDS.filter((c) => c.open).map((c) => `\`${c.name}\``);
    const listed = `${open.slice(0, -1).join(', ')} and ${open.at(-1)}`;
    expect(doc).toContain(`every command but ${listed} is refused with \`430 NOAUTH auth-required\``);
    expect(doc).toContain(`after ${BODY_GRACE_MS / 1000} s |`);
  });

  it('has an example session for every command', () => {
    const sent = sessions.flat().filter((l) => l.startsWith('C: ')).map((l) => l.slice(3).split(' ')[0].toLowerCase());
    for (const c of COMMANDS) {
      const words = [c.name, ...c.aliases].map((w) => w.toLowerCase());
      expect(sent.some((w) => words.includes(w)), c.name).toBe(true);
    }
  });

  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const numbered = sessions.map((lines, i) => [i + 1, lines] as const);
  // S3 holds a and a/b both: an example showing the plain tree's folder-conflict refusal replays on the data folder only.
  const treeOnly = ([, lines]: (typeof numbered)[number]) => lines.some((line) => line.includes(Reason.folderConflict));
  const replay = async (_n: number, lines: readonly string[]) => {
    server = await startTestServer();
    let client = await RawClient.open(server.port);
    // Upload ids are random: the example writes <upload>, read from the 1200 UBS line that gave it.
    let upload = '<upload>';
    const reply = async () => {
      const line = await client.line();
      upload = /^1200 UBS ([0-9a-f]{32})/.exec(line)?.[1] ?? upload;
      return normalize(line.replaceAll(upload, '<upload>'));
    };
    try {
      const greeting = await client.line();
      let i = 0;
      if (lines[0].startsWith('S: 200 HELLO')) {
        expect(greeting).toBe(lines[0].slice(3));
        i = 1;
      }
      for (; i < lines.length; i++) {
        const [tag, text] = [lines[i].slice(0, 2), lines[i].slice(3)];
        if (tag === '--') {
          // The server closes the connection (having said all it shows); the example goes on over a new one.
          expect(await client.closed()).toEqual([]);
          client.close();
          client = await RawClient.open(server.port);
        } else if (tag === 'C:') client.send(`${text.replaceAll('<upload>', upload)}\n`);
        else if (tag === 'C+') client.send(text.replace(/\\n/g, '\n'));
        else if (tag === 'S+') expect((await client.bytes(Buffer.byteLength(text))).toString()).toBe(text);
        else if (tag === 'S:' && text === '...') {
          // Skip reply lines until the next line the example shows.
          const next = normalize(lines[i + 1].slice(3));
          for (let skipped = 0; (await reply()) !== next; skipped++) expect(skipped).toBeLessThan(1000);
          i++;
        } else if (tag === 'S:') expect(await reply()).toBe(normalize(text));
        else throw new Error(`unknown line in example: ${lines[i]}`);
      }
    } finally {
      client.close();
    }
  };
  it.each(numbered.filter((example) => !treeOnly(example)))('example session %i replays against a real server', replay);
  it.skipIf(onEngine).each(numbered.filter(treeOnly))('example session %i replays against a real server (the data folder only: it shows the plain tree\'s folder-conflict)', replay);
});
