import type { Extras } from '../../shared/protocol/reply.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';

/** The optional fields a file's status line carries: its etag and attrs, when it has them. */
export function fileExtras(info: FileInfo): Extras {
  return { etag: info.etag, attrs: info.attrs };
}
