import type { Logger } from 'pino';

/** What storage needs of a logger: what it tidied, what it carried on without, and what it cannot explain. */
export type StorageLog = Pick<Logger, 'info' | 'warn' | 'error'>;

/** For storage opened without a logger (tools, some tests): says nothing. */
export const SILENT_LOG: StorageLog = { info: () => {}, warn: () => {}, error: () => {} };

/** The errno code of a file system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
