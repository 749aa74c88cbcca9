import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { StoreUrl } from '../../../shared/config/store-url.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';

/** Sockets kept open to the engine: uploads and downloads stream in parallel, each holding one while it runs. */
const MAX_SOCKETS = 256;

/**
 * An S3 client for the engine: path-style addressing (engine bucket names
 * need no DNS), keep-alive sockets, and checksums only where S3 requires
 * them (RGW 16.2 refuses the SDK's default aws-chunked bodies with a CRC
 * trailer). `destroy()` releases the sockets.
 */
export function engineClient(store: StoreUrl, log: StorageLog = SILENT_LOG): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: 32 };
  return new S3Client({
    endpoint: store.endpoint,
    region: store.region,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // The client's own remarks go to the storage log, not the console (a refused body already fails its request).
    logger: { trace: () => {}, debug: () => {}, info: () => {}, warn: (...args: unknown[]) => log.warn({ engine: args.map(String).join(' ') }, 'S3 client warning'), error: (...args: unknown[]) => log.error({ engine: args.map(String).join(' ') }, 'S3 client error') },
    requestHandler: {
      // An http endpoint gets a plain agent: AWS_CA_BUNDLE on the machine then changes nothing.
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
    },
  });
}
