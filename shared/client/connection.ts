import { Code } from '../protocol/codes.ts';
import { formatRequest } from '../protocol/request.ts';
import { parseStatus, type Status } from '../protocol/reply.ts';
import { parseBucketRow, parseEvent, parseFileRow } from '../protocol/rows.ts';
import type { BucketInfo, FileInfo, ListedFile, PailEvent } from '../protocol/types.ts';
import { Channel, unexpectedReply } from './channel.ts';
import { download } from './download.ts';
import { filePageOf, listPages, streamListing } from './listing.ts';
import { raw } from './raw.ts';
import type { ListingRow } from '../protocol/listing.ts';
import type { ListingOptions } from '../protocol/request.ts';
import type { ConnectOptions, Download, DownloadOptions, FilePage, ListingStream, RowPage, NumberedPart, StoredNumberedPart, UploadOptions, Uploaded, UploadSessionRow, UploadSessionStatus } from './types.ts';
import { upload } from './upload.ts';
import { writerData } from './writer-data.ts';
import * as sessions from './upload-session.ts';

export type { ConnectOptions, Download, DownloadInfo, DownloadOptions, FilePage, ListingStream, RowPage, NumberedPart, StoredNumberedPart, UploadOptions, Uploaded, UploadSessionRow, UploadSessionStatus } from './types.ts';

/**
 * One TCP connection to a bucket server, speaking the protocol through the
 * codec. Commands run one at a time, in the order they were called; a
 * download holds the connection until its body has been read. A connection
 * whose framing was lost (a cut body, an abandoned download) is marked broken
 * and closed, so a pool never hands it out again.
 *
 * This is the client's one face; each kind of exchange is written in a file
 * of its own over the channel (channel.ts): uploads, downloads, streamed
 * listings, raw lines.
 */
export class PailConnection {
  readonly #channel: Channel;
  /** The server's greeting (200 HELLO). */
  readonly greeting: Status;

  private constructor(channel: Channel, greeting: Status) {
    this.#channel = channel;
    this.greeting = greeting;
  }

  static async connect(options: ConnectOptions): Promise<PailConnection> {
    const { channel, greeting } = await Channel.open(options);
    return new PailConnection(channel, greeting);
  }

  /** False once the connection closed or lost its place in the protocol. */
  get usable(): boolean {
    return this.#channel.usable;
  }

  async createBucket(bucket: string): Promise<void> {
    const channel = this.#channel;
    await channel.exclusive(() => channel.simple('create_b', [bucket]));
  }

  async deleteBucket(bucket: string, options: { force?: boolean } = {}): Promise<void> {
    const channel = this.#channel;
    await channel.exclusive(() => channel.simple('delete_b', [bucket], options.force ? ['force'] : []));
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const channel = this.#channel;
    const rows = await channel.exclusive(() => channel.withRows('ls_b'));
    return rows.map(parseBucketRow);
  }

  async listFiles(bucket?: string): Promise<ListedFile[]> {
    const channel = this.#channel;
    const rows = await channel.exclusive(() => channel.withRows('ls_f', bucket === undefined ? [] : [bucket]));
    return rows.map(parseFileRow);
  }

  /** A page of a bucket's listing, read whole (a page holds at most MAX_PAGE_ROWS rows). */
  async listPage(bucket: string, options: ListingOptions): Promise<FilePage> {
    const listing = await this.streamListing(bucket, options);
    const rows: ListingRow[] = [];
    for await (const row of listing.rows) rows.push(row);
    return filePageOf({ rows, next: listing.next });
  }

  /**
   * Pages of a listing (`pageSize` rows each) from the first (or after `after`)
   * to the last, the next one asked for while this one is read (see
   * listing.ts). The connection is held until the last page, or until the
   * caller stops (which closes it).
   */
  pages(bucket: string, options: Omit<ListingOptions, 'limit' | 'after'> & { readonly pageSize?: number; readonly after?: string } = {}): AsyncGenerator<RowPage> {
    const { pageSize = 1000, after, ...query } = options;
    return listPages(this.#channel, bucket, query, pageSize, after);
  }

  /**
   * Every row under a prefix, page after page (`limit` rows each), in key
   * order: the whole tree, or one level of it with `delimiter`.
   */
  async *walk(bucket: string, options: Omit<ListingOptions, 'limit' | 'after'> & { readonly pageSize?: number } = {}): AsyncGenerator<ListingRow> {
    for await (const page of this.pages(bucket, options)) yield* page.rows;
  }

  /** Lists a bucket's keys as their rows arrive, the whole listing or a page (see listing.ts). */
  streamListing(bucket: string, options: ListingOptions = {}): Promise<ListingStream> {
    return streamListing(this.#channel, bucket, options);
  }

  /** A file's size, SHA-256 and time, without its bytes. */
  async stat(bucket: string, name: string): Promise<FileInfo> {
    const channel = this.#channel;
    const status = await channel.exclusive(() => channel.simple('stat', [bucket, name]));
    const { fields } = status;
    return { bucket, name, size: Number(fields.size), sha256: fields.sha256, modified: fields.modified, ...writerData(status) };
  }

  async deleteFile(bucket: string, name: string): Promise<void> {
    const channel = this.#channel;
    await channel.exclusive(() => channel.simple('delete_f', [bucket, name]));
  }

  async help(topic?: string): Promise<string[]> {
    const channel = this.#channel;
    return channel.exclusive(() => channel.withRows('help', topic === undefined ? [] : [topic]));
  }

  /** Presents a token; resolves to the access it grants (a server without tokens grants full access). */
  async auth(token: string): Promise<string> {
    const channel = this.#channel;
    const status = await channel.exclusive(() => channel.simple('auth', [token]));
    return status.fields.access;
  }

  async codes(): Promise<string[]> {
    const channel = this.#channel;
    return channel.exclusive(() => channel.withRows('code_r'));
  }

  /** Uploads a body: a Buffer, or any stream or iterable of Buffers (sent chunked unless `size` is given). */
  upload(bucket: string, name: string, body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>, options: UploadOptions = {}): Promise<Uploaded> {
    return upload(this.#channel, bucket, name, body, options);
  }

  /** Begins an upload session (see upload-session.ts), of numbered parts with `parts`; resolves to its id. */
  beginUpload(bucket: string, name: string, options: { size?: number; overwrite?: boolean; sha256?: string; attrs?: string; parts?: boolean } = {}): Promise<string> {
    return sessions.beginUpload(this.#channel, bucket, name, options);
  }

  /** Sends a part of an upload session at an offset. */
  writePart(
    upload: string,
    offset: number,
    body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
    options: { size?: number; sha256?: string; onProgress?: (sent: number) => void } = {},
  ): Promise<{ offset: number; size: number; sha256: string }> {
    return sessions.writePart(this.#channel, upload, offset, body, options);
  }

  /** Sends numbered part `number` of a session begun with `parts`, replacing one sent before under it. */
  writeNumberedPart(
    upload: string,
    number: number,
    body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
    options: { size?: number; md5?: string; sha256?: string; onProgress?: (sent: number) => void } = {},
  ): Promise<StoredNumberedPart> {
    return sessions.writeNumberedPart(this.#channel, upload, number, body, options);
  }

  /** The numbered parts a session holds, in number order. */
  listParts(upload: string): Promise<NumberedPart[]> {
    return sessions.listParts(this.#channel, upload);
  }

  uploadStatus(upload: string): Promise<UploadSessionStatus> {
    return sessions.uploadStatus(this.#channel, upload);
  }

  /** Completes a session; one of numbered parts with `parts`, the numbers its file is made of, ascending; with `create`, refused (exists) if the key exists. */
  completeUpload(upload: string, options: { sha256?: string; parts?: readonly number[]; create?: boolean } = {}): Promise<Uploaded> {
    return sessions.completeUpload(this.#channel, upload, options);
  }

  abortUpload(upload: string): Promise<void> {
    return sessions.abortUpload(this.#channel, upload);
  }

  listUploads(bucket: string): Promise<UploadSessionRow[]> {
    return sessions.listUploads(this.#channel, bucket);
  }

  /**
   * Starts a download; the connection is busy until the body has been read or
   * destroyed. With `sha256`, the server sends the bytes only of the file
   * with that SHA-256 (a PailError with reason changed otherwise), so a range
   * worked out on an earlier stat is served of that same version.
   */
  download(bucket: string, name: string, options: DownloadOptions = {}): Promise<Download> {
    return download(this.#channel, bucket, name, options);
  }

  /**
   * Turns this connection into a stream of change events; use a connection of
   * its own. `onWatching` is called once the server has confirmed the
   * subscription: every change after that moment is delivered.
   */
  async *watch(options: { onWatching?: () => void } = {}): AsyncGenerator<PailEvent> {
    const channel = this.#channel;
    await channel.exclusive(() => channel.simple('watch'));
    options.onWatching?.();
    for (;;) {
      const status = parseStatus(await channel.nextLine());
      if (status.code === Code.EVENT) yield parseEvent(status);
      else throw unexpectedReply(status, Code.EVENT);
    }
  }

  /** Sends one command line as typed and returns the raw reply lines, for the web console and the shell's raw mode (see raw.ts). */
  raw(line: string): Promise<string[]> {
    return raw(this.#channel, line);
  }

  /** Says goodbye and closes. */
  async quit(): Promise<void> {
    const channel = this.#channel;
    if (!channel.usable) return;
    await channel
      .exclusive(async () => {
        channel.send(formatRequest('quit', []));
        await channel.status().catch(() => undefined);
      })
      .catch(() => {});
    channel.destroy();
  }

  destroy(): void {
    this.#channel.destroy();
  }
}
