/** Transaction ids recently seen in shape streams, per table: an answer may arrive after its rows. */

const KEEP = 20_000;

/** A bounded memory of which tables have shown which transaction ids. */
export class TxidLog {
  readonly #seen = new Map<string, Set<string>>();

  add(table: string, txids: string[]): void {
    for (const t of txids) {
      let tables = this.#seen.get(t);
      if (!tables) this.#seen.set(t, (tables = new Set()));
      tables.add(table);
    }
    // Oldest first in a Map: forget the oldest beyond the bound.
    for (const key of this.#seen.keys()) {
      if (this.#seen.size <= KEEP) break;
      this.#seen.delete(key);
    }
  }

  tablesOf(txid: string): string[] {
    return [...(this.#seen.get(txid) ?? [])];
  }
}
