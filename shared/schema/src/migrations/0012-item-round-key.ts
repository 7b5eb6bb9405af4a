/**
 * An order's items without the foreign key to their round, as 0007 did for the order's other keys.
 *
 * Items are written only by round.submit (migration 0009's function or server/src/mutations/round.ts),
 * in the same transaction that inserts their round, with the round's id the same code just used;
 * nothing deletes a round (a canceled round stays, CANCELED). The key re-checked that, item by item:
 * one more query per item, about 6% of PostgreSQL's instructions per order (callgrind, a 5-item
 * waiter's order through comanda_round_submit). round.session_id -> table_session keeps its key.
 */
export const itemRoundKey = `
ALTER TABLE round_item DROP CONSTRAINT IF EXISTS round_item_round_id_fkey;
`;
