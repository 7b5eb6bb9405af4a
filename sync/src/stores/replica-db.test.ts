import { describe, expect, it } from 'vitest';
import { mayWrite } from './replica-db.ts';

const enc = new TextEncoder();
/** A frontend wire message: kind byte, int32 length, body. */
function msg(kind: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = kind.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}
const cstr = (s: string) => enc.encode(`${s}\0`);
const parse = (sql: string) => msg('P', new Uint8Array([...cstr(''), ...cstr(sql), 0, 0]));
const simple = (sql: string) => msg('Q', cstr(sql));

// Which statements make the replica flush to IndexedDB: a write that skipped its flush could be lost.
describe('ReplicaDb: which wire messages may write', () => {
  it('counts reads and transaction control as reads', () => {
    expect(mayWrite(parse('SELECT * FROM round WHERE status = $1'))).toBe(false);
    expect(mayWrite(parse('  select count(*) from comanda.outbox'))).toBe(false);
    expect(mayWrite(simple('BEGIN'))).toBe(false);
    expect(mayWrite(simple('ROLLBACK'))).toBe(false);
    for (const k of ['B', 'D', 'E', 'S']) expect(mayWrite(msg(k, new Uint8Array([0])))).toBe(false);
  });
  it('counts every write, and reads with side effects, as writes', () => {
    expect(mayWrite(parse('INSERT INTO comanda.outbox (id) VALUES ($1) RETURNING seq'))).toBe(true);
    expect(mayWrite(parse('DELETE FROM comanda.outbox WHERE id = $1 RETURNING name'))).toBe(true);
    expect(mayWrite(parse('WITH d AS (DELETE FROM x RETURNING 1) SELECT * FROM d'))).toBe(true);
    expect(mayWrite(simple('COMMIT'))).toBe(true);
    expect(mayWrite(simple('CREATE TABLE t (a int)'))).toBe(true);
    expect(mayWrite(parse("SELECT nextval('s')"))).toBe(true);
    expect(mayWrite(parse('SELECT * INTO t2 FROM t'))).toBe(true);
    expect(mayWrite(msg('F', new Uint8Array([0])))).toBe(true);
  });
});
