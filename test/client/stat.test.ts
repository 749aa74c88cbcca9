import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('stat and version-bound downloads', () => {
  it("stat gives a file's size, SHA-256 and time; a download bound to a SHA-256 is refused after an overwrite, the connection still in step", async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await client.createBucket('stat');
    const stored = await client.upload('stat', 'a.txt', Buffer.from('first version'));
    const info = await client.stat('stat', 'a.txt');
    expect(info).toEqual({ bucket: 'stat', name: 'a.txt', size: 13, sha256: stored.sha256, modified: stored.modified });

    const same = await client.download('stat', 'a.txt', { offset: 6, sha256: info.sha256 });
    expect(Buffer.concat(await same.body.toArray()).toString()).toBe('version');

    await client.upload('stat', 'a.txt', Buffer.from('second version'), { overwrite: true });
    const refused = await client.download('stat', 'a.txt', { offset: 6, sha256: info.sha256 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PailError);
    expect(refused).toMatchObject({ code: Code.FDFBF, mnemonic: 'FDFBF', reason: Reason.changed });
    await expect(client.stat('stat', 'missing')).rejects.toMatchObject({ code: Code.FSF, reason: Reason.noSuchFile });
    expect(client.usable).toBe(true);
    expect((await client.stat('stat', 'a.txt')).size).toBe(14);
    await client.quit();
  });
});

describe('PailError', () => {
  it("takes its mnemonic from the code table, and keeps the one that came back for a code the table lacks", () => {
    expect(new PailError(Code.FDF, Reason.noSuchFile, 'gone').mnemonic).toBe('FDF');
    expect(PailError.from(parseStatus('1050 FDF no-such-file gone')).mnemonic).toBe('FDF');
    const foreign = PailError.from(parseStatus('401 UNAUTHORIZED bad-token who are you'));
    expect([foreign.code, foreign.mnemonic]).toEqual([401, 'UNAUTHORIZED']);
  });
});
