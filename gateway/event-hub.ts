import type { Logger } from 'pino';
import type { PailConnection } from '../shared/client/connection.ts';
import type { EventsMessage } from '../shared/api/types.ts';

/** Told each message browsers receive on /api/events (its shape is spelled once, in shared/api/types.ts). */
export type HubListener = (message: EventsMessage) => void;

export interface Backoff {
  /** The wait after the first failed attempt; it doubles after each further one. */
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The longest wait while a browser is listening: someone is looking at the
 * indicator, so the return of the bucket server is noticed within half a
 * second. One shared subscription tries twice a second at most, whatever the
 * number of browsers; with none listening the wait grows to the full maxMs.
 */
export const WATCHED_MAX_MS = 500;

export interface EventHubOptions {
  readonly connect: () => Promise<PailConnection>;
  readonly log: Logger;
  readonly backoff: Backoff;
}

/**
 * One watch subscription to the bucket server, shared by every browser. When
 * the bucket server goes away the hub tells its listeners, retries with
 * exponential backoff, and tells them again once events flow anew (changes
 * made while it was away are not replayed; a listener reloads what it shows).
 */
export class EventHub {
  readonly #listeners = new Set<HubListener>();
  #status: EventsMessage & { type: 'status' } = {
    type: 'status',
    bucketServer: 'unreachable',
    message: 'connecting to the bucket server',
  };
  #connection: PailConnection | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(readonly options: EventHubOptions) {}

  /** The latest status message, which a new listener receives first. */
  get status(): EventsMessage {
    return this.#status;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Adds a listener and sends it the current status; returns the function that removes it. */
  subscribe(listener: HubListener): () => void {
    this.#listeners.add(listener);
    listener(this.#status);
    // A browser arriving while the hub waits out a long backoff: try again now rather than leave it waiting.
    if (this.#listeners.size === 1) this.#wake?.();
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connection?.destroy();
    this.#wake?.();
    await this.#running;
    this.#listeners.clear();
  }

  async #run(): Promise<void> {
    const { backoff, log } = this.options;
    let delay = backoff.initialMs;
    while (!this.#stopped) {
      try {
        const connection = await this.options.connect();
        this.#connection = connection;
        if (this.#stopped) break;
        const events = connection.watch({
          onWatching: () => {
            delay = backoff.initialMs;
            this.#setStatus('connected', 'watching the bucket server for changes');
          },
        });
        for await (const event of events) this.#broadcast({ type: 'event', event });
      } catch (err) {
        if (this.#stopped) break;
        log.debug({ err }, 'event subscription lost');
      } finally {
        this.#connection?.destroy();
        this.#connection = undefined;
      }
      if (this.#stopped) break;
      const wait = this.#listeners.size > 0 ? Math.min(delay, WATCHED_MAX_MS) : delay;
      this.#setStatus('unreachable', `the bucket server cannot be reached; retrying in ${wait} ms`);
      await this.#pause(wait);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  #setStatus(bucketServer: 'connected' | 'unreachable', message: string): void {
    const changed = this.#status.bucketServer !== bucketServer;
    this.#status = { type: 'status', bucketServer, message };
    if (changed) {
      this.options.log.info({ bucketServer }, message);
      this.#broadcast(this.#status);
    }
  }

  #broadcast(message: EventsMessage): void {
    for (const listener of this.#listeners) listener(message);
  }

  /** Waits before the next attempt; stop() cuts the wait short. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
