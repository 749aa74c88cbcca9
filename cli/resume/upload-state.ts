import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What the CLI remembers of the upload sessions it began, so that the next
 * `pail put` of the same local file to the same key finds its session: one
 * small JSON file per session under `$XDG_STATE_HOME/pail/uploads/`
 * (`~/.local/state/pail/uploads/` when XDG_STATE_HOME is not set), named by
 * a digest of server address, bucket, key, local path, size and
 * modification time, so that a file changed since (another size or mtime)
 * never resumes into its old bytes. One file per session needs no locking
 * between `pail` processes, and a lost or unwritable one only costs a
 * resume (the session itself expires on the server).
 */
export interface UploadStateKey {
  /** host:port of the bucket server, as the CLI reaches it. */
  readonly server: string;
  readonly bucket: string;
  readonly key: string;
  /** The local file's absolute path. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface UploadStateEntry extends UploadStateKey {
  readonly upload: string;
  /** The options the session was begun with: another choice this time starts over. */
  readonly overwrite: boolean;
  readonly sha256?: string;
  readonly begun: string;
}

export function uploadStateFolder(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'pail', 'uploads');
}

function entryFile(key: UploadStateKey): string {
  const fields = [key.server, key.bucket, key.key, key.path, key.size, key.mtimeMs];
  return join(uploadStateFolder(), `${createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32)}.json`);
}

/** The session remembered for this file and key, if any (an unreadable entry counts as none). */
export async function readUploadState(key: UploadStateKey): Promise<UploadStateEntry | undefined> {
  const text = await readFile(entryFile(key), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const entry = parseEntry(text);
  // A digest collision, however unlikely, must not resume another file's session.
  return entry && sameKey(entry, key) ? entry : undefined;
}

/** Remembers a session; written whole under a temporary name and renamed, so a reader never sees half of one. */
export async function writeUploadState(entry: UploadStateEntry): Promise<void> {
  const file = entryFile(entry);
  await mkdir(uploadStateFolder(), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(entry));
  await rename(temp, file);
}

export async function forgetUploadState(key: UploadStateKey): Promise<void> {
  await rm(entryFile(key), { force: true });
}

/** Every session remembered, for `pail uploads` to say which local file each belongs to. */
export async function listUploadStates(): Promise<UploadStateEntry[]> {
  const folder = uploadStateFolder();
  const names = await readdir(folder).catch(() => [] as string[]);
  const entries: UploadStateEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const entry = parseEntry(await readFile(join(folder, name), 'utf8').catch(() => ''));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Forgets the session of this id on this server, whichever file it was for (after `pail uploads --abort`). */
export async function forgetUploadById(server: string, upload: string): Promise<void> {
  for (const entry of await listUploadStates()) if (entry.server === server && entry.upload === upload) await forgetUploadState(entry);
}

function parseEntry(text: string): UploadStateEntry | undefined {
  try {
    const entry = JSON.parse(text) as UploadStateEntry;
    return typeof entry.upload === 'string' && typeof entry.path === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

function sameKey(a: UploadStateKey, b: UploadStateKey): boolean {
  return a.server === b.server && a.bucket === b.bucket && a.key === b.key && a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
