import type { ListingRow } from '../../shared/protocol/listing.ts';
import type { ListedFile } from '../../shared/protocol/types.ts';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { listingJson } from '../http/listing-json.ts';
import { bucketParams, errorResponses, fileParams } from '../schemas.ts';

/** Listings of at most this many files are read whole (about 200 bytes a row); longer ones are streamed. */
const SMALL_LISTING = 1_000;

async function* filesOf(rows: AsyncIterable<ListingRow>): AsyncGenerator<ListedFile> {
  for await (const row of rows) if (row.kind === 'file') yield row.file;
}

/** GET /api/buckets/:bucket/files and DELETE /api/buckets/:bucket/files/:name. */
export async function fileRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { bucket: string } }>(
    '/api/buckets/:bucket/files',
    {
      config: { command: 'ls_f' },
      schema: {
        summary: "Lists a bucket's files",
        params: bucketParams,
        response: {
          200: {
            type: 'object',
            required: ['bucket', 'files'],
            properties: { bucket: { type: 'string' }, files: { type: 'array', items: { $ref: 'File#' } } },
          },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      // A small listing is read whole on the commands lane, so it never waits behind its client's transfers.
      const small = await app.lanes.command(reply, (c) => c.listFilesUpTo(bucket, SMALL_LISTING));
      if (small) return reply.send({ bucket, files: small });
      // A large one is streamed as the rows arrive (the schema above documents the shape; a stream skips the
      // serializer). Paced by its HTTP reader, it is a transfer.
      const listing = await (await app.lanes.transfer(request, reply)).streamListing(bucket, {});
      const body = Readable.from(listingJson(bucket, filesOf(listing.rows)), { objectMode: false });
      // A generator never started runs no `finally` (a HEAD request, a browser gone before the first row):
      // closing the stream gives the listing up either way.
      body.once('close', () => listing.cancel());
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.delete<{ Params: { bucket: string; name: string } }>(
    '/api/buckets/:bucket/files/:name',
    {
      config: { command: 'delete_f' },
      schema: {
        summary: 'Deletes a file',
        params: fileParams,
        response: { 204: { type: 'null' }, ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { bucket, name } = request.params;
      await app.lanes.command(reply, (c) => c.deleteFile(bucket, name));
      return reply.code(204).send();
    },
  );
}
