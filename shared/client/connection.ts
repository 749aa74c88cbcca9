import { Code } from '../protocol/codes.ts';
import { formatRequest } from '../protocol/request.ts';
import { parseStatus, type Status } from '../protocol/reply.ts';
import { parseBucketRow, parseEvent, parseFileRow } from '../protocol/rows.ts';
import type { BucketInfo, FileInfo, PailEvent } from '../protocol/types.ts';
import { Channel, unexpectedReply } from './channel.ts';
import { download } from './download.ts';
import { streamFiles } from './listing.ts';
import { raw } from './raw.ts';
import type { ConnectOptions, Download, DownloadOptions, FileStream, UploadOptions, Uploaded } from './types.ts';
import { upload } from './upload.ts';

export type { ConnectOptions, Download, DownloadInfo, DownloadOptions, FileStream, UploadOptions, Uploaded } from './types.ts';

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

  async listFiles(bucket?: string): Promise<FileInfo[]> {
    const channel = this.#channel;
    const rows = await channel.exclusive(() => channel.withRows('ls_f', bucket === undefined ? [] : [bucket]));
    return rows.map(parseFileRow);
  }

  /**
   * Lists a bucket's files as their rows arrive, for listings too long to
   * gather first (see listing.ts).
   */
  /**
   * A bucket's files if it holds at most `max`, read whole; undefined (and the
   * connection closed, since the rows are already on the wire) if it holds more.
   */
  async listFilesUpTo(bucket: string, max: number): Promise<FileInfo[] | undefined> {
    const listing = await this.streamFiles(bucket);
    if (listing.count > max) {
      listing.cancel();
      return undefined;
    }
    const files: FileInfo[] = [];
    for await (const file of listing.files) files.push(file);
    return files;
  }

  streamFiles(bucket: string): Promise<FileStream> {
    return streamFiles(this.#channel, bucket);
  }

  /** A file's size, SHA-256 and time, without its bytes. */
  async stat(bucket: string, name: string): Promise<FileInfo> {
    const channel = this.#channel;
    const { fields } = await channel.exclusive(() => channel.simple('stat', [bucket, name]));
    return { bucket, name, size: Number(fields.size), sha256: fields.sha256, modified: fields.modified };
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
