import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { Reason } from '../../shared/protocol/reasons.ts';
import { ConsoleSession } from '../console-session.ts';
import { refusal } from '../errors.ts';
import { MessageRate } from '../limits.ts';

/** WebSocket close code 1000. */
const NORMAL_CLOSURE = 1000;
/** WebSocket close code 1008, "policy violation". */
const POLICY_VIOLATION = 1008;

export interface ConsoleLimits {
  /** Command lines one console may send per second; beyond twice that it is closed. */
  readonly linesPerSecond: number;
}

/**
 * GET /api/console (WebSocket): a raw protocol session. Each message holds a
 * command line (several lines run one after another); the reply lines come
 * back as one `{type:"lines"}` message per command, a refusal as
 * `{type:"error"}`. Commands that carry a body are refused, and so are lines
 * beyond the console's rate. The session presents the token of the
 * browser's login and is held to its rights by the gateway too (see
 * ConsoleSession), so a read-only login's console can only read.
 */
export async function consoleRoute(app: FastifyInstance, limits: ConsoleLimits): Promise<void> {
  app.get('/api/console', { websocket: true, config: { command: 'help' } }, (socket: WebSocket, request) => {
    const rate = new MessageRate(limits.linesPerSecond);
    const session = new ConsoleSession(app.bucketServerFor(request.access), request.access ?? 'full', {
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
      const lines = textOf(data)
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '');
      const verdict = rate.take(lines.length);
      for (const line of lines.slice(0, verdict.run)) session.run(line);
      if (verdict.run < lines.length) {
        const limit = `at most ${limits.linesPerSecond} command lines a second`;
        session.reject(refusal(undefined, Reason.tooManyRequests, `${lines.length - verdict.run} line(s) not run: ${limit}; wait a moment`));
        if (verdict.close) socket.close(POLICY_VIOLATION, `far more than ${limit}`);
      }
    });
    const unwatch = app.whenLoginEnds(request, () => socket.close(POLICY_VIOLATION, 'the login has ended; log in again'));
    socket.on('close', () => {
      unwatch();
      session.close();
    });
    session.open();
  });
}

/** A text message's UTF-8, whichever form ws delivered it in (one buffer, fragments, or an ArrayBuffer). */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
