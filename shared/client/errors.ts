import { Code } from '../protocol/codes.ts';
import { isReason, Reason } from '../protocol/reasons.ts';
import type { Status } from '../protocol/reply.ts';

/** A failure reply from the bucket server, with its code, mnemonic and reason word. */
export class PailError extends Error {
  constructor(
    readonly code: number,
    readonly mnemonic: string,
    readonly reason: Reason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PailError';
  }

  static from(status: Status): PailError {
    const reason = status.reason ?? (isReason(status.fields.reason ?? '') ? (status.fields.reason as Reason) : Reason.internal);
    const text = status.text || status.spec?.meaning || `unexpected reply ${status.code} ${status.mnemonic}`;
    return new PailError(status.code, status.mnemonic, reason, text);
  }

  toJSON() {
    return { code: this.code, mnemonic: this.mnemonic, reason: this.reason, message: this.message };
  }
}

/** The bucket server cannot be reached, or went away mid-exchange. */
export class UnreachableError extends PailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.BUSY, 'BUSY', Reason.unreachable, message, options);
    this.name = 'UnreachableError';
  }
}

/** A reply that is not the one the protocol prescribes here: not the command's success, nor a failure (another server's dialect, say). */
export function badReply(status: Status, expected: string): PailError {
  const got = `${status.code} ${status.mnemonic}${status.text ? ` ${status.text}` : ''}`;
  return new PailError(status.code, status.mnemonic, Reason.badReply, `the server answered "${got}" where ${expected} means success`);
}
