import { codeRows } from '../../shared/protocol/help.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const codeR: Handler<'code_r'> = async (session) => {
  const rows = codeRows();
  return session.sendRows(formatStatus('CODES', [rows.length], 'reply codes, then reason words'), rows);
};
