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
