import type { UploadItem } from './uploads.svelte.ts';

/**
 * What was dropped: each item as a file system entry (a folder can only be
 * read through one), or as a plain File where the browser gives no entry.
 * Entries must be taken while the drop event runs, so this is synchronous.
 */
export function droppedEntries(transfer: DataTransfer): (FileSystemEntry | File)[] {
  const dropped: (FileSystemEntry | File)[] = [];
  for (const item of Array.from(transfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    const file = entry ? null : item.getAsFile();
    if (entry) dropped.push(entry);
    else if (file) dropped.push(file);
  }
  // Some browsers list dropped files in `files` only.
  if (dropped.length === 0) dropped.push(...Array.from(transfer.files));
  return dropped;
}

/**
 * Every file under the dropped entries, keyed by the open folder's prefix and
 * its path inside the drop, so folders keep their structure; a folder with
 * nothing in it becomes an explicit folder (a key ending in `/`, no bytes).
 */
export async function uploadItems(dropped: readonly (FileSystemEntry | File)[], prefix: string): Promise<UploadItem[]> {
  const items: UploadItem[] = [];
  for (const one of dropped) {
    if (one instanceof File) items.push({ key: prefix + one.name, file: one });
    else await walk(one, prefix, items);
  }
  return items;
}

/** The files a folder picker (`webkitdirectory`) chose, each at its path relative to the folder picked. */
export function pickedItems(files: Iterable<File>, prefix: string): UploadItem[] {
  return Array.from(files, (file) => ({ key: prefix + (file.webkitRelativePath || file.name), file }));
}

async function walk(entry: FileSystemEntry, prefix: string, items: UploadItem[]): Promise<void> {
  // fullPath is the entry's path inside the drop, starting with `/`.
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    items.push({ key: prefix + path, file: await fileOf(entry as FileSystemFileEntry) });
    return;
  }
  if (!entry.isDirectory) return;
  const children = await childrenOf(entry as FileSystemDirectoryEntry);
  if (children.length === 0) items.push({ key: `${prefix}${path}/`, file: new Blob([]) });
  for (const child of children) await walk(child, prefix, items);
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** A directory reader answers in batches (about a hundred entries each) until it answers none. */
async function childrenOf(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return children;
    children.push(...batch);
  }
}
