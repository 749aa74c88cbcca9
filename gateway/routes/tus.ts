import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { UploadSessionStatus } from '../../shared/client/types.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { UPLOAD_ID } from '../../shared/protocol/request.ts';
import { refusal, sendError } from '../errors.ts';
import { carriesBody, declaredSize } from '../http/body.ts';
import type { Transfer } from '../lanes.ts';
import {
  byteCount,
  DIGEST_HEADER,
  fileDigest,
  header,
  isOffsetOctetStream,
  OFFSET_OCTET_STREAM,
  partChecksum,
  TUS_EXTENSIONS,
  TUS_VERSION,
} from '../tus/headers.ts';
import { uploadTarget } from '../tus/metadata.ts';
import { decodeAttrs, TUS_METADATA_ATTR } from '../../shared/api/file-attrs.ts';
import { abortQuietly, completeSession } from '../tus/session.ts';
import { tusRefusal, tusStatus } from '../tus/status.ts';
import { tusSchemas } from '../schemas.ts';

export interface TusLimits {
  /** The bucket server's largest file: Tus-Max-Size. */
  readonly maxFileSize: number;
}

const ENDPOINT = '/api/uploads';

type UploadParams = { id: string };

/**
 * tus 1.0.0 (core, creation, creation-with-upload, termination, checksum
 * with sha256) at /api/uploads. Each tus upload is an upload session on the
 * bucket server, and the session is all there is: its id is the upload's
 * URL, its bytes held from 0 the offset, its size the length. The gateway
 * keeps nothing, so any gateway in front of the same bucket server serves
 * every upload.
 *
 * The PATCH (or creation) whose bytes reach the length completes the
 * session; so does a HEAD that finds every byte held but the session still
 * open (a completion cut short by a lost gateway), since a tus client takes
 * such an upload for finished. Login, read-only refusal, origin and limits
 * are the app's, by the command each route names.
 */
export async function tusRoutes(app: FastifyInstance, limits: TusLimits): Promise<void> {
  const schemas = tusSchemas(limits.maxFileSize);
  // Bodies are streamed into parts as they arrive; their type is checked by the routes (415), never parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.setErrorHandler((err, request, reply) => {
    // A body the route never read cannot leave the connection fit for another request.
    const body = request.body as Readable | undefined;
    if (body && !body.readableEnded) reply.header('connection', 'close');
    return sendError(err, request, reply, tusStatus);
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('tus-resumable', TUS_VERSION);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || request.headers['tus-resumable'] === TUS_VERSION) return;
    reply.header('tus-version', TUS_VERSION);
    const message = `send Tus-Resumable: ${TUS_VERSION}; this server speaks tus ${TUS_VERSION} only`;
    return sendError(tusRefusal(request.routeOptions.config.command, Reason.badArgs, message, 412), request, reply, tusStatus);
  });

  app.options(ENDPOINT, { schema: schemas.options }, async (_request, reply) =>
    reply
      .code(204)
      .header('tus-version', TUS_VERSION)
      .header('tus-extension', TUS_EXTENSIONS)
      .header('tus-checksum-algorithm', 'sha256')
      .header('tus-max-size', String(limits.maxFileSize))
      .send(),
  );

  app.post(ENDPOINT, { config: { command: 'begin_u' }, schema: schemas.create }, async (request, reply) => {
    const length = uploadLength(request);
    const target = uploadTarget(header(request, 'upload-metadata'));
    const withBody = carriesBody(request);
    if (withBody) checkBodyType(request, 'begin_u');
    const checksum = partChecksum(request, 'part_u');
    const digest = fileDigest(request, 'complete_u');
    const upload = await app.lanes.command(reply, (c) =>
      c.beginUpload(target.bucket, target.key, { size: length, overwrite: target.overwrite, sha256: target.sha256, attrs: target.attrs }),
    );
    let offset = 0;
    if (withBody) {
      try {
        offset = await writeBody(await app.lanes.transfer(request, reply), request, upload, 0, checksum);
      } catch (err) {
        // The client never learns the upload's URL from a failed creation: its session could only wait to expire.
        await abortQuietly(app.lanes.commands, upload);
        throw err;
      }
    }
    // Only now: a creation whose first bytes failed has aborted its session, and names none.
    reply.header('location', `${ENDPOINT}/${upload}`);
    if (withBody || isOffsetOctetStream(request)) reply.header('upload-offset', String(offset));
    if (offset === length) await complete(reply, upload, digest);
    return reply.code(201).send();
  });

  app.head<{ Params: UploadParams }>(`${ENDPOINT}/:id`, { config: { command: 'status_u', swagger: { exposeHeadRoute: true } }, schema: schemas.head }, async (request, reply) => {
    const upload = uploadId(request);
    const status = await app.lanes.command(reply, (c) => c.uploadStatus(upload));
    reply.header('cache-control', 'no-store');
    const metadata = decodeAttrs(status.attrs).get(TUS_METADATA_ATTR);
    if (metadata !== undefined) reply.header('upload-metadata', metadata);
    if (status.size === undefined) reply.header('upload-defer-length', '1');
    else reply.header('upload-length', String(status.size));
    reply.header('upload-offset', String(status.held));
    if (status.held === status.size && request.access === 'full') await complete(reply, upload, fileDigest(request, 'complete_u'));
    return reply.code(200).send();
  });

  app.patch<{ Params: UploadParams }>(`${ENDPOINT}/:id`, { config: { command: 'part_u' }, schema: schemas.patch }, async (request, reply) => {
    const upload = uploadId(request);
    checkBodyType(request, 'part_u');
    const offset = byteCount(request, 'upload-offset', 'part_u');
    if (offset === undefined) throw refusal('part_u', Reason.badArgs, 'a PATCH says where its bytes go with Upload-Offset');
    const checksum = partChecksum(request, 'part_u');
    const digest = fileDigest(request, 'complete_u');
    const status = await app.lanes.command(reply, (c) => c.uploadStatus(upload));
    if (offset !== status.held) throw refusal('part_u', Reason.partConflict, `Upload-Offset is ${offset}, but the upload holds ${status.held} bytes; resume at ${status.held}`);
    const declared = declaredLength(request, status);
    const length = declared ?? status.size;
    // The bucket server refuses bytes past a length it knows; one declared only now it cannot know.
    if (declared !== undefined) checkFits(request, offset, declared);
    const end = carriesBody(request) ? await writeBody(await app.lanes.transfer(request, reply), request, upload, offset, checksum) : offset;
    if (declared !== undefined && end !== declared) {
      throw refusal('part_u', Reason.badArgs, `the PATCH that gives Upload-Length ${declared} ends the upload, but its bytes end at ${end}`);
    }
    reply.header('upload-offset', String(end));
    if (end === length) await complete(reply, upload, digest);
    return reply.code(204).send();
  });

  app.delete<{ Params: UploadParams }>(`${ENDPOINT}/:id`, { config: { command: 'abort_u' }, schema: schemas.terminate }, async (request, reply) => {
    const upload = uploadId(request);
    await app.lanes.command(reply, (c) => c.abortUpload(upload));
    return reply.code(204).send();
  });

  /** Completes the session and says the server's digest of the file; a mismatch aborts it (460). */
  async function complete(reply: FastifyReply, upload: string, digest: string | undefined): Promise<void> {
    const stored = await completeSession(app.lanes.commands, upload, digest);
    reply.header(DIGEST_HEADER, stored.sha256);
  }
}

/** Streams the request's body as the part at `offset`; resolves to where the bytes held now end. */
async function writeBody(transfer: Transfer, request: FastifyRequest, upload: string, offset: number, sha256: string | undefined): Promise<number> {
  const body = (request.body as Readable | undefined) ?? Buffer.alloc(0);
  const part = await transfer.use((c) => c.writePart(upload, offset, body, { size: declaredSize(request), sha256 }));
  return part.offset + part.size;
}

/** A creation's length: Upload-Length, or none with Upload-Defer-Length: 1; exactly one of them. */
function uploadLength(request: FastifyRequest): number | undefined {
  const length = byteCount(request, 'upload-length', 'begin_u');
  const deferred = header(request, 'upload-defer-length');
  if (deferred !== undefined && deferred !== '1') throw refusal('begin_u', Reason.badArgs, 'Upload-Defer-Length may only be 1');
  if ((length === undefined) === (deferred === undefined)) {
    throw refusal('begin_u', Reason.badArgs, 'a creation gives either Upload-Length or Upload-Defer-Length: 1');
  }
  return length;
}

/**
 * The length a PATCH of a deferred-length upload declares with its last
 * bytes. The gateway keeps no state, so the length can only be given by the
 * PATCH that ends the upload; an upload's length once known never changes.
 */
function declaredLength(request: FastifyRequest, status: UploadSessionStatus): number | undefined {
  const length = byteCount(request, 'upload-length', 'part_u');
  if (length === undefined || length === status.size) return undefined;
  if (status.size !== undefined) throw refusal('part_u', Reason.badArgs, `the upload's length is ${status.size}; it cannot become ${length}`);
  return length;
}

function checkBodyType(request: FastifyRequest, command: 'begin_u' | 'part_u'): void {
  if (!isOffsetOctetStream(request)) throw refusal(command, Reason.unsupportedMediaType, `send the bytes as ${OFFSET_OCTET_STREAM}`);
}

/** Bytes of a declared size must fit in the length: refused before any is read. */
function checkFits(request: FastifyRequest, offset: number, length: number): void {
  const size = declaredSize(request);
  if (size !== undefined && offset + size > length) {
    throw refusal('part_u', Reason.tooLarge, `the ${size} bytes at ${offset} go past the upload's length of ${length} bytes`);
  }
}

function uploadId(request: FastifyRequest<{ Params: UploadParams }>): string {
  const { id } = request.params;
  if (!UPLOAD_ID.test(id)) throw refusal(request.routeOptions.config.command, Reason.noSuchUpload, `${JSON.stringify(id)} is no upload of this gateway`);
  return id;
}
