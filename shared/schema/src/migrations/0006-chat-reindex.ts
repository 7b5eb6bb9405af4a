/**
 * Chat re-index on renames (ARCHITECTURE.md "Menu chatbot"): a product's evidence holds its
 * category's name ("Categoría: Postres", and the lists "Postres disponibles en ...") and its
 * branch's name and currency ("Precio en Sucursal Centro: $ 6.900"). 0003-chat queued a product
 * only when the product or its branch_product row changed, so renaming a category or a branch
 * left every answer on the old name. These triggers queue the products concerned.
 */
export const chatReindex = `
CREATE FUNCTION chat_enqueue_rename() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'category' THEN
    IF NEW.name IS NOT DISTINCT FROM OLD.name THEN RETURN NULL; END IF;
    INSERT INTO chat_index_queue (tenant_id, entity, entity_id)
      SELECT p.tenant_id, 'product', p.id FROM product p WHERE p.category_id = NEW.id;
  ELSE
    IF NEW.name IS NOT DISTINCT FROM OLD.name AND NEW.currency IS NOT DISTINCT FROM OLD.currency THEN
      RETURN NULL;
    END IF;
    INSERT INTO chat_index_queue (tenant_id, entity, entity_id)
      SELECT DISTINCT bp.tenant_id, 'product', bp.product_id FROM branch_product bp WHERE bp.branch_id = NEW.id;
  END IF;
  PERFORM pg_notify('chat_index', NEW.tenant_id::text);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER category_chat_index AFTER UPDATE ON category
  FOR EACH ROW EXECUTE FUNCTION chat_enqueue_rename();
CREATE TRIGGER branch_chat_index AFTER UPDATE ON branch
  FOR EACH ROW EXECUTE FUNCTION chat_enqueue_rename();
`;
