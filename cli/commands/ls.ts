import type { PailConnection } from '../../shared/client/connection.ts';
import type { Output } from '../output.ts';
import { formatBytes, formatTable } from '../format.ts';
import { arg, type ClientCommand } from './command.ts';

/** `ls` lists the buckets, and a bucket's files when given one (as `list BUCKET` does). */
export const ls: ClientCommand = {
  protocol: 'ls_b',
  word: 'ls',
  summary: 'Lists the buckets: name, file count, total bytes, creation time; with BUCKET, lists its files',
  args: [arg('bucket', 'bucket', 'bucket', { optional: true })],
  flags: [],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket');
    const connection = await connect();
    if (bucket !== undefined) return listFiles(connection, output, bucket);
    const buckets = await connection.listBuckets();
    const rows = buckets.map((b) => [b.name, String(b.files), formatBytes(b.bytes), b.created]);
    output.report({ buckets }, buckets.length ? formatTable(['BUCKET', 'FILES', 'SIZE', 'CREATED'], rows) : ['no buckets']);
  },
};

export const list: ClientCommand = {
  protocol: 'ls_f',
  word: 'list',
  args: [arg('bucket', 'bucket', 'bucket', { optional: true })],
  flags: [],
  async run({ connect, output }, args) {
    await listFiles(await connect(), output, args.one('bucket'));
  },
};

async function listFiles(connection: PailConnection, output: Output, bucket: string | undefined): Promise<void> {
  const files = await connection.listFiles(bucket);
  const rows = files.map((f) => [f.bucket, f.name, formatBytes(f.size), f.modified, f.sha256 ?? 'computing']);
  output.report({ files }, files.length ? formatTable(['BUCKET', 'NAME', 'SIZE', 'MODIFIED', 'SHA256'], rows) : ['no files']);
}
