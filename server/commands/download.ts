import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const download: Handler = async (session, { bucket, name, offset, length }) => {
  const range = offset === undefined ? undefined : { offset, length };
  const file = await session.context.storage.get(bucket!, name!, range);
  try {
    const { info } = file;
    session.send(formatStatus('FDFBS', [file.length, info.sha256, file.offset, info.size, info.modified]));
    for await (const chunk of file.body) await session.write(chunk);
  } catch (err) {
    // The status line promised bytes that can no longer come: only a cut connection says so honestly.
    session.log.error({ err }, 'download cut short');
    session.socket.destroy();
    session.close();
  } finally {
    await file.close();
  }
};
