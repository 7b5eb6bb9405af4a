import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// The sign-in answer names the person's branches, so the kitchen and waiter apps can offer a branch picker.
describe('login answer: branches', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('lists exactly the branches the person has a role in, with their names', async () => {
    const cook = await s.login(demo.users.kitchenCentro);
    expect(cook.user.branches).toEqual([{ id: demo.centro.id, name: demo.centro.name }]);
    const admin = await s.login(demo.users.admin);
    const roleBranches = [...new Set(admin.user.roles.map((r) => r.branchId))].sort();
    expect(admin.user.branches.map((b) => b.id).sort()).toEqual(roleBranches);
    expect(admin.user.branches.length).toBeGreaterThan(1);
    // Never another restaurant's branch.
    expect(admin.user.branches.some((b) => b.id === demo.unica.id)).toBe(false);
  });
});
