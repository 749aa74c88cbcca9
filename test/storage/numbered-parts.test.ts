import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { forEachBackend } from './backends.ts';
import { body, bytes, md5, MiB, readOpened, sha256 } from './bytes.ts';

/**
 * Upload sessions of numbered parts (S3's multipart upload): write, replace,
 * list, complete a subset with S3's multipart etag; on every backend. Parts
 * are of S3's 5 MiB minimum but the last, as the S3 listener sends them.
 */
const PART = 5 * MiB;

/** S3's etag of a multipart object: the MD5 of the parts' binary MD5s, a dash, their count. */
function multipartEtag(parts: readonly Buffer[]): string {
  const md5s = createHash('md5');
  for (const part of parts) md5s.update(Buffer.from(md5(part), 'hex'));
  return `${md5s.digest('hex')}-${parts.length}`;
}

forEachBackend((backend) => {
  it('writes, replaces and lists numbered parts, and completes the ones listed into a file with the multipart etag', async () => {
    const storage = await backend.open();
    await storage.createBucket('multi');
    const session = await storage.beginUpload('multi', 'big.bin', { numbered: true, attrs: 'content-type=video%2Fmp4' });
    expect(session).toMatchObject({ numbered: true, held: 0, key: 'big.bin' });
    const one = bytes(PART, 50);
    const two = bytes(PART, 51);
    const three = bytes(1234, 52);
    // In any order, with and without digests to check.
    expect(await storage.writeNumberedPart(session.id, 3, body(three), { size: three.length, md5: md5(three) })).toMatchObject({
      number: 3,
      size: 1234,
      md5: md5(three),
      sha256: sha256(three),
    });
    await storage.writeNumberedPart(session.id, 1, body(one), { size: PART, sha256: sha256(one) });
    await storage.writeNumberedPart(session.id, 2, body(bytes(PART, 53)), {});
    // Part 2 sent again with other bytes: the last one sent is the part.
    await storage.writeNumberedPart(session.id, 2, body(two), { size: PART });
    const parts = await storage.listParts(session.id);
    expect(parts.map((p) => ({ number: p.number, size: p.size, md5: p.md5, sha256: p.sha256 }))).toEqual([
      { number: 1, size: PART, md5: md5(one), sha256: sha256(one) },
      { number: 2, size: PART, md5: md5(two), sha256: sha256(two) },
      { number: 3, size: 1234, md5: md5(three), sha256: sha256(three) },
    ]);
    for (const p of parts) expect(Number.isNaN(Date.parse(p.modified))).toBe(false);
    expect((await storage.uploadStatus(session.id)).held).toBe(2 * PART + 1234);
    await expect(storage.stat('multi', 'big.bin')).rejects.toMatchObject({ reason: 'no-such-file' });

    // A subset: part 2 is left out, and discarded with the session.
    const data = Buffer.concat([one, three]);
    const info = await storage.completeUpload(session.id, { parts: [1, 3], sha256: sha256(data) });
    const expected = { size: data.length, sha256: sha256(data), etag: multipartEtag([one, three]), attrs: 'content-type=video%2Fmp4' };
    expect(info).toMatchObject(expected);
    expect(await storage.stat('multi', 'big.bin')).toMatchObject(expected);
    expect((await readOpened(await storage.get('multi', 'big.bin'))).equals(data)).toBe(true);
    await expect(storage.listParts(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
  });

  it('refuses a part whose MD5 or SHA-256 is not the one announced, and holds none of it', async () => {
    const storage = await backend.open();
    await storage.createBucket('multi');
    const session = await storage.beginUpload('multi', 'f', { numbered: true });
    const data = bytes(1000, 54);
    await expect(storage.writeNumberedPart(session.id, 1, body(data), { md5: md5(bytes(1000, 55)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    await expect(storage.writeNumberedPart(session.id, 1, body(data), { sha256: sha256(bytes(1000, 55)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    expect(await storage.listParts(session.id)).toEqual([]);
  });

  it('refuses a completion listing a part it does not hold (no-such-part) and one whose SHA-256 differs, keeping the parts', async () => {
    const storage = await backend.open();
    await storage.createBucket('multi');
    const session = await storage.beginUpload('multi', 'f', { numbered: true });
    const data = bytes(1000, 56);
    await storage.writeNumberedPart(session.id, 1, body(data), {});
    await expect(storage.completeUpload(session.id, { parts: [1, 2] })).rejects.toMatchObject({ reason: 'no-such-part' });
    await expect(storage.completeUpload(session.id, { parts: [1], sha256: sha256(bytes(1000, 57)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    await expect(storage.stat('multi', 'f')).rejects.toMatchObject({ reason: 'no-such-file' });
    expect((await storage.listParts(session.id)).map((p) => p.number)).toEqual([1]);
    expect(await storage.completeUpload(session.id, { parts: [1] })).toMatchObject({ size: 1000, sha256: sha256(data), etag: multipartEtag([data]) });
  });

  it('keeps the two kinds of session apart: offsets refuse numbered parts and parts=, numbered parts refuse offsets and a completion without parts=', async () => {
    const storage = await backend.open();
    await storage.createBucket('multi');
    const offsets = await storage.beginUpload('multi', 'a', { size: 10 });
    const numbered = await storage.beginUpload('multi', 'b', { numbered: true });
    await expect(storage.writeNumberedPart(offsets.id, 1, body(bytes(10)), {})).rejects.toMatchObject({ reason: 'not-now' });
    await expect(storage.writePart(numbered.id, 0, body(bytes(10)), {})).rejects.toMatchObject({ reason: 'not-now' });
    await expect(storage.completeUpload(offsets.id, { parts: [1] })).rejects.toMatchObject({ reason: 'bad-args' });
    await expect(storage.completeUpload(numbered.id, {})).rejects.toMatchObject({ reason: 'bad-args' });
  });

  it('aborts a session of numbered parts: it is gone with its parts', async () => {
    const storage = await backend.open();
    await storage.createBucket('multi');
    const session = await storage.beginUpload('multi', 'f', { numbered: true });
    await storage.writeNumberedPart(session.id, 1, body(bytes(1000)), {});
    await storage.abortUpload(session.id);
    await expect(storage.listParts(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
    await expect(storage.writeNumberedPart(session.id, 2, body(bytes(10)), {})).rejects.toMatchObject({ reason: 'no-such-upload' });
    expect(await storage.listUploads('multi')).toEqual([]);
  });
});
