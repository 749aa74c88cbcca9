import { pino } from 'pino';
import { ConfigError, resolveSettings, SETTINGS } from '../server/config.ts';
import { closeOnSignals, startBucketServer, StartupError } from '../server/main.ts';

/** Runs the `pail` command; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [sub = 'help', ...rest] = argv;
  try {
    switch (sub) {
      case 'server':
      case 'start':
        return await serve(rest);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage());
        return 0;
      default:
        process.stderr.write(`pail: unknown command ${sub}\n\n${usage()}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`pail: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function serve(argv: readonly string[]): Promise<number> {
  const { settings, rest } = resolveSettings(argv, process.env);
  if (rest.length) throw new ConfigError(`unknown arguments: ${rest.join(' ')}`);
  const log = pino({ level: settings.logLevel });
  const server = await startBucketServer(settings, log);
  const { address, port } = server.address();
  process.stdout.write(`pail: bucket server on ${address}:${port} (data in ${settings.data})\n`);
  closeOnSignals(() => server.close(), log);
  await new Promise(() => {}); // serve until a signal ends the process
  return 0;
}

function usage(): string {
  const width = Math.max(...SETTINGS.map((s) => `${s.flag} VALUE`.length));
  const flags = SETTINGS.map((s) => `  ${`${s.flag} VALUE`.padEnd(width)}  ${s.summary} [${s.env}]`).join('\n');
  return `usage: pail COMMAND [options]

commands:
  server   run the bucket server
  start    run Pail (what npm start runs)
  help     show this help

options:
${flags}
`;
}
