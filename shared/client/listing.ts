import { asError } from './errors.ts';
import { announced } from '../protocol/reply.ts';
import { parseFileRow } from '../protocol/rows.ts';
import type { FileInfo } from '../protocol/types.ts';
import type { Channel } from './channel.ts';
import type { FileStream } from './types.ts';

/**
 * Lists a bucket's files as their rows arrive, for listings too long to
 * gather first. Resolves once the server has answered (a refusal rejects
 * here, before any row); `files` then yields one file per row. The
 * connection is busy until every row is read; `cancel` (or an iteration
 * ended early) closes it, since the rest is still on the wire.
 */
export function streamFiles(channel: Channel, bucket: string): Promise<FileStream> {
  return new Promise<FileStream>((resolveList, rejectList) => {
    void channel.exclusive(async () => {
      const status = await channel.simple('ls_f', [bucket]).catch((err) => {
        rejectList(asError(err));
        throw err;
      });
      const count = announced(status);
      let read = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const cancel = () => {
        if (read < count) channel.destroy();
        done();
      };
      const line = () => channel.line();
      async function* files(): AsyncGenerator<FileInfo> {
        try {
          for (; read < count; read++) yield parseFileRow(await line());
        } finally {
          cancel();
        }
      }
      resolveList({ count, files: files(), cancel });
      await finished;
    }).catch(rejectList); // once resolved, this is a no-op
  });
}
