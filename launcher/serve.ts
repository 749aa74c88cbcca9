import { ConfigError, type Settings } from '../shared/config/settings.ts';
import type { Service } from './services.ts';

/** Starts a service, says where it listens, and serves until SIGINT or SIGTERM. */
export async function serve(service: Service, settings: Settings): Promise<number> {
  const [{ createLogger }, { closeOnSignals, StartupError }] = await Promise.all([import('../shared/log/logger.ts'), import('../server/main.ts')]);
  const log = createLogger(settings.logLevel);
  const running = await service.start(settings, log).catch((err: NodeJS.ErrnoException) => {
    // Settings that cannot work are the person's to fix, told in a sentence rather than a stack.
    if (err instanceof StartupError) throw new ConfigError(err.message);
    if (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
      throw new ConfigError(`cannot listen: ${err.message}`);
    }
    throw err;
  });
  // Before the addresses are printed: whoever reads them may signal at once.
  closeOnSignals(() => running.close(), log);
  for (const line of running.lines) process.stdout.write(`${line}\n`);
  await new Promise(() => {}); // closeOnSignals ends the process
  return 0;
}
