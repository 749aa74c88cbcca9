import { existsSync } from 'node:fs';
import { chromium, defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests of the web app in a real Chromium. The global setup builds
 * the app into web/dist; each worker then starts its own real bucket server
 * and gateway on free ports over a fresh temporary data folder
 * (test/e2e/fixtures.ts), so tests can stop and start the bucket server.
 *
 * Playwright's downloaded browsers are used when present; otherwise Debian's
 * Chromium (`apt-get install chromium`) at /usr/bin/chromium, or PAIL_CHROMIUM.
 */
const SYSTEM_CHROMIUM = process.env.PAIL_CHROMIUM ?? '/usr/bin/chromium';
const useSystemChromium = !!process.env.PAIL_CHROMIUM || (!existsSync(chromium.executablePath()) && existsSync(SYSTEM_CHROMIUM));

const CI = !!process.env.CI;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  workers: CI ? 2 : undefined,
  reporter: CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: useSystemChromium
          ? {
              executablePath: SYSTEM_CHROMIUM,
              args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
            }
          : {},
      },
    },
  ],
});
