import { PailError, UnreachableError } from '../shared/client/errors.ts';
import { Code } from '../shared/protocol/codes.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { ConfigError } from '../shared/config/settings.ts';
import { Exit, type ExitStatus } from './exit.ts';

/** The command line was wrong; told the way the server tells a malformed line. */
export class UsageError extends PailError {
  constructor(message: string, reason: Reason = Reason.badArgs) {
    super(Code.BCMD, reason, message);
    this.name = 'UsageError';
  }
}

/** A local file or folder could not be read or written. */
export class LocalFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalFileError';
  }
}

/** The client itself refused to go on (a listing out of key order, which a mirror cannot trust). */
export class ClientRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientRefusal';
  }
}

/** The person pressed Ctrl-C while a command ran. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** What a failure looks like to a script: the reply's code, mnemonic and reason when there was a reply. */
export interface FailureReport {
  readonly code?: number;
  readonly mnemonic?: string;
  readonly reason?: string;
  readonly message: string;
}

/**
 * A failure that is one file's outcome (a refusal, a local file that cannot be
 * used), as reported; undefined for one that stops the whole command (the
 * server unreachable, anything unforeseen).
 */
export function fileFailure(err: unknown): FailureReport | undefined {
  if (err instanceof UnreachableError) return undefined;
  if (err instanceof PailError) return err.toJSON();
  if (err instanceof LocalFileError) return { message: err.message };
  return undefined;
}

export function describeFailure(err: unknown): { exit: ExitStatus; report: FailureReport } {
  if (err instanceof UnreachableError) return { exit: Exit.unreachable, report: err.toJSON() };
  if (err instanceof UsageError) return { exit: Exit.usage, report: err.toJSON() };
  if (err instanceof PailError) return { exit: Exit.refused, report: err.toJSON() };
  if (err instanceof ConfigError) return { exit: Exit.usage, report: { message: err.message } };
  if (err instanceof LocalFileError || err instanceof ClientRefusal) return { exit: Exit.refused, report: { message: err.message } };
  if (err instanceof InterruptedError) return { exit: Exit.interrupted, report: { message: err.message } };
  throw err;
}

/** `350 BCF exists: a bucket named "x" already exists` */
export function failureLine(report: FailureReport): string {
  if (report.code === undefined) return report.message;
  return `${report.code} ${report.mnemonic} ${report.reason}: ${report.message}`;
}
