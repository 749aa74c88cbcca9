import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResponse } from '../shared/api/types.ts';
import { PailError } from '../shared/client/errors.ts';
import { Code } from '../shared/protocol/codes.ts';
import { commandSpec, type CommandName } from '../shared/protocol/commands.ts';
import { httpStatusFor, Reason } from '../shared/protocol/reasons.ts';

/**
 * Every error the gateway answers with is a PailError: the bucket server's own
 * failure reply, or, for a refusal the gateway makes itself, the reply the
 * bucket server would have given for the route's command. The HTTP status
 * always comes from the reason word through the one table in reasons.ts.
 */
export function refusal(command: CommandName | undefined, reason: Reason, message: string): PailError {
  const code = command ? commandSpec(command).failure : Code.BCMD;
  return new PailError(code, reason, message);
}

/** The body of every error response. */
export function errorBody(err: PailError): ErrorResponse {
  return { error: err.toJSON() };
}

/** Turns anything thrown in a route (or by Fastify itself) into a PailError. */
export function asPailError(err: unknown, command: CommandName | undefined): PailError {
  if (err instanceof PailError) return err;
  const fastifyError = err as Partial<FastifyError>;
  if (fastifyError.validation) return refusal(command, Reason.badArgs, fastifyError.message ?? 'invalid request');
  const message = fastifyError.message ?? 'malformed request';
  switch (fastifyError.statusCode) {
    case 413:
      return refusal(command, Reason.tooLarge, message);
    case 414:
      return refusal(command, Reason.tooLong, message);
    case 415:
      return refusal(command, Reason.unsupportedMediaType, message);
    case 404:
      return refusal(command, Reason.notFound, message);
    default: {
      // Fastify's other client errors (a malformed URL or body, say); anything else is the gateway's fault.
      const status = fastifyError.statusCode ?? 500;
      return refusal(command, status >= 400 && status < 500 ? Reason.badArgs : Reason.internal, status >= 500 ? 'the gateway failed; see its log' : message);
    }
  }
}

/** Headers a download may have set before it failed; an error body must not carry them. */
const DOWNLOAD_HEADERS = ['content-disposition', 'content-range', 'etag', 'last-modified', 'accept-ranges'];

/**
 * Answers with the error. `statusOf` picks the HTTP status: the reason
 * table's, unless a route family speaks a protocol of its own (tus).
 */
export function sendError(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  statusOf: (err: PailError) => number = (e) => httpStatusFor(e.reason),
): FastifyReply {
  if (connectionClosed(request)) {
    // A cancelled upload or a closed tab: nothing failed, and no answer can reach anyone.
    request.log.info({ reason: err instanceof Error ? err.message : String(err) }, 'the client went away; request cancelled');
    return reply.code(499).send();
  }
  const pailError = asPailError(err, request.routeOptions.config.command);
  const status = statusOf(pailError);
  if (status >= 500 && pailError.reason !== Reason.unreachable) request.log.error({ err }, 'request failed');
  for (const header of DOWNLOAD_HEADERS) {
    // 416 says the file's size in its Content-Range.
    if (header !== 'content-range' || pailError.reason !== Reason.badRange) reply.removeHeader(header);
  }
  return reply.code(status).send(errorBody(pailError));
}

/** Whether the request's client has gone: its connection closed (a request read to its end is destroyed too, so the socket tells). */
export function connectionClosed(request: FastifyRequest): boolean {
  return request.raw.socket?.destroyed === true;
}

/** The answer for a path no route serves. */
export function noRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(refusal(undefined, Reason.notFound, `no route ${request.method} ${request.url}`), request, reply);
}
