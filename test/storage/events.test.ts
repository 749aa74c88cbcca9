import { expect, it } from 'vitest';
import type { PailEvent } from '../../shared/protocol/types.ts';
import { forEachBackend } from './backends.ts';
import { body, bytes, sha256 } from './bytes.ts';

/** A `change` event for each write and delete the storage makes, none for a refused one; on every backend. */
forEachBackend((backend) => {
  it('emits a change for each bucket made and deleted, file stored (put, overwrite, completed session) and file deleted, in order', async () => {
    const storage = await backend.open();
    const events: PailEvent[] = [];
    storage.on('change', (event) => events.push(event));
    await storage.createBucket('events');
    const first = await storage.put('events', 'f', body(bytes(100, 1)), {});
    const second = await storage.put('events', 'f', body(bytes(200, 2)), { overwrite: true });
    // Refusals change nothing and say nothing.
    await expect(storage.put('events', 'f', body(bytes(10)), {})).rejects.toMatchObject({ reason: 'exists' });
    await expect(storage.put('events', 'g', body(bytes(10)), { sha256: sha256(bytes(11)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
    const session = await storage.beginUpload('events', 'h', { size: 50 });
    await storage.writePart(session.id, 0, body(bytes(50, 3)), { size: 50 });
    const completed = await storage.completeUpload(session.id, {});
    await storage.deleteFile('events', 'f');
    await storage.deleteBucket('events', { force: true });
    expect(events).toEqual([
      { kind: 'bucket-created', bucket: 'events' },
      { kind: 'file-uploaded', bucket: 'events', file: first },
      { kind: 'file-uploaded', bucket: 'events', file: second },
      { kind: 'file-uploaded', bucket: 'events', file: completed },
      { kind: 'file-deleted', bucket: 'events', name: 'f' },
      { kind: 'bucket-deleted', bucket: 'events' },
    ]);
    expect(second).toMatchObject({ size: 200, sha256: sha256(bytes(200, 2)) });
  });
});
