import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import { seconds } from './stats.ts';
import type { Transfer } from './transfer.ts';

const run = promisify(execFile);

/** The key pair the S3 listener takes on loopback when PAIL_S3_KEYS is unset. */
const ACCESS_KEY = 'pail';
const SECRET_KEY = 'pailsecret';

/** The real S3 clients of the benchmark: which program each is, and the environment each runs in. */
export interface S3Clients {
  readonly endpoint: string;
  readonly aws?: { readonly path: string; readonly version: string };
  readonly rclone?: { readonly path: string; readonly version: string };
  readonly awsEnv: NodeJS.ProcessEnv;
  readonly rcloneEnv: NodeJS.ProcessEnv;
  readonly rcloneConfig: string;
}

/**
 * Installs the S3 clients when missing (scripts/ensure-s3-clients.sh, Debian's packages), as the test command
 * does; false when they cannot be had (the run goes on without their rows and says so).
 */
export function ensureS3Clients(script: string): boolean {
  try {
    execFileSync('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
    return true;
  } catch {
    return false;
  }
}

/**
 * The aws CLI the benchmark runs, chosen on purpose: PAIL_BENCH_AWS if set, else Debian's /usr/bin/aws (what
 * scripts/ensure-s3-clients.sh installs and CI has), else whichever is first on PATH. A pyenv aws-cli 1.x may
 * come first on this machine's PATH; its transfer defaults are not the same.
 */
function chooseAws(): string | undefined {
  const candidates = [process.env.PAIL_BENCH_AWS, '/usr/bin/aws', 'aws'].filter((c): c is string => !!c);
  return candidates.find((c) => (c.includes('/') ? existsSync(c) : versionOf(c, ['--version']) !== undefined));
}

function versionOf(command: string, args: string[], env?: NodeJS.ProcessEnv): string | undefined {
  try {
    const out = execFileSync(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).toString();
    return out.split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

/** The clients and their environments, touching nothing of the machine's AWS or rclone settings. */
export async function s3Clients(port: number, work: string): Promise<S3Clients> {
  const endpoint = `http://127.0.0.1:${port}`;
  const awsConfig = join(work, 'aws-config');
  await writeFile(awsConfig, '[default]\nregion = us-east-1\n');
  const base: NodeJS.ProcessEnv = { ...process.env };
  // rclone 1.60 refuses to start when AWS_CA_BUNDLE names a bundle; the listener here is plain HTTP anyway.
  delete base.AWS_CA_BUNDLE;
  delete base.AWS_PROFILE;
  for (const key of Object.keys(base)) if (key.startsWith('RCLONE_')) delete base[key];
  const awsEnv = {
    ...base,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
  };
  const rcloneEnv = {
    ...base,
    RCLONE_CONFIG_PAIL_TYPE: 's3',
    RCLONE_CONFIG_PAIL_PROVIDER: 'Other',
    RCLONE_CONFIG_PAIL_ACCESS_KEY_ID: ACCESS_KEY,
    RCLONE_CONFIG_PAIL_SECRET_ACCESS_KEY: SECRET_KEY,
    RCLONE_CONFIG_PAIL_ENDPOINT: endpoint,
    RCLONE_CONFIG_PAIL_FORCE_PATH_STYLE: 'true',
  };
  const rcloneConfig = join(work, 'rclone.conf');
  await writeFile(rcloneConfig, '');
  const awsPath = chooseAws();
  const awsVersion = awsPath && versionOf(awsPath, ['--version'], awsEnv);
  const rcloneVersion = versionOf('rclone', ['version'], rcloneEnv);
  return {
    endpoint,
    aws: awsPath && awsVersion ? { path: awsPath, version: awsVersion } : undefined,
    rclone: rcloneVersion ? { path: 'rclone', version: rcloneVersion } : undefined,
    awsEnv,
    rcloneEnv,
    rcloneConfig,
  };
}

/** No single client run of the benchmark comes near this; a hung one fails its check instead of hanging the run. */
const CALL_TIMEOUT_MS = 600_000;

/** The SHA-256 and size the bucket server holds for a key (asked after the timing ends). */
async function held(pailPort: number, bucket: string, key: string): Promise<{ size: number; sha256: string }> {
  const client = await PailConnection.connect({ host: '127.0.0.1', port: pailPort });
  try {
    const info = await client.stat(bucket, key);
    return { size: info.size, sha256: info.sha256 };
  } finally {
    await client.quit();
  }
}

/**
 * `aws s3 cp FILE s3://BUCKET/KEY` as a user runs it (its own defaults: 8 MiB parts, 10 at once), timed from the
 * process's start to its exit; the SHA-256 is what the bucket server then holds.
 */
export async function awsUpload(clients: S3Clients, pailPort: number, file: string, bucket: string, key: string): Promise<Transfer> {
  const aws = clients.aws!;
  const started = process.hrtime.bigint();
  await run(aws.path, ['--endpoint-url', clients.endpoint, 's3', 'cp', '--no-progress', '--only-show-errors', file, `s3://${bucket}/${key}`], {
    env: clients.awsEnv,
    timeout: CALL_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  const elapsed = seconds(started);
  const stored = await held(pailPort, bucket, key);
  return { seconds: elapsed, bytes: stored.size, sha256: stored.sha256 };
}

/**
 * `aws s3 cp s3://BUCKET/KEY -`: the object to standard output, hashed here as it arrives (as the gateway's GET is),
 * timed from the process's start to its exit.
 */
export async function awsDownload(clients: S3Clients, bucket: string, key: string): Promise<Transfer> {
  const aws = clients.aws!;
  const started = process.hrtime.bigint();
  const child = spawn(aws.path, ['--endpoint-url', clients.endpoint, 's3', 'cp', '--no-progress', '--only-show-errors', `s3://${bucket}/${key}`, '-'], {
    env: clients.awsEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: CALL_TIMEOUT_MS,
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`aws s3 cp s3://${bucket}/${key} - exited with ${code}`);
  return { seconds: seconds(started), bytes, sha256: hash.digest('hex') };
}

/** How long the chosen aws takes to start and exit doing nothing over the network (`aws --version`). */
export async function awsStartup(clients: S3Clients): Promise<number> {
  const started = process.hrtime.bigint();
  await run(clients.aws!.path, ['--version'], { env: clients.awsEnv, timeout: CALL_TIMEOUT_MS });
  return seconds(started);
}

/** `rclone ARGS…` with the remote `pail:` made by environment variables and an empty config file; stdout and stderr. */
export function rclone(clients: S3Clients, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('rclone', ['--config', clients.rcloneConfig, ...args], { env: clients.rcloneEnv, timeout: CALL_TIMEOUT_MS, maxBuffer: 64 << 20 });
}

/** A timed `rclone copy SOURCE DEST` with rclone's defaults (4 transfers, 8 checkers). */
export async function rcloneCopy(clients: S3Clients, source: string, dest: string): Promise<number> {
  const started = process.hrtime.bigint();
  await rclone(clients, 'copy', source, dest);
  return seconds(started);
}

/**
 * `rclone check SOURCE DEST` (sizes and the MD5s both sides name: an object's ETag on Pail's side): whether it
 * found no difference and matched every one of `files`.
 */
export async function rcloneCheck(clients: S3Clients, source: string, dest: string, files: number): Promise<{ ok: boolean; why: string }> {
  const result = await rclone(clients, 'check', source, dest).catch((err: { stderr?: string; message: string }) => ({ stdout: '', stderr: err.stderr ?? err.message }));
  const ok = /\b0 differences found/.test(result.stderr) && new RegExp(`\\b${files} matching files`).test(result.stderr);
  const why = result.stderr.split('\n').filter((l) => /differences|matching|ERROR/.test(l)).slice(0, 3).join('; ');
  return { ok, why };
}
