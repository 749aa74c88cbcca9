/** The protocol client: Node-only (it opens sockets), built on the codec. */
export * from './connection.ts';
export * from './pool.ts';
export * from './errors.ts';
