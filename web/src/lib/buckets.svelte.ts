import { compareKeys } from '../../../shared/protocol/names.ts';
import type { BucketInfo } from '../../../shared/protocol/types.ts';
import * as api from '../api/buckets.ts';
import { ApiError } from '../api/http.ts';
import { connection } from './connection.svelte.ts';

/** Every bucket with its file count and total size, as the gateway last listed them. */
class BucketStore {
  buckets = $state.raw<BucketInfo[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  #refreshing: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly total = $derived(this.buckets.reduce((sum, b) => sum + b.bytes, 0));

  /** Lists again; calls made while a listing runs are folded into one more listing after it. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = this.#load().finally(() => {
      this.#refreshing = null;
      if (this.#again) {
        this.#again = false;
        void this.refresh();
      }
    });
    return this.#refreshing;
  }

  /** After a change event: list again soon, once for a burst of events. */
  refreshSoon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), 150);
  }

  async create(name: string): Promise<void> {
    await api.createBucket(name);
    await this.refresh();
  }

  async remove(name: string, force: boolean): Promise<void> {
    await api.deleteBucket(name, force);
    this.buckets = this.buckets.filter((b) => b.name !== name);
    void this.refresh();
  }

  find(name: string): BucketInfo | undefined {
    return this.buckets.find((b) => b.name === name);
  }

  async #load(): Promise<void> {
    try {
      const list = await api.listBuckets();
      this.buckets = list.toSorted((a, b) => compareKeys(a.name, b.name));
      this.error = null;
      this.loaded = true;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiError && err.reason === 'unreachable' && err.status === 502) connection.serverState(false, err.message);
    }
  }
}

export const buckets = new BucketStore();
