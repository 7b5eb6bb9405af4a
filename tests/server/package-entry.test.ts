import { describe, expect, it } from 'vitest';

describe('@comanda/server package entry', () => {
  it('resolves through the workspace and starts a server with the health route', async () => {
    const server = await import('@comanda/server');
    const s = await server.startServer(server.testConfig({ loadDemo: false }));
    try {
      const res = await fetch(`${s.url}/api/health`);
      expect(await res.json()).toMatchObject({ ok: true, db: 'pglite', version: server.VERSION });
    } finally {
      await s.close();
    }
  });
});
