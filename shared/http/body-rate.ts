import type { IncomingMessage } from 'node:http';

/** Where a dropped body is told of. */
export interface BodyRateLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * Drops the connection of a request whose body arrives slower than `minRate`
 * bytes a second over a window, however long the body: a body that keeps
 * flowing may take as long as it needs. Counts the socket's bytes, so the
 * body's stream is left as its reader reads it.
 */
export function watchBodyRate(message: IncomingMessage, minRate: number, windowMs: number, log: BodyRateLog): void {
  const socket = message.socket;
  // Fastify's inject() has no real socket to count.
  if (typeof socket?.bytesRead !== 'number') return;
  let last = socket.bytesRead;
  const least = (minRate * windowMs) / 1000;
  const timer = setInterval(() => {
    if (message.complete || socket.destroyed) return stop();
    const read = socket.bytesRead;
    if (read - last < least) {
      log.info({ bytes: read - last, windowMs }, 'request body too slow; dropping the connection');
      socket.destroy();
      return stop();
    }
    last = read;
  }, windowMs);
  timer.unref();
  // The socket may carry many requests (kept alive): each request's watch ends with the request, listener and all.
  function stop() {
    clearInterval(timer);
    socket.off('close', stop);
    message.off('close', stop);
  }
  socket.once('close', stop);
  message.once('close', stop);
}

/** Whether a request carries body bytes (or may: a chunked body). */
export function mayCarryBody(message: IncomingMessage): boolean {
  const length = message.headers['content-length'];
  return length === undefined ? message.headers['transfer-encoding'] !== undefined : Number(length) > 0;
}
