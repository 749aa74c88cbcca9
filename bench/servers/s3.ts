// Pail's S3 listener in its own process, for the benchmark: `s3.ts BUCKET_SERVER_PORT`, with the default key pair
// (pail:pailsecret, loopback only).
import { pino } from 'pino';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { startS3 } from '../../s3/main.ts';
import { announce } from './announce.ts';

const s3 = await startS3({ ...DEFAULTS, s3Port: 0, server: `127.0.0.1:${process.argv[2]}`, logLevel: 'warn' }, pino({ level: 'warn' }));
announce(s3.address);
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => void s3.close().then(() => process.exit(0)));
