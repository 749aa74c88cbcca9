import type { FastifyRequest } from 'fastify';

/** The body's size as declared (Content-Length), or undefined for a chunked body or none. */
export function declaredSize(request: FastifyRequest): number | undefined {
  const length = request.headers['content-length'];
  return length === undefined ? undefined : Number(length);
}

/** Whether the request carries body bytes (or may: a chunked body). */
export function carriesBody(request: FastifyRequest): boolean {
  const size = declaredSize(request);
  return size === undefined ? request.headers['transfer-encoding'] !== undefined : size > 0;
}
