import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const quit: Handler<'quit'> = async (session) => {
  session.closeWith(formatStatus('BYE', [], 'goodbye'));
};
