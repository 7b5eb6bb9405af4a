/** Rules about rounds: where a round starts, how it moves, and what a round may contain. */
import { canMoveRound, type DomainError, domainError, type RoundStatus } from '@comanda/schema';
import type { RoundRow } from './rows.ts';

/**
 * A round sent by staff goes straight to the kitchen; a diner's waits for a waiter's round.confirm,
 * so nobody at a table can fire food into the kitchen unseen.
 *
 * @example initialRoundStatus('diner') // 'SUBMITTED'
 */
export const initialRoundStatus = (by: 'staff' | 'diner'): RoundStatus =>
  by === 'staff' ? 'IN_KITCHEN' : 'SUBMITTED';

/** INVALID_TRANSITION unless ROUND_TRANSITIONS allows `round` to move to `to`. */
export function ensureRoundMove(round: RoundRow, to: RoundStatus): DomainError | undefined {
  if (canMoveRound(round.status, to)) return undefined;
  return domainError(
    'INVALID_TRANSITION',
    `Round ${round.number} is ${round.status}; it can't become ${to}.`,
    {
      roundId: round.id,
      from: round.status,
      to,
    },
  );
}

/** What the branch sells, as the round needs it: looked up in the session's branch. */
export interface BranchOffer {
  name: string;
  priceCents: number;
  isAvailable: boolean;
}

export interface ItemInput {
  id: string;
  productId: string;
  qty: number;
  notes?: string | undefined;
  dinerId?: string | undefined;
}

/** An item ready to store: name and unit price captured from the branch now, the diner resolved. */
export interface PricedItem {
  id: string;
  productId: string;
  productName: string;
  qty: number;
  unitPriceCents: number;
  notes: string | null;
  dinerId: string | null;
}

/**
 * Prices the items of a round from the branch's offer at submit time. PRODUCT_UNAVAILABLE when a product
 * is unknown in the tenant, not sold in the branch or switched off; VALIDATION_FAILED for a repeated item
 * id or a diner who is not at this table. A diner's items are theirs unless they name another diner of
 * the same table (the shared cart).
 */
export function priceRoundItems(
  items: readonly ItemInput[],
  offer: ReadonlyMap<string, BranchOffer>,
  tableDiners: ReadonlySet<string>,
  defaultDinerId: string | null,
): DomainError | PricedItem[] {
  const seen = new Set<string>();
  const priced: PricedItem[] = [];
  for (const item of items) {
    if (seen.has(item.id))
      return domainError('VALIDATION_FAILED', 'Two items of the round have the same id.', {
        itemId: item.id,
      });
    seen.add(item.id);
    const o = offer.get(item.productId);
    if (!o?.isAvailable)
      return domainError(
        'PRODUCT_UNAVAILABLE',
        o
          ? `${o.name} is not available in this branch right now.`
          : 'A product of the round is not on this menu.',
        { productId: item.productId, itemId: item.id },
      );
    const dinerId = item.dinerId ?? defaultDinerId;
    if (dinerId && !tableDiners.has(dinerId))
      return domainError('VALIDATION_FAILED', 'An item names a diner who is not at this table.', {
        itemId: item.id,
        dinerId,
      });
    priced.push({
      id: item.id,
      productId: item.productId,
      productName: o.name,
      qty: item.qty,
      unitPriceCents: o.priceCents,
      notes: item.notes ?? null,
      dinerId,
    });
  }
  return priced;
}

/** What the items of a round add to the check. */
export const roundTotal = (items: readonly { qty: number; unitPriceCents: number }[]): number =>
  items.reduce((sum, i) => sum + i.qty * i.unitPriceCents, 0);
