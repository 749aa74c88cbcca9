import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';

/**
 * The OpenAPI document, built from the routes' schemas, at /docs (UI) and
 * /docs/json. Called on the root instance before the routes are registered,
 * so that it sees every route.
 */
export async function serveDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Pail gateway',
        description: [
          `HTTP access to a Pail bucket server (${PROTOCOL_VERSION}). Errors carry the bucket server's reply code, mnemonic and reason word.`,
          'WebSockets: /api/events streams change events and bucket server status as JSON; /api/console runs protocol command lines.',
        ].join('\n\n'),
        version: '1',
      },
      // With PAIL_TOKEN set, every /api route asks for one of these (POST /api/login sets the cookie).
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'PAIL_TOKEN, or PAIL_READ_TOKEN for reading only' },
          session: { type: 'apiKey', in: 'cookie', name: 'pail_session', description: 'The session cookie POST /api/login sets' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // The UI's own CSP (script and style hashes) replaces the app's on its pages only. It would
  // upgrade the UI's requests to https, which a gateway served over plain http cannot answer.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
}
