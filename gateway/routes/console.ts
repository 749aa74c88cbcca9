import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { Reason } from '../../shared/protocol/reasons.ts';
import { ConsoleSession } from '../console-session.ts';
import { refusal } from '../errors.ts';

/** WebSocket close code 1000. */
const NORMAL_CLOSURE = 1000;

/**
 * GET /api/console (WebSocket): a raw protocol session. Each message holds a
 * command line (several lines run one after another); the reply lines come
 * back as one `{type:"lines"}` message per command, a refusal as
 * `{type:"error"}`. Commands that carry a body are refused.
 */
export async function consoleRoute(app: FastifyInstance): Promise<void> {
  app.get('/api/console', { websocket: true, config: { command: 'help' } }, (socket: WebSocket) => {
    const session = new ConsoleSession(app.bucketServer, {
      send: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      },
      goodbye: () => socket.close(NORMAL_CLOSURE, 'the bucket server said goodbye'),
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        session.reject(refusal(undefined, Reason.badUtf8, 'send command lines as text messages'));
        return;
      }
      for (const line of data.toString().split(/\r?\n/)) if (line.trim() !== '') session.run(line);
    });
    socket.on('close', () => session.close());
    session.open();
  });
}
