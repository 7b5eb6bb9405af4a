/**
 * Loading rows for a mutator: always scoped by the caller's tenant, locked FOR UPDATE, and checked
 * against the caller's role in the row's branch. The tenant filter comes before any existence answer:
 * a row of another tenant is reported exactly like a row that does not exist.
 */
import type { Actor, MutationName } from '@comanda/schema';
import { MUTATION_ACTORS } from '@comanda/schema';
import { mayActIn } from '../auth/principal.ts';

import { type MutatorContext, Rejection } from './types.ts';

/** Loads one row by id within the caller's tenant, FOR UPDATE; NOT_FOUND when absent or another tenant's. */
export async function lockRow<T extends object>(
  m: MutatorContext,
  table: string,
  id: string,
  what: string,
  columns = '*',
): Promise<T> {
  const [row] = await m.tx.query<T>(
    `SELECT ${columns} FROM ${table} WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
    [id, m.principal.tenantId],
  );
  if (!row) throw new Rejection('NOT_FOUND', `${what} not found.`, { id });
  return row;
}

/** FORBIDDEN unless the caller may run `name` in `branchId`; a diner also only in their own session. */
export function authorize(
  m: MutatorContext,
  name: MutationName,
  branchId: string,
  sessionId?: string | null,
): void {
  const allowed: readonly Actor[] = MUTATION_ACTORS[name];
  if (!mayActIn(m.principal, branchId, allowed))
    throw new Rejection('FORBIDDEN', `You are not allowed to run ${name} here.`);
  if (m.principal.kind === 'diner' && m.principal.sessionId !== sessionId)
    throw new Rejection('FORBIDDEN', 'A diner can only act on their own table.');
}

/** The acting staff user's id, or null for a diner. */
export const staffId = (m: MutatorContext) => (m.principal.kind === 'staff' ? m.principal.userId : null);
export const dinerId = (m: MutatorContext) => (m.principal.kind === 'diner' ? m.principal.dinerId : null);

/**
 * FORBIDDEN unless the caller holds one of the allowed roles somewhere in their tenant. For rows that
 * belong to the tenant rather than a branch (the catalog): roles come from the token, which only
 * names branches of the caller's own tenant, so ADMIN anywhere means ADMIN of this restaurant.
 */
export function authorizeTenant(m: MutatorContext, name: MutationName): void {
  const allowed: readonly Actor[] = MUTATION_ACTORS[name];
  if (m.principal.kind !== 'staff' || !m.principal.roles.some((r) => allowed.includes(r.role)))
    throw new Rejection('FORBIDDEN', `You are not allowed to run ${name}.`);
}

/**
 * FORBIDDEN unless the caller may edit something scoped to `branchId`, or tenant-wide when null.
 * Tenant-wide things (knowledge every branch reads) are the tenant admin's; a branch's are its
 * managers' and admins'. A manager of Norte can't touch Centro's or the whole restaurant's.
 */
export function authorizeScope(m: MutatorContext, name: MutationName, branchId: string | null): void {
  if (branchId === null) {
    if (m.principal.kind !== 'staff' || !m.principal.roles.some((r) => r.role === 'ADMIN'))
      throw new Rejection('FORBIDDEN', 'Only an admin can change what every branch shares.');
    return;
  }
  authorize(m, name, branchId);
}

/** NOT_FOUND unless `branchId` is a branch of the caller's tenant (before any role answer: no hint about other tenants). */
export async function ensureBranch(m: MutatorContext, branchId: string): Promise<void> {
  const [row] = await m.tx.query('SELECT 1 FROM branch WHERE id = $1 AND tenant_id = $2', [
    branchId,
    m.principal.tenantId,
  ]);
  if (!row) throw new Rejection('NOT_FOUND', 'Branch not found.', { id: branchId });
}
