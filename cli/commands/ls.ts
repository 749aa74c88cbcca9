import type { PailConnection } from '../../shared/client/connection.ts';
import type { ListedFile } from '../../shared/protocol/types.ts';
import { compareKeys } from '../../shared/protocol/names.ts';
import type { Output } from '../output.ts';
import { formatBytes, formatTable } from '../format.ts';
import { folderPrefix } from '../tree/targets.ts';
import { DEFAULT_PAGE_SIZE } from '../tree/remote-walk.ts';
import { filePageOf } from '../../shared/client/listing.ts';
import { arg, PAGE_SIZE_FLAG, pageSizeOf, RECURSIVE, type ClientCommand, type CliFlag, type ParsedArgs } from './command.ts';

const RECURSIVE_FLAG: CliFlag = { flag: RECURSIVE, short: '-r', summary: 'every key under BUCKET[/FOLDER], not only one level' };
const FOLDER_ARG = arg('folder', 'key', 'folder to list', { optional: true });

/**
 * `ls` lists the buckets, and given a bucket, one level of it (BUCKET/FOLDER
 * for a folder's): its folders and files, page after page, in key byte
 * order; with --recursive every key under it.
 */
export const ls: ClientCommand = {
  protocol: 'ls_b',
  word: 'ls',
  summary:
    'Lists the buckets: name, file count, total bytes, creation time; with BUCKET (or BUCKET/FOLDER), ' +
    'lists the folders and files one level down, or every key under it with -r',
  args: [arg('bucket', 'bucket', 'bucket', { optional: true, slashFills: 'folder' }), FOLDER_ARG],
  flags: [RECURSIVE_FLAG, PAGE_SIZE_FLAG],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket');
    const connection = await connect();
    if (bucket !== undefined) return listLevel(connection, output, bucket, args);
    const buckets = await connection.listBuckets();
    const rows = buckets.map((b) => [b.name, String(b.files), formatBytes(b.bytes), b.created]);
    output.report({ buckets }, buckets.length ? formatTable(['BUCKET', 'FILES', 'SIZE', 'CREATED'], rows) : ['no buckets']);
  },
};

/** `list BUCKET` is `ls BUCKET`; `list` alone lists every bucket's files, as the protocol's ls_f does. */
export const list: ClientCommand = {
  protocol: 'ls_f',
  word: 'list',
  summary: "Lists every bucket's files (the whole listing); with BUCKET (or BUCKET/FOLDER), lists as ls BUCKET does",
  args: [arg('bucket', 'bucket', 'bucket', { optional: true, slashFills: 'folder' }), FOLDER_ARG],
  flags: [RECURSIVE_FLAG, PAGE_SIZE_FLAG],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket');
    const connection = await connect();
    if (bucket !== undefined) return listLevel(connection, output, bucket, args);
    const files = await connection.listFiles();
    output.report({ files }, files.length ? fileTable(files, []) : ['no files']);
  },
};

/**
 * One level of a bucket or folder (--recursive: every key under it), page
 * by page. People get each page's rows as it comes, so a listing of millions
 * starts at once and holds one page; --json reports one document, so it
 * gathers them all.
 */
async function listLevel(connection: PailConnection, output: Output, bucket: string, args: ParsedArgs): Promise<void> {
  const prefix = folderPrefix(args.one('folder') ?? '');
  const query = { prefix: prefix === '' ? undefined : prefix, delimiter: args.flag(RECURSIVE) === true ? undefined : ('/' as const) };
  // Pipelined: the connection is this command's alone, so the next page is asked for while this one prints.
  const pages = connection.pages(bucket, { ...query, pageSize: pageSizeOf(args) ?? DEFAULT_PAGE_SIZE });
  const files: ListedFile[] = [];
  const folders: string[] = [];
  let shown = 0;
  for await (const rowPage of pages) {
    const page = filePageOf(rowPage);
    if (output.json) {
      files.push(...page.files);
      folders.push(...page.folders);
    } else if (page.files.length + page.folders.length > 0) {
      const table = fileTable(page.files, page.folders.map((f) => [bucket, f]));
      // The header once, over the first page's columns.
      for (const line of shown === 0 ? table : table.slice(1)) output.line(line);
      shown += page.files.length + page.folders.length;
    }
  }
  if (output.json) {
    // The server lists in key byte order; sorted again here so the output is in that order whatever sent it.
    files.sort((a, b) => compareKeys(a.name, b.name));
    folders.sort(compareKeys);
    return output.report({ bucket, prefix, folders, files }, []);
  }
  if (shown === 0) output.line(prefix === '' ? 'no files' : `no files under ${bucket}/${prefix}`);
}

/** Folders (which have no size or time) among the files, all in key byte order. */
function fileTable(files: readonly ListedFile[], folders: readonly (readonly [string, string])[]): string[] {
  const rows = [
    ...folders.map(([bucket, prefix]) => [bucket, prefix, 'folder', '-', '-']),
    ...files.map((f) => [f.bucket, f.name, formatBytes(f.size), f.modified, f.sha256 ?? 'computing']),
  ];
  rows.sort((a, b) => compareKeys(a[1], b[1]));
  return formatTable(['BUCKET', 'NAME', 'SIZE', 'MODIFIED', 'SHA256'], rows);
}
