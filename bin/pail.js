#!/usr/bin/env node
// The `pail` command. It runs the JavaScript that `npm install` (or `npm run
// build`) compiled into dist/ while that build is newer than every source.
// Otherwise (a source edited since, or no build yet) it runs the TypeScript
// sources through tsx's loader, so a checkout always runs what it holds; an
// install without the development tools runs the build it has.
import { existsSync } from 'node:fs';
import { isFresh, SERVER_BUILD } from './build-state.js';

async function loadMain() {
  if (isFresh(SERVER_BUILD)) return import('../dist/launcher/main.js');
  const tsx = await import('tsx/esm/api').catch(() => undefined);
  if (tsx) {
    tsx.register();
    return import('../launcher/main.ts');
  }
  if (existsSync(SERVER_BUILD.stamp)) {
    process.stderr.write('pail: the sources changed since dist/ was built, and tsx is not installed to run them; running the build (npm run build updates it)\n');
    return import('../dist/launcher/main.js');
  }
  process.stderr.write('pail: there is no build in dist/ and no tsx to run the sources: run npm install (or npm run build)\n');
  process.exit(1);
}

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));
