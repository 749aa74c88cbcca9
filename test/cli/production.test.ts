import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPail, tempFolder } from './harness.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_TIMEOUT_MS = 240_000;

/** Runs npm in a folder; its output, with the exit status checked. */
function npm(cwd: string, args: string[]): string {
  const run = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, CI: '' } });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${run.status}: ${run.stdout}\n${run.stderr}`);
  return `${run.stdout}${run.stderr}`;
}

/**
 * A fresh copy of the checkout (what git would clone, plus files not yet
 * committed), installed the way the README says, then reinstalled without the
 * development tools and started from the build the first install made.
 */
describe('a production install', () => {
  let copy: { path: string; remove(): Promise<void> };
  let installOutput: string;
  let productionOutput: string;

  beforeAll(async () => {
    copy = await tempFolder();
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      await mkdir(join(copy.path, file, '..'), { recursive: true });
      await cp(join(REPO, file), join(copy.path, file), { preserveTimestamps: true }).catch((err: NodeJS.ErrnoException) => {
        // A file deleted but not yet committed is still listed by git.
        if (err.code !== 'ENOENT') throw err;
      });
    }
    installOutput = npm(copy.path, ['install']);
    productionOutput = npm(copy.path, ['ci', '--omit=dev']);
  }, 2 * INSTALL_TIMEOUT_MS);
  afterAll(() => copy?.remove());

  it('installs without a warning and builds dist/ and web/dist once', async () => {
    expect(installOutput).not.toMatch(/\bwarn/i);
    expect(installOutput).toMatch(/build: server built/);
    expect(installOutput).toMatch(/build: web built/);
    expect(await readdir(join(copy.path, 'dist', 'cli'))).toContain('main.js');
    expect(await readdir(join(copy.path, 'web', 'dist'))).toContain('index.html');
  });

  it('reinstalls without the development tools, without a warning and without building again', async () => {
    expect(productionOutput).not.toMatch(/\bwarn/i);
    expect(productionOutput).not.toMatch(/build:/);
    const installed = await readdir(join(copy.path, 'node_modules'));
    expect(installed).not.toContain('tsx');
    expect(installed).not.toContain('typescript');
    expect(installed).not.toContain('vite');
  });

  it('starts from the built JavaScript and serves the app and the API', async () => {
    const pail = startPail(['start', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--s3-port', '0', '--data', join(copy.path, 'data'), '--log-level', 'warn'], {
      cwd: copy.path,
    });
    // Without tsx installed, only the build can have run.
    const [, http] = /gateway on (http:\S+)/.exec(await pail.waitFor('stdout', /gateway on http:\S+/))!;
    const page = await fetch(`${http}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\//);
    const api = await fetch(`${http}/api/buckets`);
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ buckets: [] });
    pail.signal('SIGTERM');
    expect(await pail.exited).toEqual({ status: 0, signal: null });
  });
});
