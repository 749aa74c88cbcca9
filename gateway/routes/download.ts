import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Download } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';
import type { Lanes, Transfer } from '../lanes.ts';
import { resumableDownload } from '../../shared/http/resumable-download.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';
import { attachment } from '../http/disposition.ts';
import { baseName, keyOf, type KeyParams } from '../http/key.ts';
import { contentRange, resolveRange, type RangeAnswer } from '../../shared/http/range.ts';
import { errorResponses, fileParams } from '../schemas.ts';

type FileRequest = { Params: KeyParams };

const WHOLE: RangeAnswer = { kind: 'whole' };
/** Stats a download may take when the file keeps being overwritten between its stat and its bytes. */
const VERSION_ATTEMPTS = 3;

/**
 * GET and HEAD /api/buckets/:bucket/files/KEY. GET streams the file's bytes
 * from the bucket server as they arrive; a body the bucket server cuts short
 * makes Fastify destroy the response, so a client sees a failed transfer,
 * never a clean short one. Conditional and range requests first learn the
 * file's size and SHA-256 with stat, and download only that version (the
 * download's sha256 option): an overwrite in between starts them again on
 * the new version, so a range is never filled from another version's bytes.
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
    '/api/buckets/:bucket/files/*',
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
      const { bucket } = request.params;
      const name = keyOf(request);
      const { range: rangeHeader, 'if-none-match': ifNoneMatch, 'if-range': ifRange } = request.headers;
      let transfer: Transfer | undefined;
      for (let attempt = 1; ; attempt++) {
        let range = WHOLE;
        let version: string | undefined;
        if (rangeHeader !== undefined || ifNoneMatch !== undefined) {
          const file = await stat(app.lanes, reply, bucket, name);
          const tag = etag(file.sha256);
          if (ifNoneMatch !== undefined && matchesAny(ifNoneMatch, tag)) return reply.code(304).header('etag', tag).send();
          if (ifRange === undefined || ifRange === tag) range = resolveRange(rangeHeader, file.size);
          if (range.kind === 'unsatisfiable') {
            reply.header('content-range', `bytes */${file.size}`);
            throw refusal('download', Reason.badRange, `the range ${rangeHeader} lies outside the file's ${file.size} bytes`);
          }
          // The range was worked out on this version: only this version's bytes may fill it.
          version = file.sha256;
        }
        const lane = (transfer ??= await app.lanes.transfer(request, reply));
        let download: Download;
        try {
          download = await lane.download(bucket, name, { ...(range.kind === 'partial' ? range : {}), sha256: version });
        } catch (err) {
          // Overwritten since the stat: start again on the new version.
          if (err instanceof PailError && err.reason === Reason.changed && attempt < VERSION_ATTEMPTS) continue;
          throw err;
        }
        const { info } = download;
        fileHeaders(reply, name, info).header('content-length', info.length);
        if (range.kind === 'partial') reply.code(206).header('content-range', contentRange(info.offset, info.length, info.total));
        // A client that stops reading lets go of the bucket server until it reads again, on this same version.
        const reopen = (offset: number, length: number) => lane.download(bucket, name, { offset, length, sha256: info.sha256 });
        return reply.send(resumableDownload(download, reopen, app.lanes.options.stallMs));
      }
    },
  );

  app.head<FileRequest>(
    '/api/buckets/:bucket/files/*',
    {
      config: { command: 'download' },
      schema: { ...schema, summary: "A file's headers (length, ETag) without its bytes", response: { 200: { type: 'null' }, ...errorResponses(400, 404) } },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      const name = keyOf(request);
      const file = await stat(app.lanes, reply, bucket, name);
      // Fastify would replace a Content-Length set here by the empty body's; the raw header stays.
      reply.raw.setHeader('content-length', file.size);
      return fileHeaders(reply, name, file).send();
    },
  );
}

/** The file's size, SHA-256 and time: a short command on the commands lane. */
function stat(lanes: Lanes, reply: FastifyReply, bucket: string, name: string): Promise<FileInfo> {
  return lanes.command(reply, (c) => c.stat(bucket, name));
}

/** Headers of every answer that carries (or describes) a file's bytes; it is saved under its key's last name. */
function fileHeaders(reply: FastifyReply, name: string, info: { readonly sha256: string; readonly modified: string }): FastifyReply {
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-disposition', attachment(baseName(name)))
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
