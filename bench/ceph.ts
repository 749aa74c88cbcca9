import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A one-node test Ceph of the benchmark's own (scripts/ceph-up.sh), on ports of its own. */
export interface BenchCeph {
  /** The store URL of its S3 user, without a prefix. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface CephPorts {
  readonly mon: number;
  readonly rgw: number;
  /** The OSD's in-memory device: the run's objects, and deleted ones until RGW's garbage collector frees them. */
  readonly memstoreBytes: number;
}

/**
 * Installs Ceph when missing (scripts/ensure-ceph.sh) and starts it in DIR;
 * resolves to why not when it cannot be, so the section is skipped with
 * that reason. `stop` takes it down and removes DIR.
 */
export async function startCeph(scripts: string, dir: string, ports: CephPorts): Promise<BenchCeph | { skipped: string }> {
  const env = { ...process.env, CEPH_MON_PORT: String(ports.mon), CEPH_RGW_PORT: String(ports.rgw), CEPH_MEMSTORE_BYTES: String(ports.memstoreBytes) };
  const stop = async () => {
    await run('bash', [join(scripts, 'ceph-down.sh'), dir], { env }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('bash', [join(scripts, 'ensure-ceph.sh')], { timeout: 600_000 });
  } catch (err) {
    return { skipped: `Ceph could not be installed (scripts/ensure-ceph.sh): ${lastLine(err)}` };
  }
  try {
    const { stdout } = await run('bash', [join(scripts, 'ceph-up.sh'), dir], { env, timeout: 300_000 });
    return { url: stdout.trim(), stop };
  } catch (err) {
    await stop();
    return { skipped: `Ceph could not be started on ports ${ports.mon}/${ports.rgw} (scripts/ceph-up.sh): ${lastLine(err)}` };
  }
}

function lastLine(err: unknown): string {
  const text = String((err as { stderr?: string }).stderr || (err as Error).message).trim();
  return text.split('\n').filter((l) => l.trim()).at(-1) ?? 'no message';
}
