/**
 * An order's items carry their round's status (round_item.round_status, which the kitchen's shape
 * filters on). round.submit now writes it with the items, the status it has just given the round;
 * the trigger that reads it from the round (0002) runs only for an insert that leaves it out, and
 * for an item moved to another round. Before, every item of every order ran a PL/pgSQL call and a
 * lookup of the round the same transaction had just inserted.
 */
export const itemStatusOnInsert = `
DROP TRIGGER round_item_round_status ON round_item;
CREATE TRIGGER round_item_round_status BEFORE INSERT ON round_item
  FOR EACH ROW WHEN (NEW.round_status IS NULL) EXECUTE FUNCTION round_item_take_round_status();
CREATE TRIGGER round_item_round_moved BEFORE UPDATE OF round_id ON round_item
  FOR EACH ROW EXECUTE FUNCTION round_item_take_round_status();
`;
