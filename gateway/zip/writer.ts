import { crc32 } from 'node:zlib';
import { centralHeader, dataDescriptor, endRecords, localHeader, MAX_16, MAX_32, type CentralEntry } from './records.ts';

/** One entry of an archive: a file with its bytes, or a folder (its name ends in `/`). */
export type ZipEntry =
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly modified: Date;
      /** The byte count `body` gives: it decides the ZIP64 form before the bytes, and is checked after them. */
      readonly size: number;
      readonly body: AsyncIterable<Uint8Array>;
    }
  | { readonly kind: 'folder'; readonly name: string; readonly modified: Date };

export interface ZipOptions {
  /** Writes every entry and the end in ZIP64 form, needed or not: lets tests check a reader takes it without 4 GiB. */
  readonly forceZip64?: boolean;
  /**
   * The central directory is held until the end (about 50 bytes and the
   * name per entry): an archive whose directory would pass this many bytes
   * fails instead of growing without bound.
   */
  readonly maxDirectoryBytes?: number;
}

/** About 600,000 entries of 60-byte names. */
const MAX_DIRECTORY_BYTES = 64 << 20;

/** Thrown when the entries do not make a valid archive; the archive so far must be thrown away. */
export class ZipError extends Error {}

/**
 * A zip archive of the entries, as its bytes in order: written as the
 * entries come, one at a time, each file's bytes passed through as they
 * arrive (stored, not compressed), so neither a file nor the archive is
 * ever held whole; only the central directory is kept for the end. Pulled
 * by its reader: nothing is read from an entry's body before the reader
 * asks for more. A failure (an entry's body failing or giving another byte
 * count than announced) throws, and whoever streams the archive must then
 * cut it rather than end it: a cut archive is unreadable, never a
 * plausible short one.
 */
export async function* zipArchive(entries: AsyncIterable<ZipEntry>, options: ZipOptions = {}): AsyncGenerator<Buffer> {
  const force = options.forceZip64 ?? false;
  const maxDirectoryBytes = options.maxDirectoryBytes ?? MAX_DIRECTORY_BYTES;
  const directory: Buffer[] = [];
  let directoryBytes = 0;
  let offset = 0;
  for await (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    if (name.length === 0 || name.length > MAX_16) throw new ZipError(`an entry's name has 1 to ${MAX_16} bytes: ${JSON.stringify(entry.name)}`);
    if (entry.name.endsWith('/') !== (entry.kind === 'folder')) throw new ZipError(`only a folder's name ends in /: ${JSON.stringify(entry.name)}`);
    const start = offset;
    const size = entry.kind === 'file' ? entry.size : 0;
    const zip64 = force || size >= MAX_32;
    const header = localHeader(name, entry.modified, entry.kind === 'folder', zip64);
    offset += header.length;
    yield header;
    let crc = 0;
    if (entry.kind === 'file') {
      let written = 0;
      for await (const chunk of entry.body) {
        crc = crc32(chunk, crc);
        written += chunk.length;
        if (written > size) throw new ZipError(`${entry.name} gave more than its ${size} bytes`);
        offset += chunk.length;
        yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      }
      if (written !== size) throw new ZipError(`${entry.name} ended after ${written} of its ${size} bytes`);
      const descriptor = dataDescriptor(crc, size, zip64);
      offset += descriptor.length;
      yield descriptor;
    }
    const central: CentralEntry = { name, folder: entry.kind === 'folder', modified: entry.modified, crc32: crc, size, offset: start, zip64, force };
    const record = centralHeader(central);
    directoryBytes += record.length;
    if (directoryBytes > maxDirectoryBytes) throw new ZipError(`an archive's directory is limited to ${maxDirectoryBytes} bytes (${directory.length} entries fit)`);
    directory.push(record);
  }
  const directoryOffset = offset;
  // Written in pieces of a few hundred KiB, so a large directory neither waits whole in one buffer nor goes out record by record.
  let piece: Buffer[] = [];
  let pieceBytes = 0;
  for (const record of directory) {
    piece.push(record);
    pieceBytes += record.length;
    if (pieceBytes >= DIRECTORY_PIECE) {
      yield Buffer.concat(piece);
      piece = [];
      pieceBytes = 0;
    }
  }
  if (piece.length > 0) yield Buffer.concat(piece);
  yield endRecords({ entries: directory.length, size: directoryBytes, offset: directoryOffset, force }, directoryOffset + directoryBytes);
}

const DIRECTORY_PIECE = 256 * 1024;
