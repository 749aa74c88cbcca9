import type { FilePage, PailConnection } from '../../shared/client/connection.ts';
import type { ListingOptions } from '../../shared/protocol/request.ts';
import type { BucketTree, RemoteEntry } from './entries.ts';

/** Rows asked for per page of a listing unless said otherwise. */
export const DEFAULT_PAGE_SIZE = 1000;

/**
 * A listing page after page, each read whole before it is handed on, so the
 * connection is free between pages for other questions (a `stat`), and
 * memory holds one page at a time.
 */
export async function* pagesOf(
  connection: PailConnection,
  bucket: string,
  options: Omit<ListingOptions, 'after' | 'limit'>,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<FilePage> {
  let after: string | undefined;
  do {
    const page = await connection.listPage(bucket, { ...options, after, limit: pageSize });
    yield page;
    after = page.next ?? undefined;
  } while (after !== undefined);
}

/** Every key under the tree's prefix, in key order. The prefix's own explicit folder key is the root, not an entry. */
export async function* walkRemote(connection: PailConnection, { bucket, prefix }: BucketTree, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<RemoteEntry> {
  for await (const page of pagesOf(connection, bucket, { prefix: prefix === '' ? undefined : prefix }, pageSize)) {
    for (const file of page.files) {
      if (file.name === prefix) continue;
      const key = file.name.slice(prefix.length);
      yield { key, fullKey: file.name, kind: key.endsWith('/') ? 'folder' : 'file', size: file.size, sha256: file.sha256 };
    }
  }
}
