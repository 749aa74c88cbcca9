import { Reason } from '../../shared/protocol/reasons.ts';
import { formatFailure, formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

/** Wrong tokens one connection may present; the last is answered and the connection closed. */
export const WRONG_TOKENS_PER_CONNECTION = 3;

/**
 * Checks a token. Wrong ones are counted per connection (closed at the third)
 * and per client address (PAIL_LOGIN_LIMIT a minute); an address over its
 * limit is refused, right token or wrong, until its minute ends, and the
 * connection closed, so the port is no faster an oracle than the gateway.
 */
export const auth: Handler<'auth'> = async (session, { token }) => {
  const { auth: authenticator, attempts } = session.context;
  if (!authenticator || !attempts) {
    session.send(formatStatus('AUTH', ['full'], 'this server requires no token'));
    return;
  }
  const address = session.peerAddress;
  const wait = attempts.blockedFor(address);
  if (wait > 0) {
    session.log.warn({ address }, 'token refused: too many wrong tokens from this address');
    session.closeWith(
      formatFailure('AUTHF', Reason.tooManyRequests, `too many wrong tokens from ${address}; try again in ${Math.ceil(wait / 1000)} s`),
    );
    return;
  }
  const access = authenticator.check(token);
  if (access === 'none') {
    attempts.fail(address);
    const wrong = session.countWrongToken();
    session.log.warn({ address, wrong }, 'bad token');
    if (wrong >= WRONG_TOKENS_PER_CONNECTION) {
      session.closeWith(formatFailure('AUTHF', Reason.tooManyRequests, `${wrong} wrong tokens on this connection; closing`));
      return;
    }
    session.send(formatFailure('AUTHF', Reason.badToken, 'the token is wrong'));
    return;
  }
  session.grant(access);
  session.send(formatStatus('AUTH', [access], access === 'read' ? 'read-only access' : 'full access'));
};
