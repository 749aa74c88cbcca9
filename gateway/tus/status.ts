import type { PailError } from '../../shared/client/errors.ts';
import type { CommandName } from '../../shared/protocol/commands.ts';
import { httpStatusFor, Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';

/** tus's status for a checksum that does not match (the checksum extension). */
export const CHECKSUM_MISMATCH = 460;

const explicit = new WeakMap<PailError, number>();

/** A refusal with a status tus prescribes that no reason word maps to (412 for a missing Tus-Resumable). */
export function tusRefusal(command: CommandName | undefined, reason: Reason, message: string, status: number): PailError {
  const err = refusal(command, reason, message);
  explicit.set(err, status);
  return err;
}

/**
 * The status of a failure on a tus route: the reason table's, except where
 * tus says otherwise: a checksum mismatch is 460, and bytes past the
 * upload's length are 413 (the bucket server calls a sized part past it a
 * bad range, and a chunked one a bad size: the gateway sends no other sizes).
 */
export function tusStatus(err: PailError): number {
  const status = explicit.get(err);
  if (status !== undefined) return status;
  if (err.reason === Reason.checksumMismatch) return CHECKSUM_MISMATCH;
  if (err.reason === Reason.badRange || err.reason === Reason.badSize) return 413;
  return httpStatusFor(err.reason);
}
