import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Reason } from '../../../shared/protocol/reasons.ts';
import { StorageError } from '../storage.ts';
import { bareEtag, isNotFound, isPreconditionFailed } from './engine-errors.ts';

/** A claim older than this is stale: its holder is taken to be dead, and another may take it over. */
export const CLAIM_LEASE_MS = 60_000;
/** How long a create waits for another's claim on its key to end before it gives up. */
const CLAIM_WAIT_MS = 2 * CLAIM_LEASE_MS;

interface ClaimBody {
  readonly holder: string;
  readonly at: number;
}

/**
 * Exactly one winner among creates of one key, across every bucket server
 * on the engine. CopyObject and CompleteMultipartUpload ignore
 * If-None-Match, so a create first takes a claim: an object of the system
 * bucket made with a conditional PUT (`If-None-Match: *`), which the engine
 * lets only one writer make. The holder checks the key is still free,
 * publishes, and removes the claim. A claim older than the lease (its holder
 * died mid-publish) is taken over with `If-Match: <its etag>`, which RGW
 * honours atomically (an unquoted etag), so of two takers one wins.
 * Claims are held only while a file is published, never while a body
 * arrives, so the lease is far longer than any hold.
 */
export class Claims {
  readonly #holder = randomBytes(8).toString('hex');

  constructor(
    readonly engine: S3Client,
    readonly systemBucket: string,
  ) {}

  /** The claim's key: a digest, since a bucket and a 1024-byte key would not fit in one engine key. */
  keyFor(bucket: string, key: string): string {
    return `claims/${createHash('sha256').update(`${bucket}\n${key}`).digest('hex')}`;
  }

  /**
   * Runs `publish` holding the claim on a key: `exists` when another create
   * holds it past the wait (it is making the file), the claim removed after
   * whether `publish` succeeds or not.
   */
  async hold<T>(bucket: string, key: string, publish: () => Promise<T>): Promise<T> {
    const claimKey = this.keyFor(bucket, key);
    const deadline = Date.now() + CLAIM_WAIT_MS;
    let pause = 20;
    for (;;) {
      const taken = await this.#take(claimKey);
      if (taken) break;
      if (Date.now() > deadline) {
        throw new StorageError(Reason.exists, `${JSON.stringify(key)} in ${bucket} is being created by another upload`);
      }
      await delay(pause);
      pause = Math.min(pause * 2, 500);
    }
    try {
      return await publish();
    } finally {
      await this.engine.send(new DeleteObjectCommand({ Bucket: this.systemBucket, Key: claimKey })).catch(() => {});
    }
  }

  /** Takes the claim: made afresh, or taken over from a stale holder. False when a live holder has it. */
  async #take(claimKey: string): Promise<boolean> {
    try {
      await this.#put(claimKey, { IfNoneMatch: '*' });
      return true;
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
    }
    let current;
    try {
      current = await this.engine.send(new GetObjectCommand({ Bucket: this.systemBucket, Key: claimKey }));
    } catch (err) {
      if (isNotFound(err)) return false; // released meanwhile: try again
      throw err;
    }
    const text = await current.Body!.transformToString();
    let at = current.LastModified?.getTime() ?? 0;
    try {
      at = (JSON.parse(text) as ClaimBody).at;
    } catch {
      // A claim cut short: its engine time stands.
    }
    if (Date.now() - at < CLAIM_LEASE_MS) return false;
    try {
      await this.#put(claimKey, { IfMatch: bareEtag(current.ETag!) });
      return true;
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  #put(claimKey: string, condition: { IfNoneMatch?: string; IfMatch?: string }) {
    const body: ClaimBody = { holder: this.#holder, at: Date.now() };
    // A fresh random part makes every claim's etag differ, so a takeover's If-Match names exactly the stale one.
    const text = JSON.stringify({ ...body, nonce: randomBytes(8).toString('hex') });
    return this.engine.send(new PutObjectCommand({ Bucket: this.systemBucket, Key: claimKey, Body: text, ContentLength: Buffer.byteLength(text), ...condition }));
  }
}
