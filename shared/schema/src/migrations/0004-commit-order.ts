/**
 * Commit order with a short lock (replaces how 0002-change-log takes it), and a cheaper capture.
 *
 * Until now every writing transaction held the commit-order lock from its first statement to its
 * COMMIT, network round trips and the server's own work included, so writers ran one at a time.
 * Now the change capture is a DEFERRABLE INITIALLY DEFERRED constraint trigger: PostgreSQL runs
 * it at COMMIT, for each captured row in the order the rows were written. The first one takes the
 * same transaction-level lock and draws the transaction's position, the rest follow, the commit
 * becomes visible, the lock goes. Positions still become visible in increasing order (a reader
 * that sees N could already see every position below N), but the lock is held only for the
 * capture inserts and the commit itself, with no round trip to the client inside.
 *
 * No deadlock: a transaction holding the lock only inserts into change_log (fresh keys) and
 * notifies; it never waits for a row another writer holds. Transactions that write no captured
 * table never take the lock. `comanda.naive_change_log = on` still skips the lock (the concurrency
 * test's naive run).
 *
 * The capture also costs less: it reads tenant_id and branch_id directly (each trigger is told
 * which of the two its table has) instead of turning every row into jsonb, and converts each row
 * to text once (an update's row was converted twice).
 */
import { CAPTURED_TABLES } from './0002-change-log.ts';

export const commitOrder = `
CREATE OR REPLACE FUNCTION change_log_capture() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  p bigint := nullif(current_setting('comanda.tx_pos', true), '')::bigint;
  o integer;
  nt text;
  ot text;
  t uuid;
  b uuid;
BEGIN
  IF TG_OP <> 'DELETE' THEN nt := NEW::text; END IF;
  IF TG_OP <> 'INSERT' THEN ot := OLD::text; END IF;
  -- An update that changes nothing is not a change.
  IF TG_OP = 'UPDATE' AND nt = ot THEN
    RETURN NULL;
  END IF;
  IF p IS NULL THEN
    -- The first captured row of the transaction, at COMMIT: the commit-order lock.
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
  -- TG_ARGV: whether the table has tenant_id, and branch_id ('t' or 'f').
  IF TG_OP = 'DELETE' THEN
    IF TG_ARGV[0] = 't' THEN t := OLD.tenant_id; END IF;
    IF TG_ARGV[1] = 't' THEN b := OLD.branch_id; END IF;
  ELSE
    IF TG_ARGV[0] = 't' THEN t := NEW.tenant_id; END IF;
    IF TG_ARGV[1] = 't' THEN b := NEW.branch_id; END IF;
  END IF;
  INSERT INTO change_log (pos, op, xid, tbl, kind, tenant_id, branch_id, new_row, old_row)
  VALUES (p, o, (pg_current_xact_id()::xid::text)::bigint, TG_TABLE_NAME, lower(TG_OP), t, b, nt, ot);
  IF o = 0 THEN
    PERFORM pg_notify('comanda_change', p::text);
  END IF;
  RETURN NULL;
END
$fn$;

DO $do$
DECLARE
  tbl text;
  has_tenant boolean;
  has_branch boolean;
BEGIN
  FOREACH tbl IN ARRAY ARRAY[${CAPTURED_TABLES.map((t) => `'${t}'`).join(', ')}] LOOP
    SELECT bool_or(column_name = 'tenant_id'), bool_or(column_name = 'branch_id')
      INTO has_tenant, has_branch
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name = tbl;
    EXECUTE format('DROP TRIGGER change_log_lock ON %I', tbl);
    EXECUTE format('DROP TRIGGER change_log_capture ON %I', tbl);
    EXECUTE format(
      'CREATE CONSTRAINT TRIGGER change_log_capture AFTER INSERT OR UPDATE OR DELETE ON %I
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_log_capture(%L, %L)',
      tbl, CASE WHEN has_tenant THEN 't' ELSE 'f' END, CASE WHEN has_branch THEN 't' ELSE 'f' END);
  END LOOP;
END
$do$;
DROP FUNCTION change_log_lock();
`;
