import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZipSelection } from '../../shared/api/types.ts';
import { ZIP_MAX_KEYS, ZIP_MAX_PREFIXES } from '../../shared/api/zip-limits.ts';
import { PailError } from '../../shared/client/errors.ts';
import { isFolderKey } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';
import { attachment } from '../http/disposition.ts';
import { checkedFolder } from '../http/key.ts';
import type { Lanes, Transfer } from '../lanes.ts';
import { resumableDownload } from '../../shared/http/resumable-download.ts';
import { bucketParams, errorResponses } from '../schemas.ts';
import { entryName, selectedItems, type SelectedItem } from '../zip/selection.ts';
import { zipArchive, type ZipEntry } from '../zip/writer.ts';

/** Keys of a selected folder are listed this many at a time: pages this small are read whole on the commands lane. */
const PAGE = 1_000;

const selectionSchema = {
  type: 'object',
  properties: {
    keys: { type: 'array', items: { type: 'string' }, maxItems: ZIP_MAX_KEYS, description: 'Keys to put in the archive' },
    prefixes: { type: 'array', items: { type: 'string' }, maxItems: ZIP_MAX_PREFIXES, description: "Folders (ending in /, or '' for the whole bucket) whose every key goes in" },
  },
} as const;

interface ZipRequest {
  Params: { bucket: string };
  Querystring: { base: string };
  Body: ZipSelection;
}

/**
 * POST /api/buckets/:bucket/zip: the selected keys, and every key under the
 * selected folders, as one zip archive streamed as it is made. Entries are
 * named relative to `?base=`; explicit folders are kept as folder entries.
 * The body is JSON, or a plain form's `selection` field holding that JSON
 * (so a page can submit a form and let the browser download natively).
 *
 * One file at a time is downloaded, through one transfer of the client's,
 * paced by the HTTP reader; nothing is copied to disk or held whole. A
 * problem found before the first entry (a missing bucket or key) is an
 * ordinary error response; one after it (a file that cannot be read, the
 * bucket server gone) cuts the response, so the client sees a failed
 * download, never a clean archive with files missing.
 */
export async function zipRoute(app: FastifyInstance): Promise<void> {
  // A form's `selection` field is parsed into the same body the JSON gives; a form has no other field.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
    const field = new URLSearchParams(text as string).get('selection');
    try {
      if (field === null) throw new Error('the form has no selection field');
      done(null, JSON.parse(field));
    } catch (err) {
      done(refusal('download', Reason.badArgs, `the selection is JSON of {"keys": […], "prefixes": […]}: ${(err as Error).message}`), undefined);
    }
  });

  app.post<ZipRequest>(
    '/api/buckets/:bucket/zip',
    {
      config: { command: 'download' },
      schema: {
        summary: 'Downloads keys and folders as one zip archive, streamed (stored entries, ZIP64 past 4 GiB or 65,535 entries)',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        params: bucketParams,
        querystring: {
          type: 'object',
          properties: { base: { type: 'string', default: '', description: "Entries are named relative to this folder (ending in /; '' for the bucket)" } },
        },
        body: selectionSchema,
        response: {
          200: { description: 'The zip archive', type: 'string', format: 'binary' },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      const base = checkedFolder(request.query.base, 'the base', 'download');
      const items = selectedItems(request.body ?? {}, base, 'download');
      const transfer = await app.lanes.transfer(request, reply);
      const entries = selectionEntries({ lanes: app.lanes, reply, transfer, bucket, base }, items);
      // The first entry is found before anything is sent, so a missing bucket or key is an ordinary error response.
      const first = await entries.next();
      const archive = Readable.from(zipArchive(startingWith(first, entries)), { objectMode: false });
      return reply
        .type('application/zip')
        .header('content-disposition', attachment(`${bucket}.zip`))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(archive);
    },
  );
}

interface Source {
  readonly lanes: Lanes;
  readonly reply: FastifyReply;
  readonly transfer: Transfer;
  readonly bucket: string;
  readonly base: string;
}

/** The archive's entries, in key order, each file's download started only when the writer asks for it. */
async function* selectionEntries(source: Source, items: readonly SelectedItem[]): AsyncGenerator<ZipEntry> {
  for (const item of items) {
    if (item.kind === 'key') {
      const entry = await entryOf(source, item.key, undefined);
      if (entry) yield entry;
      continue;
    }
    let after: string | undefined;
    do {
      const page = await source.lanes.command(source.reply, (c) =>
        c.listPage(source.bucket, { prefix: item.prefix === '' ? undefined : item.prefix, after, limit: PAGE }),
      );
      for (const file of page.files) {
        // Deleted since it was listed: it is no longer in the folder, so it is not in the archive either.
        const entry = await entryOf(source, file.name, new Date(file.modified)).catch(skipIfGone);
        if (entry) yield entry;
      }
      after = page.next ?? undefined;
    } while (after !== undefined);
  }
}

/**
 * One key's entry: a folder entry for an explicit folder, else the file with
 * its download started. `listed` is its time from a listing; a key given by
 * name is looked up, and must exist.
 */
async function entryOf(source: Source, key: string, listed: Date | undefined): Promise<ZipEntry | undefined> {
  const name = entryName(key, source.base);
  const { bucket, transfer } = source;
  if (isFolderKey(key)) {
    // The base folder itself is the archive's top: it has no entry of its own.
    if (name === '') return undefined;
    const modified = listed ?? new Date((await source.lanes.command(source.reply, (c) => c.stat(bucket, key))).modified);
    return { kind: 'folder', name, modified };
  }
  const download = await transfer.download(bucket, key);
  const { info } = download;
  // A client that stops reading lets go of the bucket server until it reads again, on this same version of the file.
  const reopen = (offset: number, length: number) => transfer.download(bucket, key, { offset, length, sha256: info.sha256 });
  const body = resumableDownload(download, reopen, source.lanes.options.stallMs);
  return { kind: 'file', name, modified: new Date(info.modified), size: info.length, body };
}

function skipIfGone(err: unknown): undefined {
  if (err instanceof PailError && err.reason === Reason.noSuchFile) return undefined;
  throw err;
}

/** The entries again, the first one already taken. */
async function* startingWith(first: IteratorResult<ZipEntry>, rest: AsyncGenerator<ZipEntry>): AsyncGenerator<ZipEntry> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}
