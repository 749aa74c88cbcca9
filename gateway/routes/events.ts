import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';

/** A browser this far behind in reading events is disconnected rather than buffered for without end. */
const MAX_UNSENT_BYTES = 4 << 20;
/** WebSocket close code 1013, "try again later". */
const TRY_AGAIN_LATER = 1013;
/** WebSocket close code 1008, "policy violation": the login this socket was opened with has ended. */
const POLICY_VIOLATION = 1008;

/**
 * GET /api/events (WebSocket): every change the bucket server reports, as JSON
 * `{type:"event", event}` messages, and `{type:"status", bucketServer}` when
 * the bucket server goes away or comes back. The first message is always the
 * current status; every change made after it is delivered. The socket
 * closes when the login it was opened with ends.
 */
export async function eventsRoute(app: FastifyInstance): Promise<void> {
  app.get('/api/events', { websocket: true, config: { command: 'watch' } }, (socket: WebSocket, request) => {
    const unsubscribe = app.events.subscribe((message) => {
      if (socket.bufferedAmount > MAX_UNSENT_BYTES) {
        socket.close(TRY_AGAIN_LATER, 'too far behind; reconnect and reload');
        return;
      }
      socket.send(JSON.stringify(message));
    });
    const unwatch = app.whenLoginEnds(request, () => socket.close(POLICY_VIOLATION, 'the login has ended; log in again'));
    socket.on('close', () => {
      unsubscribe();
      unwatch();
    });
  });
}
