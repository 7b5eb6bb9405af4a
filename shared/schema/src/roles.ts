/** Staff roles per branch, and who may run each mutation (CONTRACT.md "Write path"). */
export const ROLES = ['ADMIN', 'MANAGER', 'WAITER', 'KITCHEN'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a staff role in the target branch, or the diner of a table session. */
export type Actor = Role | 'DINER';

export interface BranchRole {
  branchId: string;
  role: Role;
}
