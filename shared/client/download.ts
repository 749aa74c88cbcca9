import { Readable } from 'node:stream';
import { Code } from '../protocol/codes.ts';
import { formatRequest } from '../protocol/request.ts';
import { unexpectedReply, type Channel } from './channel.ts';
import { asError } from './errors.ts';
import type { Download, DownloadInfo, DownloadOptions } from './types.ts';
import { writerData } from './writer-data.ts';

/**
 * Starts a download; the connection is busy until the body has been read or
 * destroyed. With `sha256`, the server sends the bytes only of the file
 * with that SHA-256 (a PailError with reason changed otherwise), so a range
 * worked out on an earlier stat is served of that same version.
 */
export function download(channel: Channel, bucket: string, name: string, options: DownloadOptions = {}): Promise<Download> {
  const args: (string | number)[] = [bucket, name];
  if (options.offset !== undefined || options.length !== undefined) args.push(options.offset ?? 0);
  if (options.length !== undefined) args.push(options.length);
  const flags = options.sha256 === undefined ? [] : [`sha256=${options.sha256}`];
  return new Promise<Download>((resolveDownload, rejectDownload) => {
    void channel.exclusive(async () => {
      channel.send(formatRequest('download', args, flags));
      const status = await channel.status().catch((err) => {
        rejectDownload(asError(err));
        throw err;
      });
      if (status.code !== Code.FDFBS) {
        rejectDownload(unexpectedReply(status, Code.FDFBS));
        return;
      }
      const info: DownloadInfo = {
        length: Number(status.fields.length),
        sha256: status.fields.sha256,
        offset: Number(status.fields.offset),
        total: Number(status.fields.total),
        modified: status.fields.modified,
        ...writerData(status),
      };
      const body = Readable.from(channel.reader.bytes(info.length), { objectMode: false, highWaterMark: 1 << 20 });
      const finished = new Promise<void>((resolve) => {
        body.once('end', resolve);
        body.once('close', () => {
          // Abandoned or cut before its end: the rest of the body is still on the wire.
          if (!body.readableEnded) channel.destroy();
          resolve();
        });
      });
      resolveDownload({ info, body });
      await finished;
    }).catch(rejectDownload); // a connection already closed never runs the exchange; once resolved, this is a no-op
  });
}
