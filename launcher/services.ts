import type { Logger } from 'pino';
import { SERVICE_WORDS, type ServiceWord } from '../shared/config/services.ts';
import { bucketServerAddress, hostPort, type Settings } from '../shared/config/settings.ts';

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
  start: startBoth,
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
    lines: [`pail: bucket server on ${hostPort(address, port)} (data in ${settings.data})`],
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

async function startBoth(settings: Settings, log: Logger): Promise<Running> {
  const server = await startServer(settings, log);
  let gateway: Running;
  try {
    // The gateway talks to the bucket server just started, wherever it ended up listening (--port 0 picks a free port).
    gateway = await startHttpGateway({ ...settings, server: server.address }, log);
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    lines: [...server.lines, ...gateway.lines],
    // Gateway first, so it stops sending requests before the bucket server goes.
    close: async () => {
      await gateway.close();
      await server.close();
    },
  };
}
