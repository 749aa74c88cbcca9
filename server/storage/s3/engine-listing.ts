import { HeadObjectCommand, ListObjectsV2Command, type HeadObjectCommandOutput, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { compareKeys, isFolderKey } from '../../../shared/protocol/names.ts';
import type { ListingRow } from '../../../shared/protocol/listing.ts';
import type { ListedFile } from '../../../shared/protocol/types.ts';
import type { ListingQuery, StorageError } from '../storage.ts';
import { EMPTY_SHA256 } from '../tree-listing.ts';
import { isNoSuchBucket, isNotFound } from './engine-errors.ts';
import { readPailMeta } from './object-meta.ts';
import { noSuchBucket } from './refusals.ts';

/** A listing looks up this many file rows' metadata ahead of its caller. */
const LIST_HEADS_AHEAD = 32;

/**
 * A Pail bucket's listing on the engine: its ListObjectsV2 pages, and the
 * rows Storage.list gives, each file's metadata looked up by a HEAD.
 * `fail` turns an engine failure into the storage's own (logged) error.
 */
export class EngineListing {
  constructor(
    readonly engine: S3Client,
    readonly fail: (err: unknown, message: string) => StorageError,
  ) {}

  /** ListObjectsV2 pages of a bucket, taken one at a time as the caller goes on. */
  async *pages(bucket: string, engineBucket: string, query: ListingQuery): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.engine
        .send(
          new ListObjectsV2Command({
            Bucket: engineBucket,
            Prefix: query.prefix || undefined,
            Delimiter: query.delimiter,
            StartAfter: token === undefined ? query.after : undefined,
            ContinuationToken: token,
          }),
        )
        .catch((err) => {
          throw isNoSuchBucket(err) || isNotFound(err) ? noSuchBucket(bucket) : this.fail(err, `cannot list ${bucket}`);
        });
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A bucket's rows: ListObjectsV2 pages (prefix, delimiter, StartAfter)
   * merged into key order, files and folders. Listings carry no metadata, so
   * each file row is completed by a HEAD (its SHA-256, etag and attributes),
   * a few rows ahead of the caller: a caller that stops early costs little
   * more than what it took. A file deleted between the listing and its HEAD
   * is left out; one written behind Pail's back lists with a null SHA-256.
   */
  async *rows(bucket: string, engineBucket: string, query: ListingQuery): AsyncGenerator<ListingRow> {
    const after = query.after;
    // After a folder row, everything under it is skipped; the engine does that itself (RGW does), this makes sure.
    const skipUnder = query.delimiter !== undefined && after !== undefined && after.endsWith(query.delimiter) && after.startsWith(query.prefix ?? '') ? after : undefined;
    for await (const page of this.pages(bucket, engineBucket, query)) {
      const rows: ListingRow[] = [];
      const files = page.Contents ?? [];
      const folders = page.CommonPrefixes ?? [];
      for (let f = 0, d = 0; f < files.length || d < folders.length; ) {
        const takeFile = d >= folders.length || (f < files.length && compareKeys(files[f].Key!, folders[d].Prefix!) < 0);
        let row: ListingRow;
        if (takeFile) {
          const o = files[f++];
          row = { kind: 'file', file: { bucket, name: o.Key!, size: o.Size ?? 0, modified: (o.LastModified ?? new Date(0)).toISOString(), sha256: isFolderKey(o.Key!) && !o.Size ? EMPTY_SHA256 : null } };
        } else {
          row = { kind: 'folder', bucket, prefix: folders[d++].Prefix! };
        }
        const key = row.kind === 'file' ? row.file.name : row.prefix;
        if (skipUnder === undefined || !key.startsWith(skipUnder)) rows.push(row);
      }
      const heads: (Promise<HeadObjectCommandOutput | undefined> | undefined)[] = [];
      const headAhead = (upTo: number) => {
        for (let i = heads.length; i < Math.min(upTo, rows.length); i++) {
          const row = rows[i];
          const head =
            row.kind === 'file' && row.file.sha256 === null
              ? this.engine.send(new HeadObjectCommand({ Bucket: engineBucket, Key: row.file.name })).catch((err: unknown) => {
                  if (isNotFound(err)) return undefined;
                  throw this.fail(err, `cannot list ${bucket}`);
                })
              : undefined;
          // A caller that stops early leaves some looked up for nothing: their failures are nobody's.
          head?.catch(() => {});
          heads.push(head);
        }
      };
      for (let i = 0; i < rows.length; i++) {
        headAhead(i + LIST_HEADS_AHEAD);
        const row = rows[i];
        const pending = heads[i];
        if (row.kind === 'folder' || pending === undefined) {
          yield row;
          continue;
        }
        const head = await pending;
        heads[i] = undefined;
        if (!head) continue;
        const meta = readPailMeta(head.Metadata);
        const file: ListedFile = {
          bucket,
          name: row.file.name,
          size: head.ContentLength ?? row.file.size,
          modified: (head.LastModified ?? new Date(row.file.modified)).toISOString(),
          sha256: meta.sha256,
          ...(meta.sha256 !== null && meta.etag !== undefined ? { etag: meta.etag } : {}),
          ...(meta.attrs !== undefined ? { attrs: meta.attrs } : {}),
        };
        yield { kind: 'file', file };
      }
    }
  }
}
