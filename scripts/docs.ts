// Rewrites the generated tables of PROTOCOL.md and README.md from the code: `npm run docs`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCUMENTS, renderGenerated } from './doc-tables.ts';

for (const name of DOCUMENTS) {
  const path = join(import.meta.dirname, '..', name);
  const before = await readFile(path, 'utf8');
  const after = renderGenerated(before);
  await writeFile(path, after);
  process.stdout.write(`${name}: ${before === after ? 'up to date' : 'tables rewritten'}\n`);
}
