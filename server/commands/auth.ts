import { Reason } from '../../shared/protocol/reasons.ts';
import { formatFailure, formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const auth: Handler = async (session, { token }) => {
  const authenticator = session.context.auth;
  if (!authenticator) {
    session.send(formatStatus('AUTH', ['full'], 'this server requires no token'));
    return;
  }
  const access = authenticator.check(token!);
  if (access === 'none') {
    session.log.warn('bad token');
    session.send(formatFailure('AUTHF', Reason.badToken, 'the token is wrong'));
    return;
  }
  session.access = access;
  session.send(formatStatus('AUTH', [access], access === 'read' ? 'read-only access' : 'full access'));
};
