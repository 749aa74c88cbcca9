import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs the aws CLI (botocore) against `endpoint` with the given pair. The
 * config asks for signature version s3v4, or leaves botocore's default ('default': presigns with Version 2);
 * AWS_CA_BUNDLE is left out as the machine may set one the CLI cannot use.
 */
export async function awsCli(endpoint: string, accessKey: string, secretKey: string, args: string[], signatureVersion: 's3v4' | 'default' = 's3v4') {
  const dir = await mkdtemp(join(tmpdir(), 'pail-s3auth-cli-'));
  try {
    const config = join(dir, 'config');
    const s3 = signatureVersion === 'default' ? '' : `s3 =\n    signature_version = ${signatureVersion}\n    addressing_style = path\n`;
    await writeFile(config, `[default]\nregion = us-east-1\n${s3}`);
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard' };
    delete env.AWS_CA_BUNDLE;
    delete env.AWS_PROFILE;
    const { stdout } = await run('aws', ['--endpoint-url', endpoint, ...args], { env, timeout: 60_000 });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs curl with its own SigV4 signer (`--aws-sigv4`) for s3 in `region`. */
export async function curlSigV4(url: string, accessKey: string, secretKey: string, args: string[] = [], region = 'us-east-1') {
  await run('curl', ['-sS', '-o', '/dev/null', '--aws-sigv4', `aws:amz:${region}:s3`, '--user', `${accessKey}:${secretKey}`, ...args, url], { timeout: 60_000 });
}
