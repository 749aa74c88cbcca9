import { defineConfig } from 'vitest/config';

// Unit and integration tests (real sockets, real temporary folders). The web
// app's end-to-end tests run under Playwright (playwright.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    allowOnly: false,
  },
});
