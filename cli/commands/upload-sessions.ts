import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.ts';
import { cannotRead } from '../local-file.ts';
import { formatBytes, formatTable } from '../format.ts';
import { parsePartList } from '../../shared/protocol/part-list.ts';
import { forgetUploadById, listUploadStates } from '../resume/upload-state.ts';
import { arg, type ClientCommand, type ParsedArgs } from './command.ts';

/**
 * The upload session commands, one each, as the protocol has them: a
 * session begun, parts sent from local files at offsets, its status, its
 * completion or abortion, and a bucket's open sessions. `put` uses sessions
 * by itself; these are for scripts and for seeing what is open.
 */

const SHA256_FLAG = { flag: '--sha256', value: 'HEX', summary: 'refuse unless the bytes have this SHA-256' };

function byteCount(args: ParsedArgs, flag: string): number | undefined {
  const value = args.flag(flag);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} is a byte count`);
  return n;
}

function sha256Of(args: ParsedArgs): string | undefined {
  const value = args.flag(SHA256_FLAG.flag);
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

export const begin: ClientCommand = {
  protocol: 'begin_u',
  word: 'begin',
  args: [arg('bucket', 'bucket', 'bucket', { slashFills: 'name' }), arg('name', 'key', 'key the file will have')],
  flags: [
    { flag: '--size', value: 'BYTES', summary: "the whole file's size, when known" },
    { flag: '--overwrite', summary: 'replace a file of the same key on completion' },
    SHA256_FLAG,
    { flag: '--parts', summary: 'a session of numbered parts (part_n), not of offsets' },
  ],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket')!;
    const name = args.one('name')!;
    const upload = await (await connect()).beginUpload(bucket, name, {
      size: byteCount(args, '--size'),
      overwrite: args.flag('--overwrite') === true,
      sha256: sha256Of(args),
      parts: args.flag('--parts') === true,
    });
    output.report({ upload, bucket, name }, [upload]);
  },
};

export const part: ClientCommand = {
  protocol: 'part_u',
  word: 'part',
  args: [arg('upload', 'upload', 'upload id'), arg('offset', 'offset', 'offset of the part in the file'), arg('file', 'path', 'local file holding the part')],
  flags: [SHA256_FLAG],
  async run({ connect, output }, args) {
    const upload = args.one('upload')!;
    const offset = Number(args.one('offset'));
    if (!Number.isSafeInteger(offset) || offset < 0) throw new UsageError('OFFSET is a byte count');
    const path = args.one('file')!;
    const { size } = await stat(path).catch((err: unknown) => {
      throw cannotRead(path, err);
    });
    const stored = await (await connect()).writePart(upload, offset, createReadStream(path), { size, sha256: sha256Of(args) });
    output.report({ ...stored }, [`stored ${formatBytes(stored.size)} at ${stored.offset}  sha256 ${stored.sha256}`]);
  },
};

export const statusU: ClientCommand = {
  protocol: 'status_u',
  word: 'status_u',
  args: [arg('upload', 'upload', 'upload id')],
  flags: [],
  async run({ connect, output }, args) {
    const status = await (await connect()).uploadStatus(args.one('upload')!);
    const ranges = status.ranges.map((r) => `${r.offset}+${r.length}`).join(', ') || 'nothing';
    output.report({ ...status }, [`holds ${status.held} bytes from 0 of ${status.size ?? 'a size not given'}; ranges: ${ranges}`]);
  },
};

export const complete: ClientCommand = {
  protocol: 'complete_u',
  word: 'complete',
  args: [arg('upload', 'upload', 'upload id')],
  flags: [SHA256_FLAG, { flag: '--parts', value: 'LIST', summary: 'the numbered parts the file is made of, ascending (1-12,14)' }],
  async run({ connect, output }, args) {
    const list = args.flag('--parts');
    const parts = typeof list === 'string' ? parsePartList(list) : undefined;
    if (parts !== undefined && !Array.isArray(parts)) throw new UsageError(`--parts: ${parts.problem}`);
    const stored = await (await connect()).completeUpload(args.one('upload')!, { sha256: sha256Of(args), parts });
    output.report({ ...stored }, [`stored ${formatBytes(stored.size)}  sha256 ${stored.sha256}`]);
  },
};

export const abort: ClientCommand = {
  protocol: 'abort_u',
  word: 'abort',
  args: [arg('upload', 'upload', 'upload id')],
  flags: [],
  async run({ connect, output }, args) {
    const upload = args.one('upload')!;
    await (await connect()).abortUpload(upload);
    output.report({ upload, aborted: true }, [`aborted ${upload}`]);
  },
};

export const uploads: ClientCommand = {
  protocol: 'ls_u',
  word: 'uploads',
  summary:
    "Lists a bucket's open upload sessions (id, key, bytes held of the size, when begun and last written, and the local file a put of this machine was sending); --abort ID aborts one",
  args: [arg('bucket', 'bucket', 'bucket', { optional: true })],
  flags: [{ flag: '--abort', value: 'ID', summary: 'abort this upload session instead of listing' }],
  async run({ connect, output, server }, args) {
    const abortId = args.flag('--abort');
    if (typeof abortId === 'string') {
      await (await connect()).abortUpload(abortId);
      // A put of the file starts over rather than asking for a session that is gone.
      await forgetUploadById(server, abortId).catch(() => {});
      output.report({ upload: abortId, aborted: true }, [`aborted ${abortId}`]);
      return;
    }
    const bucket = args.one('bucket');
    if (bucket === undefined) throw new UsageError('uploads needs a BUCKET, or --abort ID');
    const sessions = await (await connect()).listUploads(bucket);
    const local = new Map((await listUploadStates()).filter((e) => e.server === server && e.bucket === bucket).map((e) => [e.upload, e.path]));
    const listed = sessions.map((s) => ({ ...s, ...(local.has(s.id) ? { localPath: local.get(s.id) } : {}) }));
    const rows = listed.map((s) => [
      s.id,
      s.key,
      s.size === undefined ? formatBytes(s.held) : `${formatBytes(s.held)} of ${formatBytes(s.size)} (${percent(s.held, s.size)})`,
      shortTime(s.created),
      shortTime(s.updated),
      s.localPath ?? '-',
    ]);
    output.report(
      { bucket, uploads: listed },
      listed.length ? formatTable(['ID', 'KEY', 'HELD', 'BEGUN', 'LAST WRITTEN', 'LOCAL FILE'], rows) : [`no open uploads in ${bucket}`],
    );
  },
};

function percent(held: number, size: number): string {
  return `${size === 0 ? 100 : Math.floor((held / size) * 100)}%`;
}

/** `2026-12-02 01:23:45Z`: to the second, which is all a person compares. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
