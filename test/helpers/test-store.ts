import { removePrefix, storeUrlWithOwnPrefix, TEST_STORE } from '../s3-store/engine.ts';

/**
 * Whether the test servers run on an S3 engine: scripts/test-on-ceph.sh sets PAIL_TEST_STORE, and the
 * helpers that start bucket servers (bucket-server.ts, child-server.ts) then open that engine instead of
 * the data folder. Tests that look into the data folder, or rest on the plain tree's refusals, skip there
 * with their reason written: `it.skipIf(onEngine)('… (the data folder only: why)')`.
 */
export const onEngine = Boolean(TEST_STORE);

/**
 * Each server's engine prefix, by its data folder: a server started again on the same folder (a restart
 * in a test) finds the same files, as it would on the folder; a fresh folder gets a fresh prefix.
 */
const prefixes = new Map<string, string>();

/** The store URL for a server on this data folder (its own prefix, the same each time). */
export function storeFor(data: string): string {
  let url = prefixes.get(data);
  if (!url) prefixes.set(data, (url = storeUrlWithOwnPrefix()));
  return url;
}

/** Deletes the engine buckets a data folder's servers made (when the folder itself goes). */
export async function releaseStore(data: string): Promise<void> {
  const url = prefixes.get(data);
  if (!url) return;
  prefixes.delete(data);
  await removePrefix(url);
}
