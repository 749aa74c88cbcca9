import { joinTokens } from '../../shared/protocol/tokens.ts';
import { NUMBERED_MARK } from '../../shared/protocol/rows.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { fileExtras } from './file-extras.ts';
import type { Handler } from './handler.ts';

/** `begin_u BUCKET KEY [size=N] [overwrite] [sha256=HEX] [attrs=TEXT] [parts]` */
export const beginU: Handler<'begin_u'> = async (session, request) => {
  const { bucket, name, size, overwrite, sha256, attrs, parts } = request;
  const begun = await session.context.storage.beginUpload(bucket, name, { size, overwrite, sha256, attrs, numbered: parts });
  session.send(formatStatus('UBS', [begun.id], `upload of ${bucket}/${name} begun`));
};

/** `status_u ID`: the bytes held from 0 (of numbered parts: of every part), the size (`-` when not given), then a row per range held, `OFFSET LENGTH`. */
export const statusU: Handler<'status_u'> = async (session, { upload }) => {
  const status = await session.context.storage.uploadStatus(upload);
  await session.sendRows(
    formatStatus('UQS', [status.held, status.size ?? '-', status.ranges.length], `${status.bucket}/${status.key}`, { attrs: status.attrs }),
    status.ranges.map((r) => `${r.offset} ${r.length}`),
  );
};

/** `complete_u ID [sha256=HEX] [parts=LIST] [create]`: answered as a plain upload is, `700 FUTB` (with `etag=` for numbered parts). */
export const completeU: Handler<'complete_u'> = async (session, { upload, sha256, parts, create }) => {
  const info = await session.context.storage.completeUpload(upload, { sha256, parts, create });
  session.send(formatStatus('FUTB', [info.size, info.sha256, info.modified], `stored ${info.bucket}/${info.name}`, fileExtras(info)));
};

export const abortU: Handler<'abort_u'> = async (session, { upload }) => {
  await session.context.storage.abortUpload(upload);
  session.send(formatStatus('UAS', [upload], 'upload aborted'));
};

/** `ls_u BUCKET`: a row per open session (a session of numbered parts ends its row with `parts`), `ID KEY HELD SIZE CREATED UPDATED` (SIZE `-` when not given). */
export const lsU: Handler<'ls_u'> = async (session, { bucket }) => {
  const uploads = await session.context.storage.listUploads(bucket);
  await session.sendRows(
    formatStatus('ULS', [uploads.length], 'id key held size created updated'),
    uploads.map((u) => joinTokens([u.id, u.key, String(u.held), u.size === undefined ? '-' : String(u.size), u.created, u.updated, ...(u.numbered ? [NUMBERED_MARK] : [])])),
  );
};

/** `ls_p ID`: a row per numbered part held, in number order, `NUMBER SIZE MD5 MODIFIED`. */
export const lsP: Handler<'ls_p'> = async (session, { upload }) => {
  const parts = await session.context.storage.listParts(upload);
  await session.sendRows(
    formatStatus('PLS', [parts.length], 'number size md5 modified'),
    parts.map((p) => `${p.number} ${p.size} ${p.md5} ${p.modified}`),
  );
};
