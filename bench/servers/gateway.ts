// Pail's gateway in its own process, for the benchmark: `gateway.ts BUCKET_SERVER_PORT`.
import { pino } from 'pino';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { startGateway } from '../../gateway/main.ts';
import { announce } from './announce.ts';

const gateway = await startGateway(
  // The load rows fire tens of thousands of requests from one address: far beyond the default rate limit.
  { ...DEFAULTS, httpPort: 0, server: `127.0.0.1:${process.argv[2]}`, logLevel: 'warn', rateLimit: 10_000_000 },
  pino({ level: 'warn' }),
);
announce(gateway.address);
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
