/** The protocol version the greeting announces. */
export const PROTOCOL_VERSION = 'pail/1';
