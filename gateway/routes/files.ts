import type { FileList } from '../../shared/api/types.ts';
import type { PailConnection } from '../../shared/client/connection.ts';
import type { FilePage } from '../../shared/client/types.ts';
import type { ListingOptions } from '../../shared/protocol/request.ts';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { keyOf, type KeyParams } from '../http/key.ts';
import { listingJson } from '../http/listing-json.ts';
import { bucketParams, errorResponses, fileParams } from '../schemas.ts';

/** Listings of at most this many rows are read whole (about 200 bytes a row); longer ones are streamed. */
const SMALL_LISTING = 1_000;
/** The most rows a page may ask for (the protocol's limit). */
const MAX_PAGE = 10_000;

interface ListingQuery {
  prefix?: string;
  delimiter?: '/';
  after?: string;
  limit?: number;
}

const listingQuery = {
  type: 'object',
  properties: {
    prefix: { type: 'string', description: 'Only keys that start with this' },
    delimiter: { type: 'string', enum: ['/'], description: 'Keys with a / after the prefix roll up into one folder each' },
    after: { type: 'string', description: "Start after this key: a page's next" },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: `At most this many rows, folders included (1–${MAX_PAGE})` },
  },
} as const;

/** GET /api/buckets/:bucket/files (a listing, or a page of it) and DELETE /api/buckets/:bucket/files/KEY. */
export async function fileRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { bucket: string }; Querystring: ListingQuery }>(
    '/api/buckets/:bucket/files',
    {
      config: { command: 'ls_f' },
      schema: {
        summary: "Lists a bucket's files, or a page of them: with delimiter=/ one folder level, with limit a page that says where the next starts",
        params: bucketParams,
        querystring: listingQuery,
        response: { 200: { $ref: 'FileList#' }, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      const options = listingOptions(request.query);
      const prefix = options.prefix ?? '';
      // A small listing is read whole on the commands lane, so it never waits behind its client's transfers.
      const small = await app.lanes.command(reply, (c) =>
        options.limit !== undefined && options.limit <= SMALL_LISTING ? c.listPage(bucket, options) : pageUpTo(c, bucket, options, SMALL_LISTING),
      );
      if (small) return reply.send(fileList(bucket, prefix, small));
      // A large one is streamed as the rows arrive (the schema above documents the shape; a stream skips the
      // serializer). Paced by its HTTP reader, it is a transfer.
      const listing = await (await app.lanes.transfer(request, reply)).streamListing(bucket, options);
      const body = Readable.from(listingJson({ bucket, prefix, next: listing.next }, listing.rows), { objectMode: false });
      // A generator never started runs no `finally` (a HEAD request, a browser gone before the first row):
      // closing the stream gives the listing up either way.
      body.once('close', () => listing.cancel());
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.delete<{ Params: KeyParams }>(
    '/api/buckets/:bucket/files/*',
    {
      config: { command: 'delete_f' },
      schema: {
        summary: 'Deletes a file, or an explicit folder (its key ends in /)',
        params: fileParams,
        response: { 204: { type: 'null' }, ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      const key = keyOf(request);
      await app.lanes.command(reply, (c) => c.deleteFile(bucket, key));
      return reply.code(204).send();
    },
  );
}

/** The protocol's options from the query; empty ones are left out, so a bare query still asks for the whole listing. */
function listingOptions(query: ListingQuery): ListingOptions {
  return {
    prefix: query.prefix || undefined,
    delimiter: query.delimiter,
    after: query.after || undefined,
    limit: query.limit,
  };
}

/** The listing (or page) if it holds at most `max` rows, read whole; undefined (the connection closed) if it holds more. */
async function pageUpTo(connection: PailConnection, bucket: string, options: ListingOptions, max: number): Promise<FilePage | undefined> {
  const listing = await connection.streamListing(bucket, options);
  if (listing.count > max) {
    listing.cancel();
    return undefined;
  }
  const page: FilePage = { files: [], folders: [], next: listing.next };
  for await (const row of listing.rows) {
    if (row.kind === 'file') page.files.push(row.file);
    else page.folders.push(row.prefix);
  }
  return page;
}

function fileList(bucket: string, prefix: string, page: FilePage): FileList {
  return { bucket, prefix, files: page.files, folders: page.folders.map((folder) => ({ prefix: folder })), next: page.next };
}
