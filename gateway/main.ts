import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { bucketServerAddress, isLoopback, StartupError, type Settings } from '../server/config.ts';
import { buildGateway } from './app.ts';
import { parseOrigins } from './origin.ts';

/** The web app's build output, served when it has been built. */
const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

/** Starts the gateway as the settings say: it listens on host:httpPort and talks to the bucket server's address. */
export async function startGateway(settings: Settings, log: Logger): Promise<{ address: AddressInfo; close(): Promise<void> }> {
  if (!isLoopback(settings.host)) {
    // The gateway holds the bucket server's token and has no login of its own yet: anyone reaching it would have full access.
    throw new StartupError(
      `refusing to serve the gateway on ${settings.host}: it has no login yet, so anyone who can reach it could read and delete every file. Bind 127.0.0.1 and put an authenticating reverse proxy in front.`,
    );
  }
  const app = await buildGateway({
    bucketServer: { ...bucketServerAddress(settings), token: settings.token || undefined },
    log,
    maxFileSize: settings.maxFileSize,
    maxLine: settings.maxLine,
    origins: parseOrigins(settings.origins),
    webRoot: existsSync(WEB_DIST) ? WEB_DIST : undefined,
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
  return { address, close: () => app.close() };
}
