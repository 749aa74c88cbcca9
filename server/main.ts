import { pino, type Logger } from 'pino';
import { BucketServer } from './bucket-server.ts';
import { isLoopback, StartupError, type Settings } from '../shared/config/settings.ts';
import { openStorage } from './storage/open-storage.ts';

export { StartupError } from '../shared/config/settings.ts';

/** Opens the storage (the data folder, or an S3 engine) and starts a bucket server as the settings say. */
export async function startBucketServer(settings: Settings, log: Logger = pino({ level: settings.logLevel })): Promise<BucketServer> {
  if (!isLoopback(settings.host) && !settings.token) {
    throw new StartupError(
      `refusing to serve ${settings.host} without an access token: anyone who can reach it could read and delete every file. Set PAIL_TOKEN (or --token), or bind 127.0.0.1.`,
    );
  }
  const { storage, where } = await openStorage(settings, log);
  const server = new BucketServer({
    storage,
    log,
    token: settings.token || undefined,
    readToken: settings.readToken || undefined,
    limits: {
      maxFileSize: settings.maxFileSize,
      maxLine: settings.maxLine,
      maxChunk: settings.maxChunk,
      maxConnections: settings.maxConnections,
      idleTimeoutMs: settings.idleTimeoutMs,
      lineTimeoutMs: settings.lineTimeoutMs,
      minBodyRate: settings.minBodyRate,
      loginLimit: settings.loginLimit,
    },
  });
  const address = await server.listen(settings.tcpPort, settings.host).catch(async (err: unknown) => {
    await storage.close();
    throw err;
  });
  log.info({ address: address.address, port: address.port, store: where }, 'bucket server listening');
  return server;
}

/** Closes everything on SIGINT or SIGTERM, once; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>, log: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
