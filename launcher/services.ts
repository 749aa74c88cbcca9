import type { Logger } from 'pino';
import { SERVICE_WORDS, type ServiceWord } from '../shared/config/services.ts';
import { bucketServerAddress, hostPort, type Settings } from '../shared/config/settings.ts';
import { redactStoreUrl } from '../shared/config/store-url.ts';

/** A running service: what to tell the person, and how to stop it. */
export interface Running {
  readonly lines: readonly string[];
  close(): Promise<void>;
}

/** A service of SERVICE_WORDS with the function that starts it. Each loads its server when started, so that client commands start quickly without the storage and HTTP stacks. */
export interface Service extends ServiceWord {
  start(settings: Settings, log: Logger): Promise<Running>;
}

const STARTS: Record<ServiceWord['name'], Service['start']> = {
  server: startServer,
  gateway: startHttpGateway,
  s3: startS3Listener,
  start: startAll,
};

export const SERVICES: readonly Service[] = SERVICE_WORDS.map((word) => ({ ...word, start: STARTS[word.name] }));

export function findService(word: string): Service | undefined {
  return SERVICES.find((s) => s.name === word);
}

async function startServer(settings: Settings, log: Logger): Promise<Running & { address: string }> {
  const { startBucketServer } = await import('../server/main.ts');
  const server = await startBucketServer(settings, log);
  const { address, port } = server.address();
  return {
    address: hostPort(address, port),
    lines: [`pail: bucket server on ${hostPort(address, port)} (${settings.store === 'fs' ? `data in ${settings.data}` : `store ${redactStoreUrl(settings.store)}`})`],
    close: () => server.close(),
  };
}

async function startHttpGateway(settings: Settings, log: Logger): Promise<Running> {
  const { startGateway } = await import('../gateway/main.ts');
  const gateway = await startGateway(settings, log);
  const { host, port } = bucketServerAddress(settings);
  return {
    lines: [`pail: gateway on http://${hostPort(gateway.address.address, gateway.address.port)} (bucket server ${hostPort(host, port)})`],
    close: () => gateway.close(),
  };
}

async function startS3Listener(settings: Settings, log: Logger): Promise<Running & { port: number }> {
  const { startS3 } = await import('../s3/main.ts');
  const s3 = await startS3(settings, log);
  const { host, port } = bucketServerAddress(settings);
  return {
    port: s3.address.port,
    lines: [`pail: S3 on http://${hostPort(s3.address.address, s3.address.port)} (bucket server ${hostPort(host, port)})`],
    close: () => s3.close(),
  };
}

async function startAll(settings: Settings, log: Logger): Promise<Running> {
  const server = await startServer(settings, log);
  const listeners: Running[] = [];
  try {
    // The listeners talk to the bucket server just started, wherever it ended up listening (--port 0 picks a free port).
    const beside = { ...settings, server: server.address };
    // The S3 listener first: the gateway's share links name its port, which --s3-port 0 picks only as it listens.
    const s3 = await startS3Listener(beside, log);
    listeners.push(s3);
    listeners.unshift(await startHttpGateway({ ...beside, s3Port: s3.port }, log));
  } catch (err) {
    for (const listener of listeners) await listener.close();
    await server.close();
    throw err;
  }
  return {
    lines: [...server.lines, ...listeners.flatMap((l) => l.lines)],
    // Listeners first, so they stop sending requests before the bucket server goes.
    close: async () => {
      for (const listener of listeners) await listener.close();
      await server.close();
    },
  };
}
