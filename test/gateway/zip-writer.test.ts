import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipArchive, ZipError, type ZipEntry } from '../../gateway/zip/writer.ts';
import { entryNames, extractedTree, testArchive, verboseInfo } from '../helpers/unzip.ts';

const MiB = 1 << 20;
const GiB = 1024 * MiB;
const WHEN = new Date(2024, 4, 17, 13, 45, 30);
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A body of these chunks, as a download gives them. */
async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

function file(name: string, content: Buffer | string, pieces = 1): ZipEntry {
  const bytes = Buffer.from(content);
  const step = Math.ceil(bytes.length / pieces) || 1;
  const parts = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * step, (i + 1) * step));
  return { kind: 'file', name, modified: WHEN, size: bytes.length, body: chunks(...parts) };
}

const folder = (name: string): ZipEntry => ({ kind: 'folder', name, modified: WHEN });

async function* listOf(entries: ZipEntry[]): AsyncGenerator<ZipEntry> {
  yield* entries;
}

/** Bytes stamped with their position, so no two blocks are alike. */
function stamped(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i + 4 <= length; i += 4096) bytes.writeUInt32BE((i / 4096 + seed) >>> 0, i);
  return bytes;
}

/** The general purpose flags of every central directory record, walked from the classic end record. */
function centralFlags(archive: Buffer): number[] {
  const end = archive.length - 22;
  const count = archive.readUInt16LE(end + 10);
  const flags: number[] = [];
  for (let at = archive.readUInt32LE(end + 16), i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    flags.push(archive.readUInt16LE(at + 8));
    at += 46 + archive.readUInt16LE(at + 28) + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
  }
  return flags;
}

describe('the zip writer, read back by Info-ZIP unzip', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pail-zip-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function write(name: string, entries: ZipEntry[] | AsyncIterable<ZipEntry>, options = {}): Promise<string> {
    const path = join(dir, name);
    const source = Array.isArray(entries) ? listOf(entries) : entries;
    await pipeline(Readable.from(zipArchive(source, options), { objectMode: false }), createWriteStream(path));
    return path;
  }

  const big = stamped(3 * MiB + 17, 1);
  const sample = (): ZipEntry[] => [
    folder('empty folder/'),
    file('notes.txt', 'some notes'),
    file('photos/2024/big.bin', big, 7),
    file('photos/2024/empty.bin', ''),
    file('photos/Ünïcödé 名前 ☃.txt', 'utf-8 name'),
  ];
  const sampleTree = {
    'empty folder/': 'folder',
    'notes.txt': sha256('some notes'),
    'photos/': 'folder',
    'photos/2024/': 'folder',
    'photos/2024/big.bin': sha256(big),
    'photos/2024/empty.bin': sha256(''),
    'photos/Ünïcödé 名前 ☃.txt': sha256('utf-8 name'),
  };

  it('writes stored entries with data descriptors that unzip tests, lists and extracts byte for byte, folders and UTF-8 names kept', async () => {
    const path = await write('sample.zip', sample());
    await testArchive(path);
    expect(await entryNames(path)).toEqual(['empty folder/', 'notes.txt', 'photos/2024/big.bin', 'photos/2024/empty.bin', 'photos/Ünïcödé 名前 ☃.txt']);
    expect(await extractedTree(path)).toEqual(sampleTree);
    const info = await verboseInfo(path);
    expect(info).toContain('compression method:                             none (stored)');
    expect(info).toContain('extended local header:                          yes');
    expect(info).not.toMatch(/Zip64/i);
    // unzip in a UTF-8 locale takes any name as UTF-8; other readers (Windows, Python) need the flag to.
    expect(centralFlags(await readFile(path)).map((flags) => flags & (1 << 11))).toEqual(Array(5).fill(1 << 11));
    // Stored: the archive is its contents plus headers.
    expect((await stat(path)).size).toBeLessThan(big.length + 2048);
  });

  it('writes an archive unzip reads through its ZIP64 records when forced to use them for everything', async () => {
    const path = await write('forced.zip', sample(), { forceZip64: true });
    await testArchive(path);
    expect(await extractedTree(path)).toEqual(sampleTree);
    const bytes = await readFile(path);
    // The classic end record says "see ZIP64" (-1) for its counts, size and offset: only the ZIP64 end record holds them.
    const end = bytes.subarray(bytes.length - 22);
    expect(end.readUInt32LE(0)).toBe(0x06054b50);
    expect([end.readUInt16LE(10), end.readUInt32LE(12), end.readUInt32LE(16)]).toEqual([0xffff, 0xffffffff, 0xffffffff]);
    expect(bytes.readUInt32LE(bytes.length - 22 - 20)).toBe(0x07064b50);
    const info = await verboseInfo(path);
    expect(info).toMatch(/minimum software version required to extract:\s+4\.5/);
  });

  it('writes 65,536 entries (more than the classic end record counts) with a ZIP64 end record', { timeout: 120_000 }, async () => {
    const COUNT = 65_536;
    async function* many(): AsyncGenerator<ZipEntry> {
      for (let i = 0; i < COUNT; i++) yield file(`d${i % 16}/f${i}`, String(i % 10));
    }
    const path = await write('many.zip', many());
    const bytes = await readFile(path);
    expect(bytes.readUInt16LE(bytes.length - 22 + 10)).toBe(0xffff);
    expect(bytes.readUInt32LE(bytes.length - 22 - 20)).toBe(0x07064b50);
    await testArchive(path);
    const names = await entryNames(path);
    expect(names).toHaveLength(COUNT);
    expect(names[COUNT - 1]).toBe(`d${(COUNT - 1) % 16}/f${COUNT - 1}`);
  });

  it('writes a file past 4 GiB and one after it in ZIP64 form that unzip tests (a sparse archive: no 4 GiB of disk)', { timeout: 120_000 }, async () => {
    // 4 GiB and a bit of zeros, then a small file whose local header starts past 4 GiB.
    const HUGE = 4 * GiB + 5 * MiB + 3;
    const zeros = Buffer.alloc(8 * MiB);
    async function* hugeBody(): AsyncGenerator<Buffer> {
      for (let left = HUGE; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    }
    const entries: ZipEntry[] = [
      { kind: 'file', name: 'huge.bin', modified: WHEN, size: HUGE, body: hugeBody() },
      file('after/small.txt', 'after the huge one'),
    ];
    const path = join(dir, 'huge.zip');
    // Runs of zeros are skipped rather than written, so the file is sparse: its holes read back as zeros.
    const handle = await open(path, 'w');
    let position = 0;
    try {
      for await (const piece of zipArchive(listOf(entries))) {
        if (piece !== zeros && !(piece.length > 0 && piece.buffer === zeros.buffer)) await handle.write(piece, 0, piece.length, position);
        position += piece.length;
      }
      await handle.truncate(position);
    } finally {
      await handle.close();
    }
    expect(position).toBeGreaterThan(HUGE);
    // The small file is found through its ZIP64 offset and checked; reading 4 GiB back through unzip's CRC would take a minute.
    expect(await testArchive(path, 'after/small.txt')).toMatch(/testing: after\/small\.txt\s+OK/);
    const info = await verboseInfo(path);
    expect(info).toMatch(new RegExp(`uncompressed size:\\s+${HUGE} bytes`));
    expect(info).toMatch(new RegExp(`offset of local header from start of archive:\\s+${HUGE + 30 + 'huge.bin'.length + 20 + 24}`));
    await rm(path);
  });

  it('fails, rather than ending the archive, when a body gives fewer bytes than announced', async () => {
    const short: ZipEntry = { kind: 'file', name: 'short.bin', modified: WHEN, size: 10, body: chunks(Buffer.from('12345')) };
    await expect(write('short.zip', [file('a.txt', 'a'), short, file('b.txt', 'b')])).rejects.toThrow(ZipError);
  });

  it('fails when a body gives more bytes than announced', async () => {
    const long: ZipEntry = { kind: 'file', name: 'long.bin', modified: WHEN, size: 2, body: chunks(Buffer.from('12345')) };
    await expect(write('long.zip', [long])).rejects.toThrow(/more than its 2 bytes/);
  });

  it('fails when a body fails', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('the download was cut');
    }
    const entry: ZipEntry = { kind: 'file', name: 'cut.bin', modified: WHEN, size: 100, body: broken() };
    await expect(write('cut.zip', [file('a.txt', 'a'), entry])).rejects.toThrow('the download was cut');
  });

  it('refuses a directory larger than its limit instead of growing without bound', async () => {
    async function* endless(): AsyncGenerator<ZipEntry> {
      for (let i = 0; i < 1_000_000; i++) yield file(`f${i}`, '');
    }
    await expect(write('endless.zip', endless(), { maxDirectoryBytes: 64 * 1024 })).rejects.toThrow(/directory is limited/);
  });

  it('writes an empty archive unzip accepts', async () => {
    const path = await write('empty.zip', []);
    expect((await readFile(path)).length).toBe(22);
    await expect(testArchive(path)).rejects.toThrow(/zipfile is empty|empty/i);
  });

  it('reads a body no faster than its reader takes the archive', async () => {
    let given = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1000; i++) {
        given++;
        yield Buffer.alloc(64 * 1024, i);
      }
    }
    const archive = Readable.from(zipArchive(listOf([{ kind: 'file', name: 'slow.bin', modified: WHEN, size: 1000 * 64 * 1024, body: counted() }])), {
      objectMode: false,
      highWaterMark: 64 * 1024,
    });
    // A reader that takes the first pieces and then stops asking.
    let taken = 0;
    const stalled = new Writable({
      highWaterMark: 64 * 1024,
      write(_chunk, _encoding, done) {
        taken++;
        if (taken < 4) done();
      },
    });
    archive.pipe(stalled);
    await expect.poll(() => taken, { timeout: 5_000 }).toBe(4);
    // Let the stream machinery settle: whatever it pulls now it pulls for buffers already full.
    await new Promise((resolve) => setImmediate(resolve));
    expect(given).toBeLessThanOrEqual(8);
    archive.destroy();
  });
});

describe('the reader the zip tests trust', () => {
  it('fails an archive whose bytes do not match their CRC-32', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pail-zip-bad-'));
    try {
      const pieces: Buffer[] = [];
      for await (const piece of zipArchive(listOf([file('a.txt', 'hello')]))) pieces.push(piece);
      const bytes = Buffer.concat(pieces);
      // The data follows the 30-byte local header and the 5-byte name.
      expect(bytes.subarray(35, 40).toString()).toBe('hello');
      bytes[35] = 'j'.charCodeAt(0);
      const path = join(dir, 'bad.zip');
      await writeFile(path, bytes);
      await expect(testArchive(path)).rejects.toThrow(/bad CRC/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
