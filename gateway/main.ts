import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { bucketServerAddress, isLoopback, StartupError, type Settings } from '../shared/config/settings.ts';
import { buildGateway } from './app.ts';
import { reportBucketServerAccess } from './bucket-server-access.ts';
import { parseOrigins } from './origin.ts';
import { parseTrustedProxies } from './trusted-proxies.ts';
import { shareSigningOf } from './share/signing.ts';

/** The web app's build output, served when it has been built. */
const WEB_DIST = join(packageRoot(), 'web', 'dist');

/** The folder of Pail's package.json, whether this runs from the sources or from the build in dist/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Starts the gateway as the settings say: it listens on host:httpPort and talks to the bucket server's address. */
export async function startGateway(settings: Settings, log: Logger): Promise<{ address: AddressInfo; close(): Promise<void> }> {
  if (!isLoopback(settings.host) && !settings.token) {
    // Without a token there is no login: anyone reaching the gateway would have full access.
    throw new StartupError(
      `refusing to serve the gateway on ${settings.host} without an access token: anyone who can reach it could read and delete every file. Set PAIL_TOKEN (--token), which the gateway's login then asks for, or bind 127.0.0.1.`,
    );
  }
  const bucketServer = bucketServerAddress(settings);
  const share = shareSigningOf(settings);
  const app = await buildGateway({
    bucketServer: { ...bucketServer, token: settings.token || undefined, replyTimeoutMs: settings.replyTimeoutMs },
    log,
    maxFileSize: settings.maxFileSize,
    maxLine: settings.maxLine,
    origins: parseOrigins(settings.origins),
    trustProxy: parseTrustedProxies(settings.trustProxy),
    webRoot: existsSync(WEB_DIST) ? WEB_DIST : undefined,
    access: { token: settings.token, readToken: settings.readToken, sessionTtlMs: settings.sessionTtlMs, loginLimit: settings.loginLimit },
    limits: {
      rateLimit: settings.rateLimit,
      consoleRate: settings.consoleRate,
      idleTimeoutMs: settings.idleTimeoutMs,
      headersTimeoutMs: settings.lineTimeoutMs,
      minBodyRate: settings.minBodyRate,
    },
    lanes: { clientTransfers: settings.clientTransfers, transfers: settings.gatewayTransfers },
    share,
  });
  try {
    await app.listen({ host: settings.host, port: settings.httpPort });
  } catch (err) {
    // Ready ran before the bind failed: the event subscription is live and would keep the process up.
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  log.info({ address: address.address, port: address.port }, 'gateway listening');
  await reportBucketServerAccess(bucketServer, settings.token !== '', log);
  return { address, close: () => app.close() };
}
