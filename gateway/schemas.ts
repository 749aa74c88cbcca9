import { TUS_EXTENSIONS, TUS_VERSION } from './tus/headers.ts';

/** JSON schemas shared by the routes: they validate requests and build the OpenAPI document at /docs. */
export const errorSchema = {
  $id: 'PailError',
  type: 'object',
  description:
    "The bucket server's failure reply, or the one it would have given: `code` and `mnemonic` are the failure reply of the route's command (400 BCMD where no command applies, such as an unknown route or a malformed URL); the HTTP status follows the reason word (the reason table in PROTOCOL.md)",
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'mnemonic', 'reason', 'message'],
      properties: {
        code: { type: 'integer', examples: [350] },
        mnemonic: { type: 'string', examples: ['BCF'] },
        reason: { type: 'string', examples: ['exists'] },
        message: { type: 'string' },
      },
    },
  },
} as const;

export const bucketSchema = {
  $id: 'Bucket',
  type: 'object',
  required: ['name', 'files', 'bytes', 'created'],
  properties: {
    name: { type: 'string' },
    files: { type: 'integer' },
    bytes: { type: 'integer' },
    created: { type: 'string', format: 'date-time' },
  },
} as const;

export const fileSchema = {
  $id: 'File',
  type: 'object',
  required: ['bucket', 'name', 'size', 'modified', 'sha256'],
  properties: {
    bucket: { type: 'string' },
    name: { type: 'string' },
    size: { type: 'integer' },
    modified: { type: 'string', format: 'date-time' },
    sha256: { type: ['string', 'null'], description: "Lower-case hex; null in a listing while the bucket server is still computing it (a file put in the data folder behind Pail's back)" },
  },
} as const;

/** A folder row of a listing: the keys below it rolled up into one (its files are not counted). */
export const folderSchema = {
  $id: 'Folder',
  type: 'object',
  required: ['prefix'],
  properties: { prefix: { type: 'string', description: "The folder's key, ending in /" } },
} as const;

/** A page of a bucket's listing (the whole listing when no limit was asked for). */
export const fileListSchema = {
  $id: 'FileList',
  type: 'object',
  required: ['bucket', 'prefix', 'files', 'folders', 'next'],
  properties: {
    bucket: { type: 'string' },
    prefix: { type: 'string', description: "The prefix asked for ('' when none)" },
    files: { type: 'array', items: { $ref: 'File#' }, description: 'In the byte order of their keys' },
    folders: { type: 'array', items: { $ref: 'Folder#' }, description: 'With delimiter=/: the folders below the prefix' },
    next: { type: ['string', 'null'], description: 'Where the listing goes on (pass it as after), or null when this page was the last' },
  },
} as const;

/** One file's outcome in a multipart upload. */
export const uploadOutcomeSchema = {
  $id: 'UploadOutcome',
  type: 'object',
  required: ['name', 'stored'],
  properties: {
    name: { type: 'string' },
    stored: { type: 'boolean' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    modified: { type: 'string', format: 'date-time' },
    error: errorSchema.properties.error,
  },
} as const;

export const SHARED_SCHEMAS = [errorSchema, bucketSchema, fileSchema, folderSchema, fileListSchema, uploadOutcomeSchema];

export const errorRef = { $ref: 'PailError#' } as const;

/** Error responses a route can give, by HTTP status, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries([...statuses, 502].map((status) => [status, errorRef]));
}

export const bucketParams = {
  type: 'object',
  required: ['bucket'],
  properties: { bucket: { type: 'string' } },
} as const;

/** A file route's parameters: the key is the rest of the path, raw `/` between its folders, other characters percent-encoded. */
export const fileParams = {
  type: 'object',
  required: ['bucket', '*'],
  properties: { bucket: { type: 'string' }, '*': { type: 'string', description: 'The key: raw / between folders, other characters percent-encoded' } },
} as const;

/** Request headers of the tus routes, documented but not validated: a missing Tus-Resumable is tus's 412, not a schema's 400. */
const tusHeaders = {
  'tus-resumable': { type: 'string', enum: [TUS_VERSION], description: 'Required on every tus request but OPTIONS (412 otherwise)' },
} as const;

const uploadParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The upload session id: 32 hex digits, from the Location of the creation' } },
} as const;

function tusReply(description: string, headers: Record<string, string>) {
  return {
    type: 'null',
    description,
    headers: Object.fromEntries(Object.entries(headers).map(([name, meaning]) => [name, { type: 'string', description: meaning }])),
  } as const;
}

const DIGEST_REPLY = "Once the upload completed: the server's SHA-256 of the whole file (hex), to show it verified";

/**
 * The tus 1.0.0 routes' documentation: bodies are raw bytes
 * (application/offset+octet-stream), streamed into the upload session,
 * so no body schema; the headers carry everything.
 */
export function tusSchemas(maxFileSize: number) {
  return {
    options: {
      summary: 'tus discovery: the version, extensions, checksum algorithm and largest upload',
      response: {
        204: tusReply('What this tus server supports', {
          'Tus-Version': TUS_VERSION,
          'Tus-Extension': TUS_EXTENSIONS,
          'Tus-Checksum-Algorithm': 'sha256',
          'Tus-Max-Size': `The largest file, in bytes (${maxFileSize} here)`,
        }),
      },
    },
    create: {
      summary:
        'tus creation: begins an upload session (Upload-Metadata keys bucket, name, overwrite, sha256); with an application/offset+octet-stream body, its first bytes',
      headers: {
        type: 'object',
        properties: {
          ...tusHeaders,
          'upload-length': { type: 'string', description: 'The whole size in bytes; or send Upload-Defer-Length: 1' },
          'upload-defer-length': { type: 'string', enum: ['1'], description: 'The size is given by the PATCH that ends the upload' },
          'upload-metadata': { type: 'string', description: 'Comma-separated `key base64value`: bucket and name required; overwrite (no value, true or 1); sha256 (hex)' },
          'upload-checksum': { type: 'string', description: '`sha256 BASE64` of the body sent with the creation' },
          'pail-upload-sha256': { type: 'string', description: "The whole file's SHA-256 (hex), checked when the creation's bytes complete it" },
        },
      },
      response: {
        201: tusReply('The upload exists; send its bytes to its Location', {
          Location: '/api/uploads/ID',
          'Upload-Offset': 'With a body: the bytes held',
          'Pail-Upload-Sha256': DIGEST_REPLY,
        }),
        ...errorResponses(400, 403, 404, 409, 412, 413, 415, 460, 507),
      },
    },
    head: {
      summary: 'tus offset: how many bytes of the upload the server holds (completes an upload that holds them all)',
      params: uploadParams,
      headers: { type: 'object', properties: tusHeaders },
      response: {
        200: tusReply('The upload is open', {
          'Upload-Offset': 'The bytes held from 0, where the next PATCH goes',
          'Upload-Length': 'The whole size (or Upload-Defer-Length: 1 while it is not known)',
          'Cache-Control': 'no-store',
          'Pail-Upload-Sha256': DIGEST_REPLY,
        }),
        ...errorResponses(404, 412, 460),
      },
    },
    patch: {
      summary:
        'tus upload: appends the application/offset+octet-stream body at Upload-Offset; the PATCH that reaches the length completes the upload and the file appears',
      params: uploadParams,
      headers: {
        type: 'object',
        properties: {
          ...tusHeaders,
          'upload-offset': { type: 'string', description: 'Must equal the offset HEAD says (409 otherwise)' },
          'upload-length': { type: 'string', description: 'For a deferred length: the whole size, given with the last bytes' },
          'upload-checksum': { type: 'string', description: '`sha256 BASE64` of this body (460 when it differs)' },
          'pail-upload-sha256': { type: 'string', description: "The whole file's SHA-256 (hex), checked at completion: a mismatch aborts the upload (460)" },
        },
      },
      response: {
        204: tusReply('The bytes are held', { 'Upload-Offset': 'The bytes held now', 'Pail-Upload-Sha256': DIGEST_REPLY }),
        ...errorResponses(400, 403, 404, 409, 412, 413, 415, 460, 507),
      },
    },
    terminate: {
      summary: 'tus termination: aborts the upload; its bytes are removed',
      params: uploadParams,
      headers: { type: 'object', properties: tusHeaders },
      response: { 204: { type: 'null', description: 'The upload is gone' }, ...errorResponses(403, 404, 412) },
    },
  };
}
