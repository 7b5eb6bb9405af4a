/** Diners for tests: a table's QR token from the real admin endpoint, and joining through it. */
import type { DinerJoinAnswer } from '@comanda/schema';
import { demo } from './demo.ts';
import type { TestServer } from './server.ts';

const adminTokens = new WeakMap<TestServer, Promise<string>>();

/** The table's current QR token, as the admin app prints it (asked as the demo tenant's admin). */
export async function tableToken(s: TestServer, tableId: string): Promise<string> {
  let admin = adminTokens.get(s);
  if (!admin) {
    admin = s.login(demo.users.admin).then((a) => a.accessToken);
    adminTokens.set(s, admin);
  }
  const res = await s.fetch(`/api/admin/tables/${tableId}/qr`, { token: await admin });
  if (res.status !== 200) throw new Error(`qr ${tableId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { tableToken: string }).tableToken;
}

/** Scans the table's QR and joins: opens the table's session when none is open. */
export async function joinAsDiner(s: TestServer, tableId: string, name?: string): Promise<DinerJoinAnswer> {
  const res = await s.fetch('/api/diner/join', { json: { tableToken: await tableToken(s, tableId), name } });
  if (res.status !== 200) throw new Error(`join ${tableId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as DinerJoinAnswer;
}
