import { ReconnectingSocket } from './socket.ts';
import type { ErrorBody } from './http.ts';

/**
 * /api/console: each message sent is one command line. The gateway answers
 * `{type:"lines", lines}` with the reply lines as the bucket server sent them
 * (the greeting first), or `{type:"error", error}` for what it refuses itself.
 */
type ConsoleMessage = { type: 'lines'; lines: string[] } | { type: 'error'; error: ErrorBody };

export function openConsole(handlers: { onOpen(): void; onClose(): void; onLines(lines: string[]): void }): ReconnectingSocket {
  return new ReconnectingSocket('/api/console', {
    onOpen: handlers.onOpen,
    onClose: handlers.onClose,
    onMessage: (data) => handlers.onLines(linesOf(data)),
  });
}

/** The lines a console message shows; anything not understood is shown as it came. */
export function linesOf(data: string): string[] {
  let message: Partial<ConsoleMessage> | null = null;
  try {
    message = JSON.parse(data) as Partial<ConsoleMessage>;
  } catch {
    return data.split(/\r?\n/);
  }
  if (message?.type === 'lines' && Array.isArray(message.lines)) return message.lines.map(String);
  if (message?.type === 'error' && message.error) {
    const { code, mnemonic, reason, message: text } = message.error;
    return [[code || '', mnemonic, reason, text].filter(Boolean).join(' ')];
  }
  return [data];
}
