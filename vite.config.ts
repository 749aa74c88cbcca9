import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const repo = fileURLToPath(new URL('.', import.meta.url));
/** Where `vite` (dev) forwards /api: a running gateway (`npm start`), unless PAIL_GATEWAY says otherwise. */
const gateway = process.env.PAIL_GATEWAY ?? 'http://127.0.0.1:8080';

// The web app: root web/, built to web/dist, which the gateway serves.
// Unit tests use vitest.config.ts, not this file.
export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2023',
    // No inline assets: the gateway's Content-Security-Policy allows only files from its own origin.
    assetsInlineLimit: 0,
  },
  server: {
    // The app imports the pure protocol tables from ../shared.
    fs: { allow: [repo] },
    // Host is passed on unchanged (no changeOrigin), so the gateway sees the page's own origin and accepts
    // its state-changing requests and WebSocket upgrades.
    proxy: {
      '/api': { target: gateway, ws: true },
    },
  },
});
