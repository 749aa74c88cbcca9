import { Code } from '../protocol/codes.ts';
import { CHUNKED } from '../protocol/commands.ts';
import { formatPartList } from '../protocol/part-list.ts';
import { formatRequest } from '../protocol/request.ts';
import { tokenize } from '../protocol/tokens.ts';
import { NUMBERED_MARK } from '../protocol/rows.ts';
import type { Status } from '../protocol/reply.ts';
import type { Channel } from './channel.ts';
import { ReplyFormatError } from '../protocol/reply.ts';
import { sendWithBody } from './upload.ts';
import type { NumberedPart, StoredNumberedPart, UploadSessionRow, UploadSessionStatus, Uploaded } from './types.ts';
import { storedFile, writerDataOptions } from './writer-data.ts';

/**
 * Upload sessions over the protocol: begin one, send parts at offsets (on
 * this connection or others), ask what the server holds, complete or abort.
 * A session begun with `parts` takes numbered parts instead (S3's multipart
 * upload): each may be sent again to replace it, and the completion lists
 * the parts the file is made of.
 */
export async function beginUpload(
  channel: Channel,
  bucket: string,
  name: string,
  options: { readonly size?: number; readonly overwrite?: boolean; readonly sha256?: string; readonly attrs?: string; readonly parts?: boolean } = {},
): Promise<string> {
  const flags = [
    ...(options.size !== undefined ? [`size=${options.size}`] : []),
    ...(options.overwrite ? ['overwrite'] : []),
    ...(options.sha256 ? [`sha256=${options.sha256}`] : []),
    ...writerDataOptions({ attrs: options.attrs }),
    ...(options.parts ? ['parts'] : []),
  ];
  const status = await channel.exclusive(() => channel.simple('begin_u', [bucket, name], flags));
  return status.fields.upload;
}

/** Sends a part: a Buffer, or a stream of Buffers (chunked unless `size` is given). Resolves to the part's own SHA-256. */
export async function writePart(
  channel: Channel,
  upload: string,
  offset: number,
  body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
  options: { readonly size?: number; readonly sha256?: string; readonly onProgress?: (sent: number) => void } = {},
): Promise<{ offset: number; size: number; sha256: string }> {
  const size = Buffer.isBuffer(body) ? body.length : options.size;
  const line = formatRequest('part_u', [upload, offset, size ?? CHUNKED], options.sha256 ? [`sha256=${options.sha256}`] : []);
  const done = await sendWithBody(channel, line, size, body, options, Code.UPS);
  return { offset: Number(done.fields.offset), size: Number(done.fields.size), sha256: done.fields.sha256 };
}

/** Sends numbered part `number` (1 to 10,000), replacing one sent before under it. Resolves to its size and its own MD5 and SHA-256. */
export async function writeNumberedPart(
  channel: Channel,
  upload: string,
  number: number,
  body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
  options: { readonly size?: number; readonly md5?: string; readonly sha256?: string; readonly onProgress?: (sent: number) => void } = {},
): Promise<StoredNumberedPart> {
  const size = Buffer.isBuffer(body) ? body.length : options.size;
  const flags = [...(options.sha256 ? [`sha256=${options.sha256}`] : []), ...(options.md5 ? [`md5=${options.md5}`] : [])];
  const line = formatRequest('part_n', [upload, number, size ?? CHUNKED], flags);
  const done = await sendWithBody(channel, line, size, body, options, Code.NPS);
  return { number: Number(done.fields.number), size: Number(done.fields.size), md5: done.fields.md5, sha256: done.fields.sha256 };
}

/** The numbered parts a session holds, in number order. */
export async function listParts(channel: Channel, upload: string): Promise<NumberedPart[]> {
  const rows = await channel.exclusive(() => channel.withRows('ls_p', [upload]));
  return rows.map((row) => {
    const tokens = row.split(' ');
    if (tokens.length !== 4) throw new ReplyFormatError(`a part row has 4 tokens, got ${tokens.length}`);
    const [number, size, md5, modified] = tokens;
    return { number: Number(number), size: Number(size), md5, modified };
  });
}

export async function uploadStatus(channel: Channel, upload: string): Promise<UploadSessionStatus> {
  const [status, rows] = await channel.exclusive(async () => {
    const head = await channel.simple('status_u', [upload]);
    const lines: string[] = [];
    for (let i = 0; i < Number(head.fields.rows); i++) lines.push(await channel.line());
    return [head, lines] as const;
  });
  return {
    held: Number(status.fields.held),
    size: status.fields.size === '-' ? undefined : Number(status.fields.size),
    ...(status.extras.attrs === undefined ? {} : { attrs: status.extras.attrs }),
    ranges: rows.map((row) => {
      const [offset, length] = row.split(' ').map(Number);
      return { offset, length };
    }),
  };
}

/** Completes a session; one of numbered parts with the parts its file is made of, ascending (written as ranges where they run on). */
export async function completeUpload(
  channel: Channel,
  upload: string,
  options: { readonly sha256?: string; readonly parts?: readonly number[]; readonly create?: boolean } = {},
): Promise<Uploaded> {
  const flags = [
    ...(options.sha256 ? [`sha256=${options.sha256}`] : []),
    ...(options.parts ? [`parts=${formatPartList(options.parts)}`] : []),
    ...(options.create ? ['create'] : []),
  ];
  const status: Status = await channel.exclusive(() => channel.simple('complete_u', [upload], flags));
  return storedFile(status);
}

export async function abortUpload(channel: Channel, upload: string): Promise<void> {
  await channel.exclusive(() => channel.simple('abort_u', [upload]));
}

export async function listUploads(channel: Channel, bucket: string): Promise<UploadSessionRow[]> {
  const rows = await channel.exclusive(() => channel.withRows('ls_u', [bucket]));
  return rows.map((row) => {
    const tokens = tokenize(row);
    const numbered = tokens.length === 7 && tokens[6] === NUMBERED_MARK;
    if (tokens.length !== 6 && !numbered) throw new ReplyFormatError(`an upload row has 6 tokens (and ${NUMBERED_MARK}), got ${tokens.length}`);
    const [id, key, held, size, created, updated] = tokens;
    return { id, key, held: Number(held), size: size === '-' ? undefined : Number(size), created, updated, numbered };
  });
}
