import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StoreUrl } from '../../../shared/config/store-url.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';

/** Sockets kept open to the engine: uploads and downloads stream in parallel, each holding one while it runs. */
const MAX_SOCKETS = 256;

/**
 * What any client needs to speak to the engine at all: where it is, the key
 * pair, path-style addressing (engine bucket names need no DNS), and
 * checksums only where S3 requires them (RGW 16.2 refuses the SDK's default
 * aws-chunked bodies with a CRC trailer). The benchmark's direct client
 * (bench/s3-direct.ts) takes this and nothing else.
 */
export function engineAddress(store: StoreUrl): S3ClientConfig {
  return {
    endpoint: store.endpoint,
    region: store.region,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/**
 * The s3 backend's client of the engine: engineAddress, keep-alive sockets,
 * bounded retries, and the client's remarks in the storage log. `destroy()`
 * releases the sockets.
 */
export function engineClient(store: StoreUrl, log: StorageLog = SILENT_LOG): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: 32 };
  return new S3Client({
    ...engineAddress(store),
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
