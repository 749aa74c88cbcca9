/**
 * The byte layouts of a zip archive (PKWARE's APPNOTE.TXT, sections 4.3 and
 * 4.5), as this writer uses them: stored entries (method 0), names in UTF-8
 * (flag bit 11), a file's CRC-32 and sizes in a data descriptor after its
 * bytes (flag bit 3), and ZIP64 records where a size, an offset or the
 * number of entries passes what the classic fields hold. Every number is
 * little-endian.
 */

/** The largest value of a 32-bit field; the value itself means "see the ZIP64 record". */
export const MAX_32 = 0xffff_ffff;
/** The largest value of a 16-bit field; likewise. */
export const MAX_16 = 0xffff;

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
const ZIP64_EXTRA = 0x0001;

/** 2.0: folders and data descriptors; 4.5: ZIP64. */
const VERSION_CLASSIC = 20;
const VERSION_ZIP64 = 45;
/** Made by a Unix host (upper byte 3), so the external attributes carry Unix modes; spec version 4.5. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;

const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;

/** Unix modes in the high 16 bits: a regular file rw-r--r--, a directory rwxr-xr-x (plus the MS-DOS directory bit). */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const FOLDER_ATTRIBUTES = ((0o040755 << 16) | 0x10) >>> 0;

/** What the central directory says of one entry. */
export interface CentralEntry {
  readonly name: Buffer;
  readonly folder: boolean;
  readonly modified: Date;
  readonly crc32: number;
  readonly size: number;
  /** Where the entry's local header starts. */
  readonly offset: number;
  /** Whether its local header and data descriptor were written in ZIP64 form. */
  readonly zip64: boolean;
  /** Whether every field goes through the ZIP64 record even where it would fit (to test readers). */
  readonly force: boolean;
}

/**
 * A local file header. A file's CRC-32 and sizes are not known yet (they
 * follow in its data descriptor): zero here, or in ZIP64 form the sizes are
 * 0xFFFFFFFF with a ZIP64 extra field of zeros, so a reader knows the
 * descriptor's sizes are 8 bytes each. A folder has no bytes and no descriptor.
 */
export function localHeader(name: Buffer, modified: Date, folder: boolean, zip64: boolean): Buffer {
  const extra = zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_CLASSIC, 4);
  header.writeUInt16LE(folder ? FLAG_UTF8 : FLAG_UTF8 | FLAG_DATA_DESCRIPTOR, 6);
  header.writeUInt16LE(0, 8); // stored
  writeDosTime(header, 10, modified);
  header.writeUInt32LE(0, 14); // CRC-32: a folder's is 0, a file's follows
  header.writeUInt32LE(zip64 ? MAX_32 : 0, 18);
  header.writeUInt32LE(zip64 ? MAX_32 : 0, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

/** The data descriptor after a file's bytes: its CRC-32 and sizes (8 bytes each in ZIP64 form). */
export function dataDescriptor(crc32: number, size: number, zip64: boolean): Buffer {
  const record = Buffer.alloc(zip64 ? 24 : 16);
  record.writeUInt32LE(DATA_DESCRIPTOR, 0);
  record.writeUInt32LE(crc32, 4);
  if (zip64) {
    record.writeBigUInt64LE(BigInt(size), 8);
    record.writeBigUInt64LE(BigInt(size), 16);
  } else {
    record.writeUInt32LE(size, 8);
    record.writeUInt32LE(size, 12);
  }
  return record;
}

/**
 * A central directory header. Sizes and the offset that do not fit 32 bits
 * (or all of them, forced) are 0xFFFFFFFF here and follow, in that order, in
 * its ZIP64 extra field.
 */
export function centralHeader(entry: CentralEntry): Buffer {
  const bigSize = entry.force || entry.size >= MAX_32;
  const bigOffset = entry.force || entry.offset >= MAX_32;
  const wide = [...(bigSize ? [entry.size, entry.size] : []), ...(bigOffset ? [entry.offset] : [])];
  const extra = wide.length > 0 ? zip64Extra(wide) : Buffer.alloc(0);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(MADE_BY, 4);
  header.writeUInt16LE(entry.zip64 || wide.length > 0 ? VERSION_ZIP64 : VERSION_CLASSIC, 6);
  header.writeUInt16LE(entry.folder ? FLAG_UTF8 : FLAG_UTF8 | FLAG_DATA_DESCRIPTOR, 8);
  header.writeUInt16LE(0, 10); // stored
  writeDosTime(header, 12, entry.modified);
  header.writeUInt32LE(entry.crc32, 16);
  header.writeUInt32LE(bigSize ? MAX_32 : entry.size, 20);
  header.writeUInt32LE(bigSize ? MAX_32 : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt16LE(0, 32); // comment length
  header.writeUInt16LE(0, 34); // disk number start
  header.writeUInt16LE(0, 36); // internal attributes
  header.writeUInt32LE(entry.folder ? FOLDER_ATTRIBUTES : FILE_ATTRIBUTES, 38);
  header.writeUInt32LE(bigOffset ? MAX_32 : entry.offset, 42);
  return Buffer.concat([header, entry.name, extra]);
}

/** Where the central directory lies, for the end records. */
export interface DirectoryEnd {
  readonly entries: number;
  readonly size: number;
  readonly offset: number;
  readonly force: boolean;
}

/** Whether the end of the archive needs the ZIP64 end record: a count, size or offset too large for the classic one. */
export function needsZip64End(end: DirectoryEnd): boolean {
  return end.force || end.entries >= MAX_16 || end.size >= MAX_32 || end.offset >= MAX_32;
}

/**
 * The end of the archive, written at `at` (where the central directory
 * ends): the ZIP64 end of central directory record and its locator when
 * needed, then the classic end record, whose fields that overflow are -1.
 */
export function endRecords(end: DirectoryEnd, at: number): Buffer {
  const zip64 = needsZip64End(end);
  const records: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(ZIP64_END, 0);
    record.writeBigUInt64LE(44n, 4); // the size of the rest of this record
    record.writeUInt16LE(MADE_BY, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16); // this disk
    record.writeUInt32LE(0, 20); // the disk where the central directory starts
    record.writeBigUInt64LE(BigInt(end.entries), 24);
    record.writeBigUInt64LE(BigInt(end.entries), 32);
    record.writeBigUInt64LE(BigInt(end.size), 40);
    record.writeBigUInt64LE(BigInt(end.offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR, 0);
    locator.writeUInt32LE(0, 4); // the disk of the ZIP64 end record
    locator.writeBigUInt64LE(BigInt(at), 8);
    locator.writeUInt32LE(1, 16); // disks in all
    records.push(record, locator);
  }
  const classic = Buffer.alloc(22);
  const entries = zip64 && (end.force || end.entries >= MAX_16) ? MAX_16 : end.entries;
  classic.writeUInt32LE(END, 0);
  classic.writeUInt16LE(0, 4);
  classic.writeUInt16LE(0, 6);
  classic.writeUInt16LE(entries, 8);
  classic.writeUInt16LE(entries, 10);
  classic.writeUInt32LE(zip64 && (end.force || end.size >= MAX_32) ? MAX_32 : end.size, 12);
  classic.writeUInt32LE(zip64 && (end.force || end.offset >= MAX_32) ? MAX_32 : end.offset, 16);
  classic.writeUInt16LE(0, 20); // comment length
  records.push(classic);
  return Buffer.concat(records);
}

/** A ZIP64 extended information extra field holding these 8-byte values. */
function zip64Extra(values: readonly number[]): Buffer {
  const field = Buffer.alloc(4 + 8 * values.length);
  field.writeUInt16LE(ZIP64_EXTRA, 0);
  field.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => field.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
  return field;
}

/**
 * MS-DOS time and date (two seconds' precision, local time, 1980–2107) at
 * `offset`: time first, then date. Times outside the range are clamped to it.
 */
function writeDosTime(buffer: Buffer, offset: number, time: Date): void {
  const year = time.getFullYear();
  let dosTime: number;
  let dosDate: number;
  if (Number.isNaN(year) || year < 1980) {
    dosTime = 0;
    dosDate = (1 << 5) | 1;
  } else if (year > 2107) {
    dosTime = (23 << 11) | (59 << 5) | 29;
    dosDate = (127 << 9) | (12 << 5) | 31;
  } else {
    dosTime = (time.getHours() << 11) | (time.getMinutes() << 5) | (time.getSeconds() >> 1);
    dosDate = ((year - 1980) << 9) | ((time.getMonth() + 1) << 5) | time.getDate();
  }
  buffer.writeUInt16LE(dosTime, offset);
  buffer.writeUInt16LE(dosDate, offset + 2);
}
