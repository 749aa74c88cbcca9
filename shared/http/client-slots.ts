import { WaitQueue } from '../client/wait-queue.ts';

/** Why a request was not given a slot: its address has too many waiting, or it waited too long. */
export class NoSlot extends Error {}

interface Client {
  running: number;
  /** Requests waiting for a slot of the address; a slot handed on is `give(undefined)`. */
  readonly waiting: WaitQueue<void>;
}

export interface ClientSlotOptions {
  /** Slots one address may hold at once. */
  readonly perClient: number;
  /** Requests one address may have waiting, beyond its running ones; more are refused at once. */
  readonly waitingPerClient: number;
  /** How long a request waits for a slot before it is refused. */
  readonly waitMs: number;
}

/**
 * Slots per client address: each address may run `perClient` things at once,
 * and its further requests wait in its own FIFO queue, so one address (or
 * many slow ones) can only ever fill its own slots. A slot given back goes
 * straight to the first waiter of that address. A waiter whose signal aborts
 * (its client left) leaves the queue at once and never starts.
 */
export class ClientSlots {
  readonly #clients = new Map<string, Client>();

  constructor(readonly options: ClientSlotOptions) {}

  /** Slots held and requests waiting for the address now. */
  of(address: string): { running: number; waiting: number } {
    const client = this.#clients.get(address);
    return { running: client?.running ?? 0, waiting: client?.waiting.length ?? 0 };
  }

  /**
   * Waits for a slot of `address`; resolves with the function that gives it
   * back (once). Fails with NoSlot when the address has too many waiting or
   * the wait times out, and with the signal's reason when it aborts first.
   */
  async take(address: string, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    let client = this.#clients.get(address);
    if (!client) {
      client = { running: 0, waiting: new WaitQueue<void>() };
      this.#clients.set(address, client);
    }
    if (client.running < this.options.perClient) {
      client.running++;
      return this.#giveBack(address, client);
    }
    const { perClient, waitingPerClient, waitMs } = this.options;
    if (client.waiting.length >= waitingPerClient) {
      throw new NoSlot(`at most ${perClient} transfers at once from one address, and ${waitingPerClient} waiting; try again when one has finished`);
    }
    const waiting = client;
    await waiting.waiting.wait({
      timeoutMs: waitMs,
      signal,
      timeoutError: () => new NoSlot(`at most ${perClient} transfers at once from one address; none finished within ${waitMs} ms`),
      onGiveUp: () => this.#forget(address, waiting),
    });
    return this.#giveBack(address, client);
  }

  /** The slot's release: the slot passes to the address's first waiter, or is freed. */
  #giveBack(address: string, client: Client): () => void {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      // The slot passes on without being counted free: `running` stays as it is.
      if (!client.waiting.first()?.give()) {
        client.running--;
        this.#forget(address, client);
      }
    };
  }

  /** An address with nothing running or waiting takes no memory. */
  #forget(address: string, client: Client): void {
    if (client.running === 0 && client.waiting.length === 0 && this.#clients.get(address) === client) this.#clients.delete(address);
  }
}
