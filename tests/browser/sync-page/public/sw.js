/* global self, caches, location */
// Service worker of the sync test page: precaches the built files (PGlite's wasm and data too) so the
// page reloads without network. The API is never answered from the cache.
const CACHE = 'comanda-sync-page-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const files = await (await fetch('/precache.json', { cache: 'no-store' })).json();
      const cache = await caches.open(CACHE);
      await cache.addAll(['/', ...files.map((f) => `/${f}`)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/'))
    return;
  const key = event.request.mode === 'navigate' ? '/' : event.request;
  event.respondWith(caches.match(key, { ignoreSearch: true }).then((hit) => hit ?? fetch(event.request)));
});
