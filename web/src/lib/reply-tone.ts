import { parseStatus } from '../../../shared/protocol/reply.ts';

export type ReplyTone = 'good' | 'bad' | 'plain';

/**
 * Whether a status line says success or failure, from the code table's
 * failure flag (never from the number's shape); `plain` for a line that is
 * no status line of a known code.
 */
export function replyTone(line: string): ReplyTone {
  try {
    const { spec, mnemonic } = parseStatus(line);
    if (!spec || spec.mnemonic !== mnemonic) return 'plain';
    return spec.failure ? 'bad' : 'good';
  } catch {
    return 'plain';
  }
}
