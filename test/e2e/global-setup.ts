import { build } from 'vite';

/** Builds the web app into web/dist once, before any worker starts a gateway that serves it. */
export default async function globalSetup(): Promise<void> {
  if (process.env.PAIL_E2E_SKIP_BUILD) return;
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
