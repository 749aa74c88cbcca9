import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../server/storage/s3/s3-storage.ts';
import { md5, readOpened, reason, sha256 } from '../storage/bytes.ts';
import { ENGINE_TEST_OPTIONS, inPieces, NEEDS_ENGINE, ownStore, TEST_STORE } from './engine.ts';

const MiB = 1024 * 1024;
describe.skipIf(!TEST_STORE)(`S3Storage upload sessions on an engine (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  const options = ENGINE_TEST_OPTIONS;
  let storage: S3Storage;

  beforeAll(async () => {
    storage = await S3Storage.open(url, options);
    await storage.createBucket('uploads');
  });
  afterAll(() => storage?.close());

  it('an offset session of 1 MiB parts sent out of order (two at once, one overlapping) completes into the right file', async () => {
    const body = randomBytes(6 * MiB + 123);
    const session = await storage.beginUpload('uploads', 'offsets.bin', { size: body.length, sha256: sha256(body) });
    const starts = [5, 2, 0, 6, 3, 1, 4].map((i) => i * MiB);
    for (let i = 0; i < starts.length; i += 2) {
      await Promise.all(
        starts.slice(i, i + 2).map((start) => {
          const part = body.subarray(start, Math.min(body.length, start + MiB));
          return storage.writePart(session.id, start, inPieces(part), { size: part.length, sha256: sha256(part) });
        }),
      );
      if (i === 0) expect(await reason(storage.completeUpload(session.id, {}))).toBe('incomplete');
    }
    // A part overlapping held bytes with the same bytes is taken; with other bytes it is refused.
    await storage.writePart(session.id, MiB / 2, inPieces(body.subarray(MiB / 2, MiB / 2 + 1000)), { size: 1000 });
    expect(await reason(storage.writePart(session.id, MiB / 2, inPieces(randomBytes(1000)), { size: 1000 }))).toBe('part-conflict');
    expect(await reason(storage.writePart(session.id, body.length - 10, inPieces(randomBytes(20)), { size: 20 }))).toBe('bad-range');
    expect(await reason(storage.writePart(session.id, 0, inPieces(body.subarray(0, 10)), { size: 10, sha256: sha256(Buffer.from('x')) }))).toBe('checksum-mismatch');
    const status = await storage.uploadStatus(session.id);
    expect(status).toMatchObject({ held: body.length, size: body.length, ranges: [{ offset: 0, length: body.length }] });
    expect((await storage.listUploads('uploads')).map((u) => u.id)).toContain(session.id);
    const info = await storage.completeUpload(session.id, {});
    expect(info).toMatchObject({ size: body.length, sha256: sha256(body) });
    expect(sha256(await readOpened(await storage.get('uploads', 'offsets.bin')))).toBe(sha256(body));
    expect(await reason(storage.uploadStatus(session.id))).toBe('no-such-upload');
    expect((await storage.listUploads('uploads')).map((u) => u.id)).not.toContain(session.id);
  });

  it('a completion whose SHA-256 is wrong is refused, nothing appears and the session stays', async () => {
    const body = randomBytes(MiB);
    const session = await storage.beginUpload('uploads', 'wrong.bin', { size: body.length });
    await storage.writePart(session.id, 0, inPieces(body), { size: body.length });
    expect(await reason(storage.completeUpload(session.id, { sha256: sha256(Buffer.from('no')) }))).toBe('checksum-mismatch');
    expect(await reason(storage.stat('uploads', 'wrong.bin'))).toBe('no-such-file');
    expect((await storage.uploadStatus(session.id)).held).toBe(body.length);
    await storage.abortUpload(session.id);
    expect(await reason(storage.uploadStatus(session.id))).toBe('no-such-upload');
    expect(await reason(storage.writePart(session.id, 0, inPieces(body), { size: body.length }))).toBe('no-such-upload');
  });

  it("numbered parts: replaced, a subset completed in order, the file gets S3's multipart etag; a second server continues the session", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(700_000)];
    const session = await storage.beginUpload('uploads', 'numbered.bin', { numbered: true, attrs: 'content-type=x' });
    expect(await reason(storage.writePart(session.id, 0, inPieces(parts[0]), { size: 10 }))).toBe('not-now');
    const replacedFirst = randomBytes(5 * MiB);
    await storage.writeNumberedPart(session.id, 1, inPieces(replacedFirst), { size: replacedFirst.length });
    await storage.writeNumberedPart(session.id, 1, inPieces(parts[0]), { size: parts[0].length, md5: md5(parts[0]) });
    expect(await reason(storage.writeNumberedPart(session.id, 2, inPieces(parts[1]), { size: parts[1].length, md5: md5(Buffer.from('x')) }))).toBe('checksum-mismatch');
    await storage.writeNumberedPart(session.id, 2, inPieces(parts[1]), { size: parts[1].length });
    // Another bucket server over the same engine continues the session.
    const second = await S3Storage.open(url, options);
    try {
      await second.writeNumberedPart(session.id, 5, inPieces(parts[2]), { size: parts[2].length });
      await second.writeNumberedPart(session.id, 9, inPieces(parts[3]), { size: parts[3].length });
      const listed = await second.listParts(session.id);
      expect(listed.map((p) => [p.number, p.size, p.md5, p.sha256])).toEqual([
        [1, parts[0].length, md5(parts[0]), sha256(parts[0])],
        [2, parts[1].length, md5(parts[1]), sha256(parts[1])],
        [5, parts[2].length, md5(parts[2]), sha256(parts[2])],
        [9, parts[3].length, md5(parts[3]), sha256(parts[3])],
      ]);
      expect(await reason(second.completeUpload(session.id, { parts: [1, 3] }))).toBe('no-such-part');
      const chosen = [parts[0], parts[2], parts[3]];
      const file = Buffer.concat(chosen);
      const multipartEtag = `${createHash('md5').update(Buffer.concat(chosen.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-3`;
      const info = await second.completeUpload(session.id, { parts: [1, 5, 9] });
      expect(info).toMatchObject({ size: file.length, sha256: sha256(file), etag: multipartEtag, attrs: 'content-type=x' });
      expect(await storage.stat('uploads', 'numbered.bin')).toMatchObject({ size: file.length, sha256: sha256(file), etag: multipartEtag });
      expect(sha256(await readOpened(await storage.get('uploads', 'numbered.bin')))).toBe(sha256(file));
      expect(await reason(storage.listParts(session.id))).toBe('no-such-upload');
    } finally {
      await second.close();
    }
  });

  it('an offset session begun on one server is written and completed on another; create refuses a key taken meanwhile', async () => {
    const body = randomBytes(2 * MiB);
    const session = await storage.beginUpload('uploads', 'across.bin', { size: body.length });
    await storage.writePart(session.id, 0, inPieces(body.subarray(0, MiB)), { size: MiB });
    const second = await S3Storage.open(url, options);
    try {
      expect((await second.uploadStatus(session.id)).held).toBe(MiB);
      await second.writePart(session.id, MiB, inPieces(body.subarray(MiB)), { size: MiB });
      await storage.put('uploads', 'across.bin', inPieces(Buffer.from('first')), { size: 5 });
      expect(await reason(second.completeUpload(session.id, { create: true }))).toBe('exists');
      expect((await storage.stat('uploads', 'across.bin')).size).toBe(5);
      await storage.deleteFile('uploads', 'across.bin');
      expect(await second.completeUpload(session.id, { create: true })).toMatchObject({ sha256: sha256(body) });
    } finally {
      await second.close();
    }
  });

  it('a session untouched for the time to live is swept (by any server), one written to since is kept', async () => {
    const idle = await storage.beginUpload('uploads', 'idle.bin', { size: 10 });
    const later = Date.now() + options.uploadTtlMs + 1_000;
    const second = await S3Storage.open(url, options);
    try {
      expect(await second.sweepUploads(later - 2 * options.uploadTtlMs)).toBe(0);
      expect((await storage.uploadStatus(idle.id)).id).toBe(idle.id);
      expect(await second.sweepUploads(later)).toBeGreaterThanOrEqual(1);
      expect(await reason(storage.uploadStatus(idle.id))).toBe('no-such-upload');
      expect((await storage.listUploads('uploads')).map((u) => u.id)).not.toContain(idle.id);
    } finally {
      await second.close();
    }
  });

  it('deleting a bucket removes its upload sessions', async () => {
    await storage.createBucket('gone');
    const session = await storage.beginUpload('gone', 'x', { size: 10 });
    await storage.deleteBucket('gone', { force: true });
    expect(await reason(storage.uploadStatus(session.id))).toBe('no-such-upload');
  });
});
