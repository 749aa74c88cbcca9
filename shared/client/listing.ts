import { asError } from './errors.ts';
import { announced } from '../protocol/reply.ts';
import { isPaged, listingOptionTokens, pageNext, parseListingRow, type ListingRow } from '../protocol/listing.ts';
import type { ListingOptions } from '../protocol/request.ts';
import type { Channel } from './channel.ts';
import type { ListingStream } from './types.ts';

/**
 * Lists a bucket's keys as their rows arrive: the whole listing, or a page
 * of it when options are given. Resolves once the server has answered (a
 * refusal rejects here, before any row); `rows` then yields one row per
 * line. The connection is busy until every row is read; `cancel` (or an
 * iteration ended early) closes it, since the rest is still on the wire.
 */
export function streamListing(channel: Channel, bucket: string, options: ListingOptions = {}): Promise<ListingStream> {
  return new Promise<ListingStream>((resolveList, rejectList) => {
    void channel.exclusive(async () => {
      const status = await channel.simple('ls_f', [bucket], listingOptionTokens(options)).catch((err) => {
        rejectList(asError(err));
        throw err;
      });
      const count = announced(status);
      const next = isPaged(options) ? pageNext(status) : null;
      let read = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const cancel = () => {
        if (read < count) channel.destroy();
        done();
      };
      const line = () => channel.line();
      async function* rows(): AsyncGenerator<ListingRow> {
        try {
          for (; read < count; read++) yield parseListingRow(await line());
        } finally {
          cancel();
        }
      }
      resolveList({ count, next, rows: rows(), cancel });
      await finished;
    }).catch(rejectList); // once resolved, this is a no-op
  });
}
