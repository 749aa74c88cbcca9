import { Socket } from 'node:net';
import { SlabReads } from '../../shared/client/slab-reads.ts';

/** The private fields of an accepted socket that moving its handle touches (Node 20). */
interface SocketInternals {
  _handle: object | null;
  _server: unknown;
}

/**
 * An accepted connection (from a server made with `pauseOnConnect`) that reads
 * into consecutive slices of 1 MiB slabs instead of a fresh 64 KiB buffer per
 * read: fewer allocations for the collector, and a read takes whatever is
 * waiting, up to the rest of the slab, in one call. Chunks still arrive as
 * 'data' events; pause, resume, writes and timeouts are the socket's own.
 *
 * Node 20 gives `onread` only to sockets it creates (clients), so the handle
 * is moved from the accepted socket to a new one made with `onread`: a
 * private-field step, kept in this one place. Where the handle is not there
 * (another runtime or version), the accepted socket is used as it is.
 */
export function readingIntoSlabs(accepted: Socket): Socket {
  const internals = accepted as unknown as SocketInternals;
  const handle = internals._handle;
  if (!handle) {
    accepted.resume();
    return accepted;
  }
  const slabs = new SlabReads();
  const socket: Socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: () => slabs.next(),
      callback: (n: number, buffer: Uint8Array) => {
        socket.emit('data', slabs.took(n, buffer));
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  internals._handle = null;
  // The server counts its connections through this field (for close()): the new socket is the one that will end.
  (socket as unknown as SocketInternals)._server = internals._server;
  internals._server = null;
  return socket;
}
