import { asError } from './errors.ts';
import { announced } from '../protocol/reply.ts';
import { isPaged, listingOptionTokens, pageNext, parseListingRow, type ListingRow } from '../protocol/listing.ts';
import type { ListingOptions } from '../protocol/request.ts';
import { commandSpec } from '../protocol/commands.ts';
import { formatRequest } from '../protocol/request.ts';
import { expectReply, type Channel } from './channel.ts';
import type { FilePage, ListingStream, RowPage } from './types.ts';

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

/**
 * A listing page after page, pipelined: as soon as a page's status line says
 * where the listing goes on, the request for the next page is sent, so the
 * server reads the next page while this one's rows are still being read and
 * parsed here (on two cores, the client's parsing and the server's listing
 * overlap instead of taking turns). The connection is held from the first
 * page to the last; a caller that stops early leaves a reply on the wire, so
 * the connection is then closed.
 */
export async function* listPages(channel: Channel, bucket: string, query: Omit<ListingOptions, 'after' | 'limit'>, pageSize: number, after?: string): AsyncGenerator<RowPage> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((acquired, failed) => {
    channel
      .exclusive(() => {
        acquired();
        return released;
      })
      .catch(failed);
  });
  // Replies asked for and not wholly read: a generator ended with any left has lost its place in the protocol.
  let unread = 0;
  const ask = (from: string | undefined) => {
    channel.send(formatRequest('ls_f', [bucket], listingOptionTokens({ ...query, after: from, limit: pageSize })));
    unread++;
  };
  try {
    ask(after);
    while (unread > 0) {
      const status = expectReply(await channel.status(), commandSpec('ls_f').success);
      const next = pageNext(status);
      if (next !== null) ask(next);
      const rows: ListingRow[] = [];
      for (let i = announced(status); i > 0; i--) rows.push(parseListingRow(await channel.line()));
      unread--;
      yield { rows, next };
    }
  } finally {
    if (unread > 0) channel.destroy();
    release();
  }
}

/** A page's rows split into files and folder rows, each in key order. */
export function filePageOf({ rows, next }: RowPage): FilePage {
  const page: FilePage = { files: [], folders: [], next };
  for (const row of rows) {
    if (row.kind === 'file') page.files.push(row.file);
    else page.folders.push(row.prefix);
  }
  return page;
}
