/** The protocol version the greeting announces. */
export const PROTOCOL_VERSION = 'pail/1';

/** The bucket server's TCP port unless it is told otherwise. */
export const DEFAULT_TCP_PORT = 7070;
