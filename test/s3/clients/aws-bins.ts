import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

/** Debian's aws CLI (2.x, botocore 1.29), which scripts/ensure-s3-clients.sh installs when it is missing. */
export const DEBIAN_AWS = '/usr/bin/aws';

/**
 * The aws CLIs the client tests run: Debian's, and the one first on PATH when
 * it is another (this kind of machine puts a pyenv aws-cli 1.x there), since
 * users run whichever they have and the two sign and send multipart differently.
 */
export function awsBinaries(): string[] {
  const bins = [DEBIAN_AWS];
  const first = firstOnPath('aws');
  if (first && realpathSync(first) !== realpathSync(DEBIAN_AWS)) bins.push(first);
  return bins;
}

function firstOnPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
