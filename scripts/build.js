#!/usr/bin/env node
// Builds what `npm start` runs: the server, gateway and CLI compiled to dist/
// by TypeScript, and the web app bundled into web/dist by Vite.
//   node scripts/build.js              builds both
//   node scripts/build.js --if-stale   builds only what is older than its sources (npm install, npm start)
// Where the build tools are not installed (npm ci --omit=dev on a built tree)
// a stale part is left as it is: the launcher then runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isFresh, newestSource, ROOT, SERVER_BUILD, WEB_BUILD, writeStamp } from '../bin/build-state.js';

const ifStale = process.argv.includes('--if-stale');
const require = createRequire(import.meta.url);

function resolveTool(name) {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

async function buildServer() {
  const tsc = resolveTool('typescript/bin/tsc');
  if (!tsc) return missingTool(SERVER_BUILD, 'TypeScript');
  const sourcesAt = newestSource(SERVER_BUILD);
  // From scratch, so a source that was removed leaves nothing behind.
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
  if (run.status !== 0) throw new Error(`TypeScript failed to build dist/ (exit ${run.status})`);
  writeStamp(SERVER_BUILD, sourcesAt);
}

async function buildWeb() {
  if (!resolveTool('vite')) return missingTool(WEB_BUILD, 'Vite');
  const sourcesAt = newestSource(WEB_BUILD);
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
  writeStamp(WEB_BUILD, sourcesAt);
}

function missingTool(build, tool) {
  const built = existsSync(build.stamp);
  console.error(`build: ${tool} is not installed; ${built ? `the ${build.name} build on disk is used as it is` : `there is no ${build.name} build`}`);
}

for (const [build, make] of [
  [SERVER_BUILD, buildServer],
  [WEB_BUILD, buildWeb],
]) {
  if (ifStale && isFresh(build)) continue;
  const started = Date.now();
  await make();
  if (existsSync(build.stamp) && isFresh(build)) console.error(`build: ${build.name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
