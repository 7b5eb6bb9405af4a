/**
 * Commit order without a lock held through the commit (replaces how 0004 keeps positions in order).
 *
 * 0004's capture took a transaction-level advisory lock at COMMIT, before drawing the transaction's
 * position, so positions became visible in increasing order. That lock is held until the commit is
 * over, WAL flush included: every writing transaction of the restaurant waited for the flush of the
 * one before, and at 32 concurrent orders about an eighth of the CPU sat idle (bench write-path).
 * NOTIFY does the same with PostgreSQL's own notify lock.
 *
 * Now the capture draws the position without a lock, and the server's change feed keeps the order
 * itself (server/src/shapes/change-feed.ts): it reads the log together with the reading statement's
 * snapshot and never passes a missing position while a transaction that was running when it was
 * first seen missing is still running (that transaction may have drawn it, and make it visible
 * later); once they have all ended, a position still missing belongs to a transaction that rolled
 * back, and is passed. Shape snapshots are served only when the positions they see have no such gap
 * (server/src/shapes/shape-server.ts). Electric does the same with `pg_snapshot_xmin`.
 *
 * NOTIFY: a connection that sets `comanda.notify = off` (the server's own pool, which wakes its change
 * feed in-process after each commit) does not notify; every other writer (psql, scripts, another
 * process) still does. `comanda.naive_change_log = on` is now read by the change feed, which then
 * trusts position order as it comes (the concurrency test's naive run).
 */
export const commitOrderWithoutLock = `
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
    -- The first captured row of the transaction, at COMMIT: its position.
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
  IF o = 0 AND coalesce(current_setting('comanda.notify', true), '') <> 'off' THEN
    PERFORM pg_notify('comanda_change', p::text);
  END IF;
  RETURN NULL;
END
$fn$;
`;
