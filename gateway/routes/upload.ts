import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { PailError } from '../../shared/client/errors.ts';
import type { Transfer } from '../lanes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { connectionClosed, refusal } from '../errors.ts';
import { declaredSize } from '../http/body.ts';
import { checkedFolder, keyOf, type KeyParams } from '../http/key.ts';
import { bucketParams, errorResponses, fileParams } from '../schemas.ts';

export interface UploadLimits {
  /** The bucket server's largest file: larger parts are refused as too large. */
  readonly maxFileSize: number;
}

/** Parts of one multipart request, at most: a form is not a bulk import. */
const MAX_PARTS = 1000;
/** Plain form fields are ignored, so they may be small. */
const MAX_FIELD_BYTES = 1024;
/** Stream buffer of the multipart parser and of each file part. */
const PART_BUFFER = 1 << 20;

const overwriteQuery = {
  type: 'object',
  properties: { overwrite: { type: 'boolean', default: false } },
} as const;

const formQuery = {
  type: 'object',
  properties: {
    ...overwriteQuery.properties,
    prefix: { type: 'string', default: '', description: "A folder (ending in /) the files' names are put under" },
  },
} as const;

/**
 * POST /api/buckets/:bucket/files (multipart, one or many files, each part's
 * file name its key, folders and all, under an optional `?prefix=`) and
 * PUT /api/buckets/:bucket/files/KEY (a raw body; an empty one for a key
 * ending in `/` makes an explicit folder). Bodies are streamed into
 * protocol uploads as they arrive: nothing is held whole, nothing is written
 * to a temporary file here. A body that is cut short cuts the protocol upload
 * too, so the bucket server stores nothing.
 */
export async function uploadRoutes(app: FastifyInstance, limits: UploadLimits): Promise<void> {
  await app.register(multipart, {
    // A part cut at the limit is refused by partBody, as that file's outcome; the others go on.
    throwFileSizeLimit: false,
    // The parser takes, and each file part holds, up to this much before the request stops being read (16 KiB by default).
    highWaterMark: PART_BUFFER,
    fileHwm: PART_BUFFER,
    // A part's file name is its key: the relative path of a file in a dropped folder keeps its folders.
    preservePath: true,
    limits: { fileSize: limits.maxFileSize, parts: MAX_PARTS, fieldSize: MAX_FIELD_BYTES },
  });
  app.post<{ Params: { bucket: string }; Querystring: { overwrite: boolean; prefix: string } }>(
    '/api/buckets/:bucket/files',
    {
      config: { command: 'upload_f' },
      schema: {
        summary: 'Uploads one or many files as multipart/form-data; each file is stored or refused on its own',
        consumes: ['multipart/form-data'],
        params: bucketParams,
        querystring: formQuery,
        response: {
          201: { description: 'Every file was stored', ...outcomesSchema },
          207: { description: 'Some files were refused; see each error', ...outcomesSchema },
          ...errorResponses(400, 403),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw refusal('upload_f', Reason.unsupportedMediaType, 'send the files as multipart/form-data');
      const { bucket } = request.params;
      const prefix = checkedFolder(request.query.prefix, 'the prefix', 'upload_f');
      const outcomes: UploadOutcome[] = [];
      const transfer = await app.lanes.transfer(request, reply);
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue;
          outcomes.push(await storePart(transfer, request, bucket, prefix + part.filename, part, request.query.overwrite, limits.maxFileSize));
        }
      } catch (err) {
        if (!isPartsLimit(err)) throw formFailure(err, request);
        // Every file read has its outcome; the rest of the form is never read, so the connection cannot serve another request.
        const unread = refusal('upload_f', Reason.tooLarge, `a form may hold at most ${MAX_PARTS} files; the parts after the ${MAX_PARTS}th were not read`);
        return reply.code(207).header('connection', 'close').send({ files: outcomes, unread: unread.toJSON() });
      }
      if (outcomes.length === 0) throw refusal('upload_f', Reason.badArgs, 'the form holds no file');
      return reply.code(outcomes.every((o) => o.stored) ? 201 : 207).send({ files: outcomes });
    },
  );

  await app.register(async (raw) => {
    // Only here, any body is passed through as a stream, whatever its type says.
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.put<{ Params: KeyParams; Querystring: { overwrite: boolean } }>(
      '/api/buckets/:bucket/files/*',
      {
        config: { command: 'upload_f' },
        schema: {
          summary: 'Uploads one file from the raw request body (curl -T); a key ending in / with an empty body makes an explicit folder',
          params: fileParams,
          querystring: overwriteQuery,
          response: { 201: { $ref: 'File#' }, ...errorResponses(400, 403, 404, 409, 413) },
        },
      },
      async (request, reply) => {
        const { bucket } = request.params;
        const body = request.body as Readable | undefined;
        // With Content-Length the upload is sized, so the bucket server refuses a too large file (or a folder with bytes) before any byte.
        const size = declaredSize(request);
        try {
          const name = keyOf(request);
          const transfer = await app.lanes.transfer(request, reply);
          const stored = await transfer.use((c) => c.upload(bucket, name, body ?? Buffer.alloc(0), { size: body ? size : undefined, overwrite: request.query.overwrite }));
          return reply.code(201).send({ bucket, name, ...stored });
        } catch (err) {
          // The rest of a refused body is not read: the connection cannot serve another request.
          if (body && !body.readableEnded) reply.header('connection', 'close');
          throw err;
        }
      },
    );
  });
}

type UploadOutcome =
  | { name: string; stored: true; size: number; sha256: string; modified: string }
  | { name: string; stored: false; error: ReturnType<PailError['toJSON']> };

const outcomesSchema = {
  type: 'object',
  required: ['files'],
  properties: {
    files: { type: 'array', items: { $ref: 'UploadOutcome#' } },
    unread: { description: 'Why the rest of the form was not read (more files than one form may hold)', $ref: 'PailError#/properties/error' },
  },
} as const;

/**
 * Streams one part into its own upload, as `name`. A refusal is this file's outcome; the
 * rest of the part is then read and dropped so the parts after it are reached.
 * A part whose stream broke (a malformed form, a client gone) fails the form.
 */
async function storePart(
  transfer: Transfer,
  request: FastifyRequest,
  bucket: string,
  name: string,
  part: MultipartFile,
  overwrite: boolean,
  maxFileSize: number,
): Promise<UploadOutcome> {
  try {
    const stored = await transfer.use((c) => c.upload(bucket, name, partBody(part, maxFileSize), { overwrite }));
    return { name, stored: true, ...stored };
  } catch (err) {
    if (part.file.errored) throw formFailure(part.file.errored, request);
    if (!(err instanceof PailError)) throw err;
    part.file.resume();
    await finished(part.file).catch((cause: unknown) => {
      throw formFailure(cause, request);
    });
    return { name, stored: false, error: err.toJSON() };
  }
}

/** Multipart's error for a form with more parts than allowed. */
function isPartsLimit(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'FST_PARTS_LIMIT';
}

/**
 * What a broken form stream means: the client went away (passed on as it is,
 * and logged as a cancellation), or the client sent a malformed form (400).
 */
function formFailure(err: unknown, request: FastifyRequest): unknown {
  if (err instanceof PailError || connectionClosed(request)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return refusal('upload_f', Reason.badArgs, `the multipart body is malformed (${detail}); a form ends with its closing boundary`);
}

/**
 * The part's bytes. Iterating never destroys the part's stream (that would
 * stop the whole form); a part cut at the size limit fails instead of ending
 * as if it were whole.
 */
async function* partBody(part: MultipartFile, maxFileSize: number): AsyncGenerator<Buffer> {
  for await (const chunk of part.file.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  if (part.file.truncated) throw refusal('upload_f', Reason.tooLarge, `files are limited to ${maxFileSize} bytes`);
}
