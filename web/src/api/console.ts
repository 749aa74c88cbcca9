import type { ConsoleMessage } from '../../../shared/api/types.ts';
import { ReconnectingSocket } from './socket.ts';

/**
 * /api/console: each message sent is one command line; each message received
 * is a ConsoleMessage (shared/api/types.ts): one reply's lines as the bucket
 * server sent them, or a refusal the gateway made itself.
 */
export function openConsole(handlers: { onOpen: () => void; onClose: () => void; onLines: (lines: readonly string[]) => void }): ReconnectingSocket {
  return new ReconnectingSocket('/api/console', {
    onOpen: handlers.onOpen,
    onClose: handlers.onClose,
    onMessage: (data) => handlers.onLines(linesOf(data)),
  });
}

/** The lines a console message shows: a refusal reads like the status line the bucket server would have sent. */
export function linesOf(data: string): readonly string[] {
  let message: ConsoleMessage;
  try {
    message = JSON.parse(data) as ConsoleMessage;
  } catch {
    return [data];
  }
  if (message.type === 'lines') return message.lines;
  const { code, mnemonic, reason, message: text } = message.error;
  return [`${code} ${mnemonic} ${reason} ${text}`];
}
