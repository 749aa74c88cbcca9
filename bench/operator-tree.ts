import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { compareKeys } from '../shared/protocol/names.ts';
import { seconds } from './stats.ts';

/**
 * A bucket made straight in a data folder, as an operator copying files in
 * would make it (Pail is not running and records nothing): `files` files in
 * folders of 1,000. One file in 100 holds a few bytes and the rest are empty:
 * listing costs the same either way, but on this machine's disk (ext4 mounted
 * with `discard`) removing 50,000 files that hold data took 40–66 s against
 * 1.3–1.5 s for empty ones, so a million would take over ten minutes and load
 * the disk for everyone meanwhile. Names are not zero-padded (`dir-1/`,
 * `dir-10/`, `file-2.txt`, `file-10.txt`), so byte order is not the order they
 * were made in, and `dir-1/` sorts before `dir-10/` only because `/` is below
 * `0`.
 */
export const FILES_PER_FOLDER = 1000;
const BODY = Buffer.from('a few bytes\n');
/** One file in this many holds BODY. */
const WITH_BODY = 100;

export const folderName = (folder: number): string => `dir-${folder}/`;
export const fileKey = (folder: number, file: number): string => `${folderName(folder)}file-${file}.txt`;

/** The folder and file numbers of a key this module made, or undefined for any other key. */
export function parseKey(key: string, files: number): { folder: number; file: number } | undefined {
  const m = /^dir-(0|[1-9]\d*)\/file-(0|[1-9]\d*)\.txt$/.exec(key);
  if (!m) return undefined;
  const folder = Number(m[1]);
  const file = Number(m[2]);
  return folder < files / FILES_PER_FOLDER && file < FILES_PER_FOLDER ? { folder, file } : undefined;
}

/**
 * Makes the bucket's tree with synchronous calls in a loop: the kernel's file
 * creation is the cost, and a C helper measured no faster here (100,000 files
 * in 3.4 s against 2.9 s). Returns the seconds it took.
 */
export function makeOperatorTree(bucketDir: string, files: number): number {
  const started = process.hrtime.bigint();
  for (let folder = 0; folder < files / FILES_PER_FOLDER; folder++) {
    const dir = join(bucketDir, folderName(folder));
    mkdirSync(dir, { recursive: true });
    for (let file = 0; file < FILES_PER_FOLDER; file++) {
      const fd = openSync(join(bucketDir, fileKey(folder, file)), 'wx');
      try {
        if (file % WITH_BODY === 0) writeSync(fd, BODY);
      } finally {
        closeSync(fd);
      }
    }
  }
  return seconds(started);
}

/** The bytes all the files hold, as the bucket's totals should add them up. */
export const treeBytes = (files: number): number => Math.ceil(files / WITH_BODY) * BODY.length;

/** The keys in the order a listing must give them (byte order), for a tree of `files` files. */
export function expectedFirstKey(files: number): string {
  const folders = Array.from({ length: files / FILES_PER_FOLDER }, (_, i) => folderName(i)).sort(compareKeys);
  const names = Array.from({ length: FILES_PER_FOLDER }, (_, i) => `file-${i}.txt`).sort(compareKeys);
  return folders[0] + names[0];
}

/**
 * Whether the disk holding `dir` has room for a tree of `files` files: each
 * takes an inode and at most a 4 KiB block (its folder's share included), and a margin of
 * 2 GiB and 10% of the inodes is left for everyone else on the machine.
 */
export function roomFor(dir: string, files: number): { ok: boolean; freeBytes: number; needBytes: number; freeInodes: number } {
  const fs = statfsSync(dir);
  const freeBytes = fs.bavail * fs.bsize;
  const needBytes = files * 4096 * 1.1 + 2 * 1024 ** 3;
  const freeInodes = fs.ffree;
  return { ok: freeBytes > needBytes && freeInodes > files * 1.05 + fs.files * 0.1, freeBytes, needBytes, freeInodes };
}

/** Removes a tree (with `rm -rf`, far faster than a recursive walk in Node for a million files); returns the seconds it took. */
export function removeTree(dir: string): number {
  const started = process.hrtime.bigint();
  try {
    execFileSync('rm', ['-rf', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
  return seconds(started);
}
