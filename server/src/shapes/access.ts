/** Who may read a shape, and the filter their token gives it. Auth before anything else is read. */
import {
  type Role,
  SHAPES,
  type ShapeAccess,
  type ShapeCondition,
  type ShapeDefinition,
} from '@comanda/schema';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../http/errors.ts';

/** A shape bound to one caller: table, columns and the filter with the caller's ids filled in. */
export interface BoundShape {
  def: ShapeDefinition;
  access: ShapeAccess;
  /** Filled conditions: every `equals` is a text value as PostgreSQL prints it. */
  where: { column: string; values: readonly string[] }[];
  tenantId: string;
  /** Set when the shape is per branch: the change log is read by branch. */
  branchId?: string;
  /** Stable text naming this shape for this scope (goes into the handle). */
  identity: string;
}

/**
 * Binds shape `name` to the caller, or throws 404 (no such shape), 403 (not theirs to read) or
 * 400 (a person with several branches must say which one).
 */
export function bindShape(name: string, p: Principal, requestedBranch: string | undefined): BoundShape {
  // Every live request of every device binds its shape again: the same caller and scope bind to the
  // same result, so it is made once (refusals are not kept: they throw before reaching the cache).
  const key =
    p.kind === 'diner'
      ? `d|${name}|${p.tenantId}|${p.branchId}|${p.sessionId}|${requestedBranch ?? ''}`
      : `s|${name}|${p.tenantId}|${requestedBranch ?? ''}|${p.roles.map((r) => `${r.branchId}:${r.role}`).join(',')}`;
  const known = bound.get(key);
  if (known) return known;
  const made = bind(name, p, requestedBranch);
  if (bound.size >= BOUND_CACHE_SIZE) bound.clear();
  bound.set(key, made);
  return made;
}

const BOUND_CACHE_SIZE = 10_000;
const bound = new Map<string, BoundShape>();

function bind(name: string, p: Principal, requestedBranch: string | undefined): BoundShape {
  const def = Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined;
  if (!def) throw new AppError('NOT_FOUND', `There is no shape called "${name.slice(0, 60)}".`);
  const scope: Record<'tenantId' | 'branchId' | 'sessionId', string | undefined> = {
    tenantId: p.tenantId,
    branchId: undefined,
    sessionId: undefined,
  };
  let access: ShapeAccess;
  /** The caller's roles where the shape is read (staff). */
  let rolesHere: Role[] = [];
  if (p.kind === 'diner') {
    if (!def.diner) throw new AppError('FORBIDDEN', `Diners can't read the ${name} shape.`);
    // A diner's scope is their token's session and branch; a branch parameter can't widen it.
    if (requestedBranch && requestedBranch !== p.branchId)
      throw new AppError('FORBIDDEN', 'A diner can only read their own branch.');
    access = def.diner;
    scope.branchId = p.branchId;
    scope.sessionId = p.sessionId;
  } else {
    const staff = def.staff;
    if (!staff) throw new AppError('FORBIDDEN', `Staff can't read the ${name} shape.`);
    if (staff.per === 'branch') {
      const branches = [...new Set(p.roles.map((r) => r.branchId))];
      let branchId = requestedBranch;
      if (!branchId) {
        if (branches.length !== 1)
          throw new AppError(
            'VALIDATION_FAILED',
            'You work in several branches: add ?branch=<branchId> to the shape URL.',
            {
              errors: { branch: ["can't be blank for a person with several branches"] },
            },
          );
        branchId = branches[0];
      }
      rolesHere = p.roles.filter((r) => r.branchId === branchId).map((r) => r.role);
      if (!rolesHere.some((r) => staff.roles.includes(r)))
        throw new AppError('FORBIDDEN', `You can't read the ${name} shape of that branch.`);
      scope.branchId = branchId;
    } else {
      rolesHere = p.roles.map((r) => r.role);
      if (!rolesHere.some((r) => staff.roles.includes(r)))
        throw new AppError('FORBIDDEN', `You can't read the ${name} shape.`);
    }
    const narrow = staff.narrowed;
    access =
      narrow && rolesHere.every((r) => narrow.roles.includes(r))
        ? { columns: staff.columns, where: [...staff.where, ...narrow.where] }
        : staff;
  }
  const where = access.where.map((c) => ({ column: c.column, values: conditionValues(c, scope) }));
  const branchScoped = access.where.some((c) => c.column === 'branch_id');
  return {
    def,
    access,
    where,
    tenantId: p.tenantId,
    branchId: branchScoped ? scope.branchId : undefined,
    identity: JSON.stringify([name, p.kind, access.columns, where]),
  };
}

function conditionValues(c: ShapeCondition, scope: Record<string, string | undefined>): readonly string[] {
  if ('in' in c) return c.in;
  const v = c.equals;
  if (typeof v === 'boolean') return [v ? 't' : 'f'];
  if (typeof v === 'string') return [v];
  const filled = scope[v.scope];
  if (!filled) throw new Error(`shape condition on ${c.column} needs ${v.scope}, which this caller lacks`);
  return [filled.toLowerCase()];
}

/** True when a row (column -> text) is in the shape. */
export function rowMatches(shape: BoundShape, row: Record<string, string | null>): boolean {
  for (const w of shape.where) {
    const v = row[w.column];
    // PostgreSQL prints uuids in lower case, and scope ids are lower-cased when bound.
    if (v === null || v === undefined || !w.values.includes(v)) return false;
  }
  return true;
}

/** The snapshot's WHERE clause. Values are bound parameters; column names come from our own definitions. */
export function whereSql(
  shape: BoundShape,
  columnType: (column: string) => string,
): { sql: string; params: string[] } {
  const params: string[] = [];
  const parts = shape.where.map((w) => {
    const list = w.values.map((v) => {
      params.push(v);
      // Sent as text and cast by SQL to the column's type (drivers serialize typed parameters their own way).
      return `$${params.length}::text::${ident(columnType(w.column))}`;
    });
    // Compared in the column's own type, so indexes apply.
    return `t.${ident(w.column)} IN (${list.join(', ')})`;
  });
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
