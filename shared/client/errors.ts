import { Code, codeSpec } from '../protocol/codes.ts';
import { isReason, Reason } from '../protocol/reasons.ts';
import type { Status } from '../protocol/reply.ts';

export interface PailErrorOptions {
  readonly cause?: unknown;
  /**
   * The mnemonic that came back with a code the code table lacks (another
   * server's dialect); a code in the table always takes the table's.
   */
  readonly mnemonic?: string;
}

/** A failure reply from the bucket server, with its code, mnemonic and reason word. */
export class PailError extends Error {
  /** The code's mnemonic, from the code table. */
  readonly mnemonic: string;

  constructor(
    readonly code: number,
    readonly reason: Reason,
    message: string,
    options: PailErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PailError';
    this.mnemonic = codeSpec(code)?.mnemonic ?? options.mnemonic ?? '?';
  }

  static from(status: Status): PailError {
    const reason = status.reason ?? (isReason(status.fields.reason ?? '') ? (status.fields.reason) : Reason.internal);
    const text = status.text || status.spec?.meaning || `unexpected reply ${status.code} ${status.mnemonic}`;
    return new PailError(status.code, reason, text, { mnemonic: status.mnemonic });
  }

  toJSON() {
    return { code: this.code, mnemonic: this.mnemonic, reason: this.reason, message: this.message };
  }
}

/** The bucket server cannot be reached, or went away mid-exchange. */
export class UnreachableError extends PailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.BUSY, Reason.unreachable, message, options);
    this.name = 'UnreachableError';
  }
}

/** A reply that is not the one the protocol prescribes here: not the command's success, nor a failure (another server's dialect, say). */
export function badReply(status: Status, expected: string): PailError {
  const got = `${status.code} ${status.mnemonic}${status.text ? ` ${status.text}` : ''}`;
  return new PailError(status.code, Reason.badReply, `the server answered "${got}" where ${expected} means success`, { mnemonic: status.mnemonic });
}

/** What was thrown, as an Error (promises are rejected with Errors only). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'failed without an Error');
}
