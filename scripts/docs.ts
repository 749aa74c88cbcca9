// Rewrites the generated tables of PROTOCOL.md from the code: `npm run docs`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderGenerated } from './protocol-tables.ts';

const path = join(import.meta.dirname, '..', 'PROTOCOL.md');
const before = await readFile(path, 'utf8');
const after = renderGenerated(before);
await writeFile(path, after);
process.stdout.write(before === after ? 'PROTOCOL.md already up to date\n' : 'PROTOCOL.md tables rewritten\n');
