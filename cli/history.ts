import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The shell's history file, kept between sessions. */
export const HISTORY_FILE = join(homedir(), '.pail_history');
export const HISTORY_SIZE = 1000;

/** Newest first, as readline keeps it; a missing or unreadable file is an empty history. */
export async function loadHistory(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
}

/** Oldest first on disk, so the file reads like a transcript. */
export async function saveHistory(path: string, newestFirst: readonly string[]): Promise<void> {
  const lines = newestFirst.slice(0, HISTORY_SIZE).reverse();
  await writeFile(path, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
}
