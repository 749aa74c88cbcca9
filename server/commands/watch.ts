import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatEvent } from '../../shared/protocol/rows.ts';
import type { PailEvent } from '../../shared/protocol/types.ts';
import type { Handler } from './handler.ts';

/** A watcher this far behind in reading its events is dropped rather than buffered without end. */
const MAX_UNREAD_EVENTS_BYTES = 1 << 20;

export const watch: Handler<'watch'> = async (session) => {
  const { storage } = session.context;
  const onChange = (event: PailEvent) => {
    if (session.unsentBytes > MAX_UNREAD_EVENTS_BYTES) {
      session.cut('watcher too slow; dropped');
      return;
    }
    session.send(formatEvent(event));
  };
  // Subscribed before the reply is sent: every change after 240 WATCH reaches this client.
  storage.on('change', onChange);
  session.onClosed(() => storage.off('change', onChange));
  session.startWatching();
  session.send(formatStatus('WATCH', [], 'events follow as 110 EVENT lines'));
};
