import { expect, it } from 'vitest';
import { forEachBackend } from './backends.ts';
import { body, bytes, MiB, readOpened, sha256 } from './bytes.ts';

/**
 * Upload sessions of offsets: parts in any order, what is held, completion
 * checked against the SHA-256, abort, the sessions of a bucket; on every
 * backend. Parts of 3 MiB make a 9 MiB file, so a backend assembling it in
 * parts of S3's 5 MiB minimum crosses the parts' edges.
 */
const PART = 3 * MiB;

forEachBackend((backend) => {
  it('takes parts in any order, tells what it holds after each, and completes into the whole file', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const data = bytes(3 * PART, 30);
    const session = await storage.beginUpload('uploads', 'big.bin', { size: data.length, attrs: 'content-type=application%2Foctet-stream' });
    expect(session).toMatchObject({ bucket: 'uploads', key: 'big.bin', size: data.length, numbered: false, held: 0, ranges: [], overwrite: false });
    const part = (i: number) => data.subarray(i * PART, (i + 1) * PART);

    expect(await storage.writePart(session.id, 2 * PART, body(part(2)), { size: PART })).toEqual({ offset: 2 * PART, size: PART, sha256: sha256(part(2)) });
    expect(await storage.uploadStatus(session.id)).toMatchObject({ held: 0, ranges: [{ offset: 2 * PART, length: PART }] });
    await storage.writePart(session.id, 0, body(part(0)), { size: PART, sha256: sha256(part(0)) });
    expect(await storage.uploadStatus(session.id)).toMatchObject({ held: PART, ranges: [{ offset: 0, length: PART }, { offset: 2 * PART, length: PART }] });
    // Nothing is visible at the key while the session holds parts.
    await expect(storage.stat('uploads', 'big.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    await expect(storage.completeUpload(session.id, {})).rejects.toMatchObject({ reason: 'incomplete' });
    await storage.writePart(session.id, PART, body(part(1)), {});
    expect(await storage.uploadStatus(session.id)).toMatchObject({ held: 3 * PART, ranges: [{ offset: 0, length: 3 * PART }] });

    const info = await storage.completeUpload(session.id, { sha256: sha256(data) });
    expect(info).toMatchObject({ bucket: 'uploads', name: 'big.bin', size: data.length, sha256: sha256(data), attrs: 'content-type=application%2Foctet-stream' });
    expect(await storage.stat('uploads', 'big.bin')).toMatchObject({ size: data.length, sha256: sha256(data) });
    expect((await readOpened(await storage.get('uploads', 'big.bin'))).equals(data)).toBe(true);
    // A completed session is gone.
    await expect(storage.uploadStatus(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
    expect(await storage.listUploads('uploads')).toEqual([]);
  });

  it('takes a part sent again with the same bytes, and refuses one that would change bytes held (part-conflict)', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const data = bytes(2000, 31);
    const session = await storage.beginUpload('uploads', 'f.bin', { size: 2000 });
    await storage.writePart(session.id, 0, body(data.subarray(0, 1000)), { size: 1000 });
    // A retry of a part whose answer was lost: the same bytes again.
    await storage.writePart(session.id, 0, body(data.subarray(0, 1000)), { size: 1000 });
    await expect(storage.writePart(session.id, 500, body(bytes(1000, 32)), { size: 1000 })).rejects.toMatchObject({ reason: 'part-conflict' });
    await storage.writePart(session.id, 1000, body(data.subarray(1000)), { size: 1000 });
    expect(await storage.completeUpload(session.id, {})).toMatchObject({ size: 2000, sha256: sha256(data) });
  });

  it('refuses a part whose SHA-256 is not the one announced, and holds none of it', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const session = await storage.beginUpload('uploads', 'f.bin', { size: 2000 });
    await expect(storage.writePart(session.id, 0, body(bytes(1000, 33)), { size: 1000, sha256: sha256(bytes(1000, 34)) })).rejects.toMatchObject({
      reason: 'checksum-mismatch',
    });
    expect(await storage.uploadStatus(session.id)).toMatchObject({ held: 0, ranges: [] });
  });

  it('refuses a part past the size begun with (bad-range)', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const session = await storage.beginUpload('uploads', 'f.bin', { size: 1000 });
    await expect(storage.checkPart(session.id, 900, 200)).rejects.toMatchObject({ reason: 'bad-range' });
    await expect(storage.writePart(session.id, 900, body(bytes(200)), { size: 200 })).rejects.toMatchObject({ reason: 'bad-range' });
  });

  it('refuses a completion whose SHA-256 differs, keeping the session and showing nothing at the key', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const data = bytes(6 * MiB, 35);
    // The SHA-256 given at the beginning is checked at completion.
    const session = await storage.beginUpload('uploads', 'f.bin', { size: data.length, sha256: sha256(bytes(6 * MiB, 36)) });
    await storage.writePart(session.id, 0, body(data), { size: data.length });
    await expect(storage.completeUpload(session.id, {})).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    await expect(storage.stat('uploads', 'f.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    expect(await storage.uploadStatus(session.id)).toMatchObject({ held: data.length });

    const other = await storage.beginUpload('uploads', 'g.bin', { size: data.length });
    await storage.writePart(other.id, 0, body(data), { size: data.length });
    await expect(storage.completeUpload(other.id, { sha256: sha256(bytes(10, 37)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    await expect(storage.stat('uploads', 'g.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    // The session is as it was: completed with the right digest, it stores the file.
    expect(await storage.completeUpload(other.id, { sha256: sha256(data) })).toMatchObject({ size: data.length, sha256: sha256(data) });
  });

  it('aborts a session: it is gone, and nothing appears at its key', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const session = await storage.beginUpload('uploads', 'f.bin', { size: 1000 });
    await storage.writePart(session.id, 0, body(bytes(1000)), { size: 1000 });
    await storage.abortUpload(session.id);
    await expect(storage.uploadStatus(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
    await expect(storage.completeUpload(session.id, {})).rejects.toMatchObject({ reason: 'no-such-upload' });
    await expect(storage.writePart(session.id, 0, body(bytes(10)), { size: 10 })).rejects.toMatchObject({ reason: 'no-such-upload' });
    await expect(storage.abortUpload(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
    await expect(storage.stat('uploads', 'f.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    expect(await storage.listUploads('uploads')).toEqual([]);
  });

  it("lists a bucket's sessions, oldest first, and no other bucket's", async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    await storage.createBucket('other');
    const first = await storage.beginUpload('uploads', 'a.bin', { size: 10 });
    const second = await storage.beginUpload('uploads', 'b.bin', {});
    await storage.beginUpload('other', 'c.bin', { size: 10 });
    const listed = await storage.listUploads('uploads');
    expect(listed.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed.map((s) => s.created)).toEqual([...listed.map((s) => s.created)].sort());
    expect(listed.find((s) => s.id === first.id)).toMatchObject({ key: 'a.bin', size: 10 });
    await expect(storage.listUploads('nowhere')).rejects.toMatchObject({ reason: 'no-such-bucket' });
  });

  it('completes a session begun without a size: the file is the bytes held from 0', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    const data = bytes(2500, 38);
    const session = await storage.beginUpload('uploads', 'open-ended.bin', {});
    await storage.writePart(session.id, 0, body(data.subarray(0, 1000)), {});
    await storage.writePart(session.id, 1000, body(data.subarray(1000)), {});
    expect(await storage.completeUpload(session.id, {})).toMatchObject({ size: 2500, sha256: sha256(data) });
  });

  it('refuses to begin a session for a key that exists without overwrite, and a completion with create once the key was taken meanwhile', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    await storage.put('uploads', 'taken', body(Buffer.from('old')), {});
    await expect(storage.beginUpload('uploads', 'taken', { size: 3 })).rejects.toMatchObject({ reason: 'exists' });

    const session = await storage.beginUpload('uploads', 'later', { size: 3 });
    await storage.writePart(session.id, 0, body(Buffer.from('new')), { size: 3 });
    await storage.put('uploads', 'later', body(Buffer.from('won')), {});
    await expect(storage.completeUpload(session.id, { create: true })).rejects.toMatchObject({ reason: 'exists' });
    expect((await readOpened(await storage.get('uploads', 'later'))).toString()).toBe('won');
  });

  it('completes with exactly one winner: of 4 sessions of one key completing with create at once, one stores its file', async () => {
    const storage = await backend.open();
    await storage.createBucket('race');
    const bodies = Array.from({ length: 4 }, (_, i) => bytes(6 * MiB, 40 + i));
    const sessions = await Promise.all(bodies.map(() => storage.beginUpload('race', 'one.bin', { size: 6 * MiB })));
    await Promise.all(sessions.map((s, i) => storage.writePart(s.id, 0, body(bodies[i]), { size: 6 * MiB })));
    const results = await Promise.allSettled(sessions.map((s) => storage.completeUpload(s.id, { create: true })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'exists' });
    expect((await storage.stat('race', 'one.bin')).sha256).toBe(sha256(bodies[won[0]]));
  });

  it('replaces a file when the session was begun with overwrite', async () => {
    const storage = await backend.open();
    await storage.createBucket('uploads');
    await storage.put('uploads', 'f', body(Buffer.from('old')), {});
    const session = await storage.beginUpload('uploads', 'f', { size: 3, overwrite: true });
    await storage.writePart(session.id, 0, body(Buffer.from('new')), { size: 3 });
    await storage.completeUpload(session.id, {});
    expect((await readOpened(await storage.get('uploads', 'f'))).toString()).toBe('new');
  });

  it('removes a session untouched for longer than its time to live', async () => {
    const storage = await backend.open({ uploadTtlMs: 1 });
    await storage.createBucket('uploads');
    const session = await storage.beginUpload('uploads', 'f', { size: 3 });
    // A sweep runs at least every second; this waits for the answer it makes, bounded, not for a time.
    const deadline = Date.now() + 20_000;
    let gone = false;
    while (!gone && Date.now() < deadline) {
      gone = await storage.uploadStatus(session.id).then(
        () => false,
        (err: { reason?: string }) => err.reason === 'no-such-upload',
      );
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(gone).toBe(true);
  });
});
