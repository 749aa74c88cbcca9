import type { Logger } from 'pino';
import { PailConnection } from '../shared/client/connection.ts';
import { Code } from '../shared/protocol/codes.ts';
import { formatRequest } from '../shared/protocol/request.ts';
import { parseStatus } from '../shared/protocol/reply.ts';

/**
 * Whether the bucket server asks its clients for a token: a connection that
 * presents none asks for the bucket list, which only an open server answers.
 * Undefined when the bucket server cannot be reached.
 */
export async function bucketServerRequiresToken(address: { host: string; port: number }): Promise<boolean | undefined> {
  let connection: PailConnection;
  try {
    connection = await PailConnection.connect({ ...address, connectTimeoutMs: 2_000 });
  } catch {
    return undefined;
  }
  try {
    const [status] = await connection.raw(formatRequest('ls_b', []));
    return parseStatus(status).code === Code.NOAUTH;
  } catch {
    return undefined;
  } finally {
    await connection.quit();
  }
}

/**
 * Says at start-up what the bucket server asks of its clients. A gateway with
 * logins in front of a bucket server that requires no token holds its logins
 * to their rights itself, but anyone who reaches the TCP port has full access:
 * the operator should know.
 */
export async function reportBucketServerAccess(address: { host: string; port: number }, gatewayHasLogins: boolean, log: Logger): Promise<void> {
  const where = `${address.host}:${address.port}`;
  const requires = await bucketServerRequiresToken(address);
  if (requires === undefined) log.info({ bucketServer: where }, 'the bucket server is not reachable yet; the gateway will connect when it is');
  else if (requires) log.info({ bucketServer: where }, 'the bucket server requires a token');
  else if (gatewayHasLogins) {
    log.warn(
      { bucketServer: where },
      'the bucket server requires no token: the gateway holds each login to its rights, but anyone who can reach its TCP port may read and change everything; give it PAIL_TOKEN, or keep its port on loopback',
    );
  } else log.info({ bucketServer: where }, 'the bucket server requires no token');
}
