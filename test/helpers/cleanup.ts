import { afterEach } from 'vitest';
import { startTestServer, type TestServer } from './bucket-server.ts';

export type CleanupStep = () => Promise<void> | void;

/**
 * Registers an afterEach that runs the steps a test queued, last first, so a
 * test closes its clients before the server they talk to. Returns the queue's
 * `push` and a `serve` that starts a test server and queues its close.
 */
export function cleanupAfterEach(): {
  cleanup: { push: (step: CleanupStep) => void };
  serve: (options?: Parameters<typeof startTestServer>[0]) => Promise<TestServer>;
} {
  const steps: CleanupStep[] = [];
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step();
  });
  const cleanup = { push: (step: CleanupStep) => void steps.push(step) };
  return {
    cleanup,
    async serve(options = {}) {
      const server = await startTestServer(options);
      cleanup.push(() => server.close());
      return server;
    },
  };
}
