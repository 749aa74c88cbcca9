import { PailConnection } from '../shared/client/connection.ts';

export interface EventDelays {
  /** Milliseconds from the start of each change through server B to its event on server A's watch connection. */
  readonly delays: number[];
  /** Changes whose event did not come within the wait (counted, not timed). */
  readonly missed: number;
}

/**
 * Live events across bucket servers over one engine: `count` small uploads
 * through bucket server B, one at a time, each timed from the start of its
 * upload to its `file-uploaded` event on a `watch` connection to bucket
 * server A. Bounded: each event is waited for at most `waitMs`.
 */
export async function eventDelays(portA: number, portB: number, bucket: string, count: number, waitMs: number): Promise<EventDelays> {
  const watcher = await PailConnection.connect({ host: '127.0.0.1', port: portA });
  const seen = new Map<string, bigint>();
  let wake: (() => void) | undefined;
  let watching!: () => void;
  const ready = new Promise<void>((resolve) => (watching = resolve));
  const pump = (async () => {
    for await (const event of watcher.watch({ onWatching: () => watching() })) {
      if (event.kind === 'file-uploaded' && event.bucket === bucket) seen.set(event.file.name, process.hrtime.bigint());
      wake?.();
    }
  })().catch(() => {}); // ends when the watch connection is destroyed below
  await ready;
  const throughB = await PailConnection.connect({ host: '127.0.0.1', port: portB });
  const delays: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < count; i++) {
      const name = `event-${i}`;
      const started = process.hrtime.bigint();
      await throughB.upload(bucket, name, Buffer.from(`change ${i}`), { overwrite: true });
      const deadline = Date.now() + waitMs;
      while (!seen.has(name) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(0, deadline - Date.now()));
        });
      }
      const at = seen.get(name);
      if (at === undefined) missed++;
      else delays.push(Number(at - started) / 1e6);
      // A pause unrelated to the poll's phase, so the changes do not all land at the same point of it.
      await new Promise((resolve) => setTimeout(resolve, 37 + ((i * 61) % 200)));
    }
  } finally {
    await throughB.quit();
    watcher.destroy();
    await pump;
  }
  return { delays, missed };
}
