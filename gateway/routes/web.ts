import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { noRoute } from '../errors.ts';
import { underApi } from '../limits.ts';

/**
 * Serves the web app's built files, and its index.html for any other GET
 * outside /api, so the app's own paths survive a reload. Called on the root
 * instance: it sets the gateway's not-found handler.
 */
export async function serveWebApp(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: true });
  // Unknown paths under /api count against the rate limit as the API's routes do.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) => {
    if (request.method === 'GET' && !underApi(request)) return reply.sendFile('index.html');
    return noRoute(request, reply);
  });
}
