// What a build of Pail is made from, and whether the build on disk is still
// newer than all of it. Plain JavaScript, so the launcher can ask before any
// TypeScript loader is started; the build script records its stamps here too.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The built JavaScript of the server, gateway and CLI, and what it is compiled from. */
export const SERVER_BUILD = {
  name: 'server',
  stamp: join(ROOT, 'dist', 'BUILD.json'),
  sources: ['shared', 'server', 'gateway', 's3', 'cli', 'launcher', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
};

/** The web app's bundle, and what Vite builds it from. */
export const WEB_BUILD = {
  name: 'web',
  stamp: join(ROOT, 'web', 'dist', 'BUILD.json'),
  sources: ['web', 'shared', 'vite.config.ts', 'package.json'],
};

const SKIPPED = new Set(['node_modules', 'dist']);

/** The newest change time among the sources: files and folders (a folder changes when a file is added, removed or renamed). */
export function newestSource(build) {
  let newest = 0;
  const visit = (path) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    if (!st.isDirectory()) {
      newest = Math.max(newest, st.mtimeMs);
      return;
    }
    const entries = readdirSync(path);
    // A folder that holds a build output (web/ holds web/dist) changes with every build: only its other entries count.
    if (!entries.some((entry) => SKIPPED.has(entry))) newest = Math.max(newest, st.mtimeMs);
    for (const entry of entries) if (!SKIPPED.has(entry)) visit(join(path, entry));
  };
  for (const source of build.sources) visit(join(ROOT, source));
  return newest;
}

/** True when the build exists and was made from sources no newer than the ones on disk now. */
export function isFresh(build) {
  try {
    const { sourcesAt } = JSON.parse(readFileSync(build.stamp, 'utf8'));
    return typeof sourcesAt === 'number' && newestSource(build) <= sourcesAt;
  } catch {
    return false;
  }
}

/** Records the build, made from sources whose newest change is `sourcesAt` (taken before building: a change made during the build makes it stale). */
export function writeStamp(build, sourcesAt) {
  writeFileSync(build.stamp, `${JSON.stringify({ sourcesAt, builtAt: new Date().toISOString() })}\n`);
}
