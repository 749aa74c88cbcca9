import { openEvents } from '../api/events.ts';
import { auth } from './auth.svelte.ts';
import { buckets } from './buckets.svelte.ts';
import { connection } from './connection.svelte.ts';
import { files } from './files.svelte.ts';

/**
 * Opens /api/events and routes what it says: changes to the stores, the
 * bucket server's reachability to the connection indicator. After every
 * (re)connection everything is listed again, since changes may have been missed.
 */
export function startLive(): () => void {
  let everOpen = false;
  const socket = openEvents({
    onOpen: () => {
      connection.gatewayUp();
      if (everOpen) {
        void buckets.refresh();
        void files.refresh();
      }
      everOpen = true;
    },
    onClose: () => {
      connection.gatewayDown();
      // The gateway closes the sockets of a login that ends; the page then asks for a login again.
      void auth.confirm();
    },
    onMessage: (message) => {
      if (message.type === 'server') {
        const wasDown = connection.server === 'down';
        connection.serverState(message.up, message.message);
        if (message.up && wasDown) {
          void buckets.refresh();
          void files.refresh();
        }
        return;
      }
      connection.serverState(true);
      files.apply(message.event);
      buckets.refreshSoon();
    },
  });
  return () => socket.close();
}
