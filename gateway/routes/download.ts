import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DownloadInfo } from '../../shared/client/connection.ts';
import type { Lanes } from '../lanes.ts';
import { resumableDownload } from '../resumable-download.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';
import { attachment } from '../http/disposition.ts';
import { contentRange, resolveRange, type RangeAnswer } from '../http/range.ts';
import { errorResponses, fileParams } from '../schemas.ts';

type FileRequest = { Params: { bucket: string; name: string } };

const WHOLE: RangeAnswer = { kind: 'whole' };

/**
 * GET and HEAD /api/buckets/:bucket/files/:name. GET streams the file's bytes
 * from the bucket server as they arrive; a body the bucket server cuts short
 * makes Fastify destroy the response, so a client sees a failed transfer,
 * never a clean short one. Conditional and range requests first learn the
 * file's size and SHA-256 from a zero-byte download.
 */
export async function downloadRoute(app: FastifyInstance): Promise<void> {
  const schema = {
    params: fileParams,
    headers: {
      type: 'object',
      properties: { range: { type: 'string' }, 'if-range': { type: 'string' }, 'if-none-match': { type: 'string' } },
    },
  };

  app.get<FileRequest>(
    '/api/buckets/:bucket/files/:name',
    {
      config: { command: 'download' },
      exposeHeadRoute: false,
      schema: {
        ...schema,
        summary: 'Downloads a file; a Range header asks for one byte range (206)',
        response: {
          200: { description: 'The whole file', type: 'string', format: 'binary' },
          206: { description: 'The requested byte range', type: 'string', format: 'binary' },
          304: { description: 'The file still has the ETag given in If-None-Match', type: 'null' },
          ...errorResponses(400, 404, 416),
        },
      },
    },
    async (request, reply) => {
      const { bucket, name } = request.params;
      const { range: rangeHeader, 'if-none-match': ifNoneMatch, 'if-range': ifRange } = request.headers;
      let range = WHOLE;
      if (rangeHeader !== undefined || ifNoneMatch !== undefined) {
        const file = await probe(app.lanes, reply, bucket, name);
        const tag = etag(file.sha256);
        if (ifNoneMatch !== undefined && matchesAny(ifNoneMatch, tag)) return reply.code(304).header('etag', tag).send();
        if (ifRange === undefined || ifRange === tag) range = resolveRange(rangeHeader, file.total);
        if (range.kind === 'unsatisfiable') {
          reply.header('content-range', `bytes */${file.total}`);
          throw refusal('download', Reason.badRange, `the range ${rangeHeader} lies outside the file's ${file.total} bytes`);
        }
      }
      const transfer = await app.lanes.transfer(request, reply);
      const download = await transfer.download(bucket, name, range.kind === 'partial' ? range : {});
      const { info } = download;
      fileHeaders(reply, name, info).header('content-length', info.length);
      if (range.kind === 'partial') reply.code(206).header('content-range', contentRange(info.offset, info.length, info.total));
      // A client that stops reading lets go of the bucket server until it reads again.
      const reopen = (offset: number, length: number) => transfer.download(bucket, name, { offset, length });
      return reply.send(resumableDownload(download, reopen, app.lanes.options.stallMs));
    },
  );

  app.head<FileRequest>(
    '/api/buckets/:bucket/files/:name',
    {
      config: { command: 'download' },
      schema: { ...schema, summary: "A file's headers (length, ETag) without its bytes", response: { 200: { type: 'null' }, ...errorResponses(400, 404) } },
    },
    async (request, reply) => {
      const { bucket, name } = request.params;
      const file = await probe(app.lanes, reply, bucket, name);
      // Fastify would replace a Content-Length set here by the empty body's; the raw header stays.
      reply.raw.setHeader('content-length', file.total);
      return fileHeaders(reply, name, file).send();
    },
  );
}

/** The file's size, SHA-256 and time, from a download of zero bytes: a short command, read whole at once. */
async function probe(lanes: Lanes, reply: FastifyReply, bucket: string, name: string): Promise<DownloadInfo> {
  return lanes.command(reply, async (c) => {
    const { info, body } = await c.download(bucket, name, { offset: 0, length: 0 });
    // The empty body ends at once, which frees the connection for the next exchange.
    await body.toArray();
    return info;
  });
}

/** Headers of every answer that carries (or describes) a file's bytes. */
function fileHeaders(reply: FastifyReply, name: string, info: DownloadInfo): FastifyReply {
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-disposition', attachment(name))
    .header('etag', etag(info.sha256))
    .header('last-modified', new Date(info.modified).toUTCString())
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff')
    // Even opened directly, an uploaded page or SVG runs nothing: no sources, and a sandbox without scripts.
    .header('content-security-policy', "default-src 'none'; sandbox");
}

/** A strong entity tag from the file's SHA-256. */
function etag(sha256: string): string {
  return `"${sha256}"`;
}

/** Whether an If-None-Match list (`"a", W/"b"` or `*`) names this tag. */
function matchesAny(list: string, tag: string): boolean {
  return list.split(',').some((t) => {
    const candidate = t.trim();
    return candidate === '*' || candidate === tag || candidate === `W/${tag}`;
  });
}
