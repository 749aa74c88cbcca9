import { randomBytes } from 'node:crypto';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PailEvent } from '../../../shared/protocol/types.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';

/**
 * Live events across bucket servers over one engine. Each server writes the
 * events of its own changes as small objects under `events/` in the system
 * bucket, named by time and server (`events/TIME-SERVER-SEQ`), and reads the
 * others' by listing that prefix every poll, from a window before its last
 * poll began: servers' clocks may differ by up to the window, and a write
 * may take that long to land.
 *
 * Chosen over the engine's bucket notifications (RGW pushes them to an HTTP
 * endpoint or a broker that every server would have to run and be reachable
 * at, and other engines have none) and over listing the buckets themselves
 * (a bucket of a million files cannot be listed twice a second): one LIST a
 * poll whatever the buckets hold, on any S3 engine. An event is for live
 * views only: one whose write fails, or that lands later than the window, is
 * missed (and logged by its writer), never the change it tells of.
 */
export interface EventLogOptions {
  /** How often the others' events are looked for. */
  readonly pollMs: number;
  /** How far before the last event seen a poll starts: clock differences between servers, and slow writes. */
  readonly windowMs: number;
  /** Events older than this are removed (by whichever server looks). */
  readonly keepMs: number;
  readonly log?: StorageLog;
  /** Called with each event another server wrote, in the order of their names. */
  readonly onEvent: (event: PailEvent) => void;
}

const PREFIX = 'events/';
const TIME_DIGITS = 13;
/** Foreign events read at once. */
const READS_AT_ONCE = 8;
/** How often old events are looked for, in polls. */
const CLEAN_EVERY = 120;

export class EventLog {
  /** This process's name among the writers. */
  readonly server = randomBytes(6).toString('hex');
  readonly #log: StorageLog;
  #sequence = 0;
  /** Events read or written, by name, until they fall out of the window. */
  readonly #seen = new Set<string>();
  /** When the last poll that finished began, by this server's clock: the next one lists from a window before it. */
  #lastPoll = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #polls = 0;
  #closed = false;

  constructor(
    readonly engine: S3Client,
    readonly bucket: string,
    readonly options: EventLogOptions,
  ) {
    this.#log = options.log ?? SILENT_LOG;
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#polling) return;
      this.#polling = this.poll()
        .catch((err: unknown) => this.#log.warn({ err }, 'cannot read the other bucket servers\' events'))
        .finally(() => (this.#polling = undefined));
    }, this.options.pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#polling;
  }

  /** Writes an event of this server's for the others; does not wait (a live view is not worth a change's latency). */
  publish(event: PailEvent): void {
    const name = `${PREFIX}${String(Date.now()).padStart(TIME_DIGITS, '0')}-${this.server}-${String(this.#sequence++).padStart(10, '0')}`;
    this.#seen.add(name);
    this.engine
      .send(new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: JSON.stringify(event), ContentType: 'application/json' }))
      .catch((err: unknown) => this.#log.warn({ err, event: event.kind }, 'cannot tell the other bucket servers of a change'));
  }

  /** Reads the events written by others since the last poll (less the window) and hands each on once. */
  async poll(): Promise<void> {
    const started = Date.now();
    const from = Math.max(0, this.#lastPoll - this.options.windowMs);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.engine.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: PREFIX, StartAfter: `${PREFIX}${String(from).padStart(TIME_DIGITS, '0')}`, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key && !this.#seen.has(object.Key)) names.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined && !this.#closed);
    for (let i = 0; i < names.length && !this.#closed; i += READS_AT_ONCE) {
      const batch = names.slice(i, i + READS_AT_ONCE);
      const events = await Promise.all(batch.map((name) => this.#read(name)));
      batch.forEach((name, at) => {
        this.#seen.add(name);
        const event = events[at];
        if (event && !this.#closed) this.options.onEvent(event);
      });
    }
    this.#lastPoll = started;
    this.#forgetBefore(from);
    if (++this.#polls % CLEAN_EVERY === 0) await this.#removeOld();
  }

  async #read(name: string): Promise<PailEvent | undefined> {
    try {
      const reply = await this.engine.send(new GetObjectCommand({ Bucket: this.bucket, Key: name }));
      return JSON.parse(await reply.Body!.transformToString()) as PailEvent;
    } catch (err) {
      // Removed as old meanwhile, or unreadable: a live view misses one event.
      this.#log.warn({ err, name }, 'cannot read another bucket server\'s event');
      return undefined;
    }
  }

  /** Names before the window can no longer be listed again: they need not be remembered. */
  #forgetBefore(time: number): void {
    for (const name of this.#seen) if (timeOf(name) < time) this.#seen.delete(name);
  }

  async #removeOld(): Promise<void> {
    const before = `${PREFIX}${String(Date.now() - this.options.keepMs).padStart(TIME_DIGITS, '0')}`;
    const page = await this.engine.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: PREFIX, MaxKeys: 1000 }));
    const old = (page.Contents ?? []).map((object) => object.Key!).filter((name) => name < before);
    if (old.length > 0) await this.engine.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: old.map((Key) => ({ Key })), Quiet: true } }));
  }
}

function timeOf(name: string): number {
  return Number(name.slice(PREFIX.length, PREFIX.length + TIME_DIGITS));
}
