/** The protocol codec: pure functions and tables over strings and bytes. No sockets, no files. */
export * from './codes.ts';
export * from './reasons.ts';
export * from './names.ts';
export * from './tokens.ts';
export * from './commands.ts';
export * from './request.ts';
export * from './reply.ts';
export * from './rows.ts';
export * from './listing.ts';
export * from './frames.ts';
export * from './help.ts';
export * from './types.ts';
export * from './version.ts';
