import type { Logger } from 'pino';
import { bucketServerAddress, type Settings } from '../server/config.ts';

/** A running service: what to tell the person, and how to stop it. */
export interface Running {
  readonly lines: readonly string[];
  close(): Promise<void>;
}

/**
 * The commands that run Pail rather than talk to it; every one takes the
 * settings flags. Each loads its server when started, so that client
 * commands start quickly without the storage and HTTP stacks.
 */
export interface Service {
  readonly name: string;
  readonly summary: string;
  start(settings: Settings, log: Logger): Promise<Running>;
}

export const SERVICES: readonly Service[] = [
  {
    name: 'server',
    summary: 'Runs the bucket server: the TCP protocol on --host and --port, files in --data',
    start: startServer,
  },
  {
    name: 'gateway',
    summary: 'Runs the HTTP gateway and web app on --host and --http-port, in front of the bucket server at --server',
    start: startHttpGateway,
  },
  {
    name: 'start',
    summary: 'Runs the bucket server and the gateway together (what npm start runs)',
    start: startBoth,
  },
];

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

/** `127.0.0.1:7070`, `[::1]:7070` */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Not a service, but like them a command of its own rather than of the protocol. */
export const SHELL = {
  name: 'shell',
  summary: 'An interactive shell (what pail alone starts on a terminal): history, Tab completion, and it asks for missing arguments',
} as const;
