import type { Status } from '../protocol/reply.ts';
import type { Uploaded, UploadOptions, WriterData } from './types.ts';

/** The etag and attrs a status line carried, as fields present only when it did. */
export function writerData(status: Status): WriterData {
  const { etag, attrs } = status.extras;
  return { ...(etag === undefined ? {} : { etag }), ...(attrs === undefined ? {} : { attrs }) };
}

/** A `700 FUTB` line as the file it stored. */
export function storedFile(status: Status): Uploaded {
  return { size: Number(status.fields.size), sha256: status.fields.sha256, modified: status.fields.modified, ...writerData(status) };
}

/** The request options of an upload's md5 and attrs. */
export function writerDataOptions(options: Pick<UploadOptions, 'md5' | 'attrs'>): string[] {
  return [
    ...(options.md5 === true ? ['md5'] : options.md5 ? [`md5=${options.md5}`] : []),
    ...(options.attrs === undefined ? [] : [`attrs=${options.attrs}`]),
  ];
}
