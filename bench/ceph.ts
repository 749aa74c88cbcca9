import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A one-node test Ceph of the benchmark's own (scripts/ceph-up.sh), on ports of its own. */
export interface BenchCeph {
  /** The store URL of its S3 user, without a prefix. */
  readonly url: string;
  /** CPU seconds used so far by its gateway (radosgw) and its OSD together. */
  cpu(): Promise<number>;
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
    const daemonCpu = async (name: string) => {
      const pid = (await readFile(join(dir, 'run', `${name}.pid`), 'utf8')).trim();
      return processCpu(await readFile(`/proc/${pid}/stat`, 'utf8'));
    };
    return { url: stdout.trim(), stop, cpu: async () => (await daemonCpu('client.rgw.a')) + (await daemonCpu('osd.0')) };
  } catch (err) {
    await stop();
    return { skipped: `Ceph could not be started on ports ${ports.mon}/${ports.rgw} (scripts/ceph-up.sh): ${lastLine(err)}` };
  }
}

/** Linux's USER_HZ, the unit of /proc's CPU times. */
const CLOCK_TICKS = 100;

/** User and system CPU seconds from a /proc/PID/stat line (fields 14 and 15, counted after the command's parenthesis). */
function processCpu(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function lastLine(err: unknown): string {
  const text = String((err as { stderr?: string }).stderr || (err as Error).message).trim();
  return text.split('\n').filter((l) => l.trim()).at(-1) ?? 'no message';
}
