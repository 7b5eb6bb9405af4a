/**
 * round.submit in one round trip: the order path's common case as one PL/pgSQL function, called
 * with BEGIN and COMMIT in a single write (server/src/mutations/round-submit-fast.ts).
 *
 * The server's round.submit (server/src/mutations/round.ts) needs two round trips to PostgreSQL:
 * lock the session and read the offer, then write. On this 2-core machine each round trip costs
 * more than the statements themselves (system calls on both ends, a wake-up of each process), so
 * the function does the same reads and writes inside PostgreSQL: it locks the session, then reads
 * with fresh snapshots (READ COMMITTED gives each statement of a volatile function its own, as
 * separate statements from the server get), exactly as round.ts does.
 *
 * It does only what needs no decision with an answer for a person: when anything is not plainly
 * fine (no such session, closed, not the caller's branch or session, a product not on sale, a
 * diner not at the table, two items with one id, a check already asked for), it raises SQLSTATE
 * CMF01 and changes nothing; the server then runs round.ts, which finds the same thing and
 * answers with the rejection and its reason (or, for the check, grows it). Both paths write the
 * same rows: tests/server/round-submit-fast.db.test.ts compares them.
 */
export const roundSubmitFunction = `
CREATE FUNCTION comanda_round_submit(
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
BEGIN
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
      CASE WHEN p_status = 'IN_KITCHEN' THEN now() END);
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
      RETURNING qty, unit_price_cents
  )
  SELECT count(*), coalesce(sum(qty * unit_price_cents), 0) INTO priced, total FROM ins;
  IF priced <> item_count THEN
    RAISE EXCEPTION 'round.submit: an item needs a closer look' USING ERRCODE = 'CMF01';
  END IF;
  payload := jsonb_build_object('tableCode', s.code, 'number', n, 'status', p_status,
    'itemCount', item_count, 'totalCents', total, 'by', kind)
    || CASE WHEN by_name IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('byName', by_name) END;
  INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
    VALUES (p_events[1], s.tenant_id, s.branch_id, 'ROUND_SUBMITTED', 'round', p_round, s.id, s.table_id, kind, actor, payload);
  IF p_status = 'IN_KITCHEN' THEN
    INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
      VALUES (p_events[2], s.tenant_id, s.branch_id, 'ROUND_IN_KITCHEN', 'round', p_round, s.id, s.table_id, kind, actor,
        payload || '{"confirmedOnSubmit": true}');
  END IF;
  result := jsonb_build_object('id', p_mutation::text, 'status', 'applied', 'txid', pg_current_xact_id()::xid::text);
  INSERT INTO applied_mutation (id, tenant_id, actor_id, name, result)
    VALUES (p_mutation, p_tenant, actor, 'round.submit', result);
  INSERT INTO audit_log (id, tenant_id, branch_id, actor_kind, actor_id, mutation_id, action, status, args)
    VALUES (p_audit, p_tenant, s.branch_id, kind, actor, p_mutation, 'round.submit', 'applied', p_args);
  RETURN result;
END
$fn$;
`;
