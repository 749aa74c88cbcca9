// Pail's bucket server in its own process, for the benchmark: `pail.ts DATA [MAX_CONNECTIONS] [STORE]` (STORE: a PAIL_STORE value; fs by default).
import { pino } from 'pino';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { startBucketServer } from '../../server/main.ts';
import { announce } from './announce.ts';

const server = await startBucketServer(
  { ...DEFAULTS, tcpPort: 0, data: process.argv[2], maxConnections: Number(process.argv[3] ?? 20_000), store: process.argv[4] ?? 'fs', logLevel: 'warn' },
  pino({ level: 'warn' }),
);
announce(server.address());
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
