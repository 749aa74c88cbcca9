import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { isNotFound } from './engine-errors.ts';
import type { EngineListing } from './engine-listing.ts';
import { noSuchBucket } from './refusals.ts';

/** A bucket's file count and bytes, found by listing it, are kept this long (other servers' writes show after it). */
const TOTALS_TTL_MS = 5_000;

export interface Totals {
  readonly files: number;
  readonly bytes: number;
}

/**
 * Each bucket's files and bytes, as listBuckets gives them: RGW says them in
 * HEAD bucket's x-rgw-object-count and x-rgw-bytes-used (kept by its bucket
 * index); another engine's bucket is listed and added up. Kept a few
 * seconds, and forgotten when this server writes to the bucket.
 */
export class BucketTotals {
  readonly #kept = new Map<string, Totals & { at: number }>();

  constructor(readonly listing: EngineListing) {}

  async of(bucket: string, engineBucket: string): Promise<Totals> {
    const kept = this.#kept.get(bucket);
    if (kept && Date.now() - kept.at < TOTALS_TTL_MS) return { files: kept.files, bytes: kept.bytes };
    const totals = (await this.#engineTotals(bucket, engineBucket)) ?? (await this.#listedTotals(bucket, engineBucket));
    this.#kept.set(bucket, { ...totals, at: Date.now() });
    return totals;
  }

  /** A bucket written to (here or, told by the event log, on another server): its totals are read again. */
  forget(bucket: string): void {
    this.#kept.delete(bucket);
  }

  async #engineTotals(bucket: string, engineBucket: string): Promise<Totals | undefined> {
    const head = new HeadBucketCommand({ Bucket: engineBucket });
    let headers: Record<string, string | undefined> = {};
    head.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
        return result;
      },
      { step: 'deserialize', name: 'pailBucketTotals' },
    );
    await this.listing.engine.send(head).catch((err: unknown) => {
      throw isNotFound(err) ? noSuchBucket(bucket) : this.listing.fail(err, `cannot read bucket ${bucket}`);
    });
    const files = Number(headers['x-rgw-object-count']);
    const bytes = Number(headers['x-rgw-bytes-used']);
    return Number.isSafeInteger(files) && Number.isSafeInteger(bytes) && headers['x-rgw-object-count'] !== undefined ? { files, bytes } : undefined;
  }

  async #listedTotals(bucket: string, engineBucket: string): Promise<Totals> {
    let files = 0;
    let bytes = 0;
    for await (const page of this.listing.pages(bucket, engineBucket, {})) {
      for (const o of page.Contents ?? []) {
        files++;
        bytes += o.Size ?? 0;
      }
    }
    return { files, bytes };
  }
}
