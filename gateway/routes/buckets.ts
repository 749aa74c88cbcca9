import type { FastifyInstance } from 'fastify';
import { bucketParams, errorResponses } from '../schemas.ts';

/** GET, POST /api/buckets and DELETE /api/buckets/:bucket. */
export async function bucketRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/buckets',
    {
      config: { command: 'ls_b' },
      schema: {
        summary: 'Lists the buckets',
        response: {
          200: { type: 'object', required: ['buckets'], properties: { buckets: { type: 'array', items: { $ref: 'Bucket#' } } } },
          ...errorResponses(),
        },
      },
    },
    async (_request, reply) => ({ buckets: await app.lanes.command(reply, (c) => c.listBuckets()) }),
  );

  app.post<{ Body: { name: string } }>(
    '/api/buckets',
    {
      config: { command: 'create_b' },
      schema: {
        summary: 'Creates a bucket',
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } },
        response: {
          201: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          ...errorResponses(400, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.body;
      await app.lanes.command(reply, (c) => c.createBucket(name));
      return reply.code(201).send({ name });
    },
  );

  app.delete<{ Params: { bucket: string }; Querystring: { force: boolean } }>(
    '/api/buckets/:bucket',
    {
      config: { command: 'delete_b' },
      schema: {
        summary: 'Deletes a bucket; one that holds files only with ?force=true',
        params: bucketParams,
        querystring: { type: 'object', properties: { force: { type: 'boolean', default: false } } },
        response: { 204: { type: 'null' }, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      await app.lanes.command(reply, (c) => c.deleteBucket(bucket, { force: request.query.force }));
      return reply.code(204).send();
    },
  );
}
