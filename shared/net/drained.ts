import type { Socket } from 'node:net';
import { PeerGone } from './socket-reader.ts';

/**
 * Waits until a socket whose buffer a write filled has drained; at once when
 * it is not full. Rejects with PeerGone if the socket closes first (or has
 * closed already, when no 'close' would come to end the wait).
 */
export async function drained(socket: Socket): Promise<void> {
  if (socket.destroyed) throw new PeerGone();
  if (!socket.writableNeedDrain) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      socket.off('close', gone);
      resolve();
    };
    const gone = () => {
      socket.off('drain', done);
      reject(new PeerGone());
    };
    socket.once('drain', done);
    socket.once('close', gone);
  });
}

/**
 * Writes `bytes` and waits until the socket has handed them to the kernel, so
 * their buffer may be reused; rejects with PeerGone if the socket closes first.
 */
export function written(socket: Socket, bytes: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new PeerGone());
  return new Promise<void>((resolve, reject) => {
    const gone = () => reject(new PeerGone());
    socket.once('close', gone);
    socket.write(bytes, (err) => {
      socket.off('close', gone);
      if (err) reject(err);
      else resolve();
    });
  });
}
