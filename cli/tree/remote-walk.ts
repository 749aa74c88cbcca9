import type { PailConnection } from '../../shared/client/connection.ts';
import type { BucketTree, RemoteEntry } from './entries.ts';

/** Rows asked for per page of a listing unless said otherwise. */
export const DEFAULT_PAGE_SIZE = 1000;

/**
 * Every key under the tree's prefix, page after page, in key order. Each
 * page is read whole before its entries are handed on, so the connection is
 * free between pages for other questions (a `stat`), and memory holds one
 * page at a time. The prefix's own explicit folder key is the root, not an entry.
 */
export async function* walkRemote(connection: PailConnection, { bucket, prefix }: BucketTree, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<RemoteEntry> {
  let after: string | undefined;
  do {
    const page = await connection.listPage(bucket, { prefix: prefix === '' ? undefined : prefix, after, limit: pageSize });
    for (const file of page.files) {
      if (file.name === prefix) continue;
      const key = file.name.slice(prefix.length);
      yield { key, fullKey: file.name, kind: key.endsWith('/') ? 'folder' : 'file', size: file.size, sha256: file.sha256 };
    }
    after = page.next ?? undefined;
  } while (after !== undefined);
}
