/**
 * The change log behind the shape endpoint (ARCHITECTURE.md "Sync"), plus the two denormalized
 * columns/tables that let join-shaped shapes be single-table shapes (kitchen items, diner menu).
 *
 * Commit order: every writing transaction holds one transaction-level advisory lock until it
 * commits, and draws its position from a sequence while holding it, so positions become visible in
 * increasing order: a reader that sees position N has already been able to see every position
 * below N. The server's Db.transaction() takes the lock first thing (before any row lock), and a
 * BEFORE STATEMENT trigger takes it for single statements, so a writer never waits for it while
 * holding rows another writer needs (no deadlocks). The `comanda.naive_change_log = on` setting
 * switches the lock off: positions are then numbered by the sequence alone, which is NOT
 * commit-ordered; it exists only to show the concurrency test failing without it.
 *
 * Rows are kept as PostgreSQL record text (`NEW::text`): every column already in the text format
 * the shape protocol sends, whatever its type, at the cost of one cast per written row.
 */
/** The synced tables whose row changes the change log captures. */
export const CAPTURED_TABLES = [
  'branch_product',
  'category',
  'diner',
  'dining_check',
  'dining_table',
  'event',
  'menu_item',
  'payment',
  'product',
  'round',
  'round_item',
  'sector',
  'service_call',
  'table_session',
] as const;

export const changeLog = `
CREATE TABLE change_log_meta (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- Changes when the log is recreated: every handle made before becomes stale (409 must-refetch).
  epoch text NOT NULL,
  -- Highest position removed by trimming: a client behind it must refetch.
  trimmed_upto bigint NOT NULL DEFAULT 0
);
INSERT INTO change_log_meta (epoch) VALUES (replace(gen_random_uuid()::text, '-', ''));

CREATE SEQUENCE change_log_pos;

CREATE TABLE change_log (
  pos bigint NOT NULL,
  op integer NOT NULL,
  xid bigint NOT NULL,
  tbl text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('insert', 'update', 'delete')),
  tenant_id uuid,
  branch_id uuid,
  new_row text,
  old_row text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pos, op)
);
CREATE INDEX change_log_scope ON change_log (tbl, tenant_id, pos);
CREATE INDEX change_log_created ON change_log (created_at);

CREATE FUNCTION change_log_lock() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF coalesce(current_setting('comanda.naive_change_log', true), '') <> 'on' THEN
    PERFORM pg_advisory_xact_lock(7311002);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION change_log_capture() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  p bigint := nullif(current_setting('comanda.tx_pos', true), '')::bigint;
  o integer;
  r jsonb;
BEGIN
  -- An update that changes nothing is not a change.
  IF TG_OP = 'UPDATE' AND NEW::text = OLD::text THEN
    RETURN NULL;
  END IF;
  IF p IS NULL THEN
    -- Normally held already (Db.transaction or the statement trigger); taken here in case not.
    IF coalesce(current_setting('comanda.naive_change_log', true), '') <> 'on' THEN
      PERFORM pg_advisory_xact_lock(7311002);
    END IF;
    p := nextval('change_log_pos');
    o := 0;
    PERFORM set_config('comanda.tx_pos', p::text, true);
  ELSE
    o := current_setting('comanda.tx_op')::integer + 1;
  END IF;
  PERFORM set_config('comanda.tx_op', o::text, true);
  IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
  INSERT INTO change_log (pos, op, xid, tbl, kind, tenant_id, branch_id, new_row, old_row)
  VALUES (
    p, o, (pg_current_xact_id()::xid::text)::bigint, TG_TABLE_NAME, lower(TG_OP),
    (r->>'tenant_id')::uuid, (r->>'branch_id')::uuid,
    CASE WHEN TG_OP <> 'DELETE' THEN NEW::text END,
    CASE WHEN TG_OP <> 'INSERT' THEN OLD::text END
  );
  IF o = 0 THEN
    PERFORM pg_notify('comanda_change', p::text);
  END IF;
  RETURN NULL;
END
$fn$;

-- Kitchen: an item carries its round's status, so "items of rounds in the kitchen" is one table's filter.
ALTER TABLE round_item ADD COLUMN round_status text;
UPDATE round_item i SET round_status = r.status FROM round r WHERE r.id = i.round_id;

CREATE FUNCTION round_item_take_round_status() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.round_status := (SELECT status FROM round WHERE id = NEW.round_id);
  RETURN NEW;
END
$fn$;
CREATE TRIGGER round_item_round_status BEFORE INSERT OR UPDATE OF round_id ON round_item
  FOR EACH ROW EXECUTE FUNCTION round_item_take_round_status();

CREATE FUNCTION round_status_to_items() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE round_item SET round_status = NEW.status WHERE round_id = NEW.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER round_status_to_items AFTER UPDATE OF status ON round
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION round_status_to_items();

-- Diner menu: branch_product joined with product and category, one row per product and branch.
CREATE TABLE menu_item (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  branch_id uuid NOT NULL,
  product_id uuid NOT NULL,
  category_id uuid,
  category_name text,
  category_sort integer,
  name text NOT NULL,
  description text NOT NULL,
  ingredients text[] NOT NULL,
  allergens text[] NOT NULL,
  may_contain text[] NOT NULL,
  dietary text[] NOT NULL,
  spice_level integer NOT NULL,
  tags text[] NOT NULL,
  price_cents bigint NOT NULL,
  is_available boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX menu_item_branch ON menu_item (branch_id);
CREATE INDEX menu_item_product ON menu_item (product_id);

CREATE FUNCTION menu_item_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $fn$
  INSERT INTO menu_item (id, tenant_id, branch_id, product_id, category_id, category_name, category_sort, name,
    description, ingredients, allergens, may_contain, dietary, spice_level, tags, price_cents, is_available, updated_at)
  SELECT bp.id, bp.tenant_id, bp.branch_id, p.id, p.category_id, c.name, c.sort, p.name, p.description,
    p.ingredients, p.allergens, p.may_contain, p.dietary, p.spice_level, p.tags, bp.price_cents, bp.is_available,
    greatest(bp.updated_at, p.updated_at)
  FROM branch_product bp JOIN product p ON p.id = bp.product_id LEFT JOIN category c ON c.id = p.category_id
  WHERE bp.id = ANY(ids)
  ON CONFLICT (id) DO UPDATE SET
    tenant_id = EXCLUDED.tenant_id, branch_id = EXCLUDED.branch_id, product_id = EXCLUDED.product_id,
    category_id = EXCLUDED.category_id, category_name = EXCLUDED.category_name,
    category_sort = EXCLUDED.category_sort, name = EXCLUDED.name, description = EXCLUDED.description,
    ingredients = EXCLUDED.ingredients, allergens = EXCLUDED.allergens, may_contain = EXCLUDED.may_contain,
    dietary = EXCLUDED.dietary, spice_level = EXCLUDED.spice_level, tags = EXCLUDED.tags,
    price_cents = EXCLUDED.price_cents, is_available = EXCLUDED.is_available, updated_at = EXCLUDED.updated_at
$fn$;

CREATE FUNCTION menu_item_follow() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'branch_product' THEN
    IF TG_OP = 'DELETE' THEN
      DELETE FROM menu_item WHERE id = OLD.id;
    ELSE
      PERFORM menu_item_refresh(ARRAY[NEW.id]);
    END IF;
  ELSIF TG_TABLE_NAME = 'product' THEN
    PERFORM menu_item_refresh(ARRAY(SELECT id FROM branch_product WHERE product_id = NEW.id));
  ELSE
    PERFORM menu_item_refresh(ARRAY(
      SELECT bp.id FROM branch_product bp JOIN product p ON p.id = bp.product_id WHERE p.category_id = NEW.id));
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER menu_item_follow AFTER INSERT OR UPDATE OR DELETE ON branch_product
  FOR EACH ROW EXECUTE FUNCTION menu_item_follow();
CREATE TRIGGER menu_item_follow AFTER UPDATE ON product FOR EACH ROW EXECUTE FUNCTION menu_item_follow();
CREATE TRIGGER menu_item_follow AFTER UPDATE ON category FOR EACH ROW EXECUTE FUNCTION menu_item_follow();
SELECT menu_item_refresh(ARRAY(SELECT id FROM branch_product));

${CAPTURED_TABLES.map(
  (t) =>
    `CREATE TRIGGER change_log_lock BEFORE INSERT OR UPDATE OR DELETE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION change_log_lock();
CREATE TRIGGER change_log_capture AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION change_log_capture();`,
).join('\n')}
`;
