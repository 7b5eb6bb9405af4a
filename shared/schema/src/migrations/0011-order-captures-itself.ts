/**
 * The order path records its own changes, and writes two fewer index entries per row.
 *
 * Measured with pgbench calling comanda_round_submit (5 items, waiter: 8 captured rows) at 8 and 32
 * clients, about a quarter of PostgreSQL's CPU went to the capture: 8 deferred trigger calls at
 * COMMIT, each a PL/pgSQL call with its own INSERT (executor start, 3 index inserts). Now:
 *
 * - comanda_round_submit captures the rows it writes itself, as its last statement: one INSERT of
 *   the round, its items and its events into change_log, with the same position, numbering, row
 *   text (the row as RETURNING gives it, which is the row as stored, as NEW is in the trigger)
 *   and order (round, items in the order they were inserted, events) as the trigger gives. While
 *   it runs, `comanda.capture = self` tells the capture triggers of those three tables to leave its
 *   rows alone (a WHEN clause: no trigger event is even queued); it is set back before it returns,
 *   so anything else the transaction writes is captured as before and numbered after. The position
 *   is drawn at the function's end, and the server sends COMMIT in the same write, so a position is
 *   held about as briefly as when the trigger drew it at COMMIT.
 *   tests/server/round-submit-fast.db.test.ts compares the captured changes with the trigger's.
 * - The btree on change_log.created_at (only the hourly trim reads it) becomes a BRIN index: one
 *   summary per range of pages instead of one entry per row, on a column that grows with the log.
 * - round_item.session_id loses its foreign key: it is a copy of the item's round's session (both
 *   order paths copy it from the session row they hold locked), and round_item.round_id -> round,
 *   round.session_id -> table_session keep the chain. It ran one more query per item.
 */
export const orderCapturesItself = `
DO $do$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['round', 'round_item', 'event'] LOOP
    EXECUTE format('DROP TRIGGER change_log_capture ON %I', tbl);
    EXECUTE format(
      'CREATE CONSTRAINT TRIGGER change_log_capture AFTER INSERT OR UPDATE OR DELETE ON %I
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
         WHEN (current_setting(''comanda.capture'', true) IS DISTINCT FROM ''self'')
         EXECUTE FUNCTION change_log_capture(''t'', ''t'')',
      tbl);
  END LOOP;
END
$do$;

DROP INDEX change_log_created;
CREATE INDEX change_log_created ON change_log USING brin (created_at);

ALTER TABLE round_item DROP CONSTRAINT IF EXISTS round_item_session_id_fkey;

CREATE OR REPLACE FUNCTION comanda_round_submit(
  p_mutation uuid, p_tenant uuid, p_user uuid, p_diner uuid, p_diner_session uuid,
  p_branches uuid[], p_session uuid, p_round uuid, p_items jsonb, p_status text,
  p_audit uuid, p_events uuid[], p_args jsonb
) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  s record;
  n integer;
  by_name text;
  item_count integer := jsonb_array_length(p_items);
  priced integer;
  total bigint;
  payload jsonb;
  result jsonb;
  actor uuid := coalesce(p_user, p_diner);
  kind text := CASE WHEN p_user IS NULL THEN 'diner' ELSE 'staff' END;
  -- The written rows as text, in the order they were written, and their tables.
  written text[];
  tables text[];
  row_text text;
  item_rows text[];
  pos bigint;
  op integer;
BEGIN
  PERFORM set_config('comanda.capture', 'self', true);
  SELECT ts.id, ts.status, ts.tenant_id, ts.branch_id, ts.table_id, t.code INTO s
    FROM table_session ts JOIN dining_table t ON t.id = ts.table_id
    WHERE ts.id = p_session AND ts.tenant_id = p_tenant FOR UPDATE OF ts;
  IF NOT FOUND OR s.status <> 'OPEN' OR NOT (s.branch_id = ANY (p_branches))
     OR (p_diner IS NOT NULL AND p_diner_session IS DISTINCT FROM s.id) THEN
    RAISE EXCEPTION 'round.submit: not the common case' USING ERRCODE = 'CMF01';
  END IF;
  IF EXISTS (SELECT 1 FROM dining_check WHERE session_id = s.id) THEN
    RAISE EXCEPTION 'round.submit: the check was asked for' USING ERRCODE = 'CMF01';
  END IF;
  SELECT coalesce(max(number), 0) + 1 INTO n FROM round WHERE session_id = s.id;
  IF p_user IS NOT NULL THEN
    SELECT u.name INTO by_name FROM app_user u WHERE u.id = p_user AND u.tenant_id = p_tenant;
  END IF;
  INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status, submitted_by_user_id,
      submitted_by_diner_id, confirmed_at)
    VALUES (p_round, s.tenant_id, s.branch_id, s.id, s.table_id, n, p_status, p_user, p_diner,
      CASE WHEN p_status = 'IN_KITCHEN' THEN now() END)
    RETURNING round::text INTO row_text;
  written := ARRAY[row_text];
  -- Each item priced from the branch's offer now; an item whose product is not on sale there, or
  -- whose diner is not at this table, is left out, and the count below sends the order to round.ts.
  WITH ins AS (
    INSERT INTO round_item (id, tenant_id, branch_id, round_id, session_id, product_id, product_name, qty,
        unit_price_cents, notes, diner_id, round_status)
      SELECT x.id, s.tenant_id, s.branch_id, p_round, s.id, x."productId", p.name, x.qty, bp.price_cents,
        x.notes, coalesce(x."dinerId", p_diner), p_status
      FROM jsonb_to_recordset(p_items) AS x(id uuid, "productId" uuid, qty integer, notes text, "dinerId" uuid)
      JOIN product p ON p.id = x."productId" AND p.tenant_id = p_tenant
      JOIN branch_product bp ON bp.product_id = p.id AND bp.branch_id = s.branch_id AND bp.is_available
      LEFT JOIN diner d ON d.id = coalesce(x."dinerId", p_diner) AND d.session_id = s.id
      WHERE coalesce(x."dinerId", p_diner) IS NULL OR d.id IS NOT NULL
      RETURNING qty, unit_price_cents, round_item::text AS row_text
  )
  -- array_agg over the CTE keeps the order RETURNING gave, which is the order of insertion.
  SELECT count(*), coalesce(sum(qty * unit_price_cents), 0), array_agg(ins.row_text)
    INTO priced, total, item_rows FROM ins;
  IF priced <> item_count THEN
    RAISE EXCEPTION 'round.submit: an item needs a closer look' USING ERRCODE = 'CMF01';
  END IF;
  written := written || item_rows;
  payload := jsonb_build_object('tableCode', s.code, 'number', n, 'status', p_status,
    'itemCount', item_count, 'totalCents', total, 'by', kind)
    || CASE WHEN by_name IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('byName', by_name) END;
  INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
    VALUES (p_events[1], s.tenant_id, s.branch_id, 'ROUND_SUBMITTED', 'round', p_round, s.id, s.table_id, kind, actor, payload)
    RETURNING event::text INTO row_text;
  written := written || row_text;
  IF p_status = 'IN_KITCHEN' THEN
    INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
      VALUES (p_events[2], s.tenant_id, s.branch_id, 'ROUND_IN_KITCHEN', 'round', p_round, s.id, s.table_id, kind, actor,
        payload || '{"confirmedOnSubmit": true}')
      RETURNING event::text INTO row_text;
    written := written || row_text;
  END IF;
  result := jsonb_build_object('id', p_mutation::text, 'status', 'applied', 'txid', pg_current_xact_id()::xid::text);
  INSERT INTO applied_mutation (id, tenant_id, actor_id, name, result)
    VALUES (p_mutation, p_tenant, actor, 'round.submit', result);
  INSERT INTO audit_log (id, tenant_id, branch_id, actor_kind, actor_id, mutation_id, action, status, args)
    VALUES (p_audit, p_tenant, s.branch_id, kind, actor, p_mutation, 'round.submit', 'applied', p_args);
  -- The changes, as change_log_capture (migration 0010) records them: the transaction's position
  -- (drawn now, or the one an earlier captured write of this transaction drew) and the next ops.
  tables := ARRAY['round'] || array_fill('round_item'::text, ARRAY[item_count])
    || array_fill('event'::text, ARRAY[cardinality(written) - 1 - item_count]);
  pos := nullif(current_setting('comanda.tx_pos', true), '')::bigint;
  IF pos IS NULL THEN
    pos := nextval('change_log_pos');
    op := 0;
    PERFORM set_config('comanda.tx_pos', pos::text, true);
  ELSE
    op := current_setting('comanda.tx_op')::integer + 1;
  END IF;
  INSERT INTO change_log (pos, op, xid, tbl, kind, tenant_id, branch_id, new_row)
    SELECT pos, op + (c.o - 1)::integer, (pg_current_xact_id()::xid::text)::bigint, c.tbl, 'insert',
      s.tenant_id, s.branch_id, c.r
    FROM unnest(tables, written) WITH ORDINALITY AS c(tbl, r, o);
  PERFORM set_config('comanda.tx_op', (op + cardinality(written) - 1)::text, true);
  IF op = 0 AND coalesce(current_setting('comanda.notify', true), '') <> 'off' THEN
    PERFORM pg_notify('comanda_change', pos::text);
  END IF;
  PERFORM set_config('comanda.capture', '', true);
  RETURN result;
END
$fn$;
`;
