/** Build of the kitchen display: React, served at /kitchen/, with a service worker that precaches the app and PGlite. */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  base: '/kitchen/',
  plugins: [
    react(),
    VitePWA({
      // 'prompt': a new version waits until the cook taps "Actualizar"; a screen must never reload by itself mid-service.
      registerType: 'prompt',
      injectRegister: false,
      // The glob below already lists the icons; listing them twice only duplicates precache entries.
      includeManifestIcons: false,
      manifest: {
        name: 'Comanda · Cocina',
        short_name: 'Cocina',
        description: 'Pantalla de cocina: las rondas a preparar, también sin conexión.',
        lang: 'es-AR',
        start_url: '/kitchen/',
        scope: '/kitchen/',
        display: 'fullscreen',
        orientation: 'any',
        background_color: '#0d0f13',
        theme_color: '#0d0f13',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // PGlite's WASM and its data bundle are emitted as hashed assets (new URL(..., import.meta.url));
        // they must be precached or a cold start without network has no database.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm,data}'],
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        navigateFallback: '/kitchen/index.html',
        // The API (and shapes) are never served from the service worker: stale answers there would lie.
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        // The first install takes the open page at once, so its PGlite files already come from the precache.
        clientsClaim: true,
      },
    }),
  ],
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // PGlite's Emscripten glue contains direct eval calls: their code, reported on every build; nothing to act on here.
      onLog(level, log, handler) {
        if (log.code === 'EVAL' && log.id?.includes('pglite')) return;
        handler(level, log);
      },
    },
  },
  optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  worker: { format: 'es' },
});
