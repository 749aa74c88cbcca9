import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { bucketServerAddress, isLoopback, StartupError, type Settings } from '../shared/config/settings.ts';
import { createS3Listener } from './app.ts';
import { DEFAULT_S3_KEY, parseS3Keys } from '../shared/sigv4/keys.ts';
import { payloadBytes } from './auth/payload.ts';
import { verifyRequest } from './auth/verify.ts';
import type { S3Auth, S3Key } from './request-auth.ts';

/** How the listener checks signatures and reads its keys (s3/auth/). */
export interface S3Wiring {
  readonly auth: S3Auth;
  readonly parseKeys: (text: string) => S3Key[];
  /** The pair that works when PAIL_S3_KEYS is unset (on loopback only). */
  readonly defaultKey?: S3Key;
}

/** AWS Signature Version 4 (s3/auth/), the keys of PAIL_S3_KEYS, and pail:pailsecret when it is unset. */
const SIGV4: S3Wiring = {
  auth: { verify: verifyRequest, payload: (body, verified, headers) => payloadBytes(body, verified, headers) },
  parseKeys: parseS3Keys,
  defaultKey: DEFAULT_S3_KEY,
};

/**
 * Starts the S3 listener as the settings say: on host:s3Port, in front of
 * the bucket server's address. Like the gateway without a token, it refuses
 * to listen beyond loopback unless PAIL_S3_KEYS was set on purpose: the
 * default pair is public knowledge.
 */
export async function startS3(settings: Settings, log: Logger, wiring: S3Wiring = SIGV4): Promise<{ address: AddressInfo; close(): Promise<void> }> {
  if (!isLoopback(settings.host) && !settings.s3Keys) {
    throw new StartupError(
      `refusing to serve the S3 listener on ${settings.host} without key pairs set on purpose: the default pair is written in the docs, so anyone who can reach it could read and delete every object. Set PAIL_S3_KEYS (--s3-keys), or bind 127.0.0.1.`,
    );
  }
  const keys = settings.s3Keys ? wiring.parseKeys(settings.s3Keys) : wiring.defaultKey ? [wiring.defaultKey] : [];
  const bucketServer = bucketServerAddress(settings);
  const listener = createS3Listener({
    bucketServer: { ...bucketServer, token: settings.token || undefined, replyTimeoutMs: settings.replyTimeoutMs },
    auth: wiring.auth,
    keys,
    region: settings.s3Region,
    domain: settings.s3Domain,
    maxFileSize: settings.maxFileSize,
    log: log.child({ part: 's3' }),
    lanes: { clientTransfers: settings.clientTransfers, transfers: settings.gatewayTransfers },
    idleTimeoutMs: settings.idleTimeoutMs,
    headersTimeoutMs: settings.lineTimeoutMs,
    minBodyRate: settings.minBodyRate,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(settings.s3Port, settings.host, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await listener.close();
    throw err;
  }
  const address = listener.server.address() as AddressInfo;
  log.info({ address: address.address, port: address.port }, 'S3 listener listening');
  return { address, close: () => listener.close() };
}
