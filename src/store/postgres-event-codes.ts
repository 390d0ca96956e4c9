/**
 * Event codes as numbers (events.event_code is a smallint since schema version 7): 2 bytes a row
 * instead of the code's text. `event_codes` maps each number to its code; any code a store is given
 * gets a number the first time (not only the model's: the store does not judge codes, ingest
 * does). Every node keeps the map in memory and reads it again when it meets a number it does not
 * know, which another node added.
 */
import type pg from "pg";

export class EventCodes {
  private readonly numbers = new Map<string, number>();
  private readonly names = new Map<number, string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
  ) {}

  /** Gives every code in `codes` a number (in a short transaction of its own, committed whatever the caller's does). */
  async register(codes: Iterable<string>): Promise<void> {
    const unknown = new Set<string>();
    for (const code of codes) if (!this.numbers.has(code)) unknown.add(code);
    if (unknown.size === 0) return;
    await this.transaction(async (client) => {
      // One registrar at a time, so that two nodes never pick the same number; readers are not blocked.
      await client.query("LOCK TABLE event_codes IN EXCLUSIVE MODE");
      await client.query(
        `INSERT INTO event_codes (code, name)
         SELECT (SELECT coalesce(max(code), 0) FROM event_codes) + row_number() OVER (), u.new_name
         FROM unnest($1::text[]) AS u (new_name) WHERE NOT EXISTS (SELECT 1 FROM event_codes c WHERE c.name = u.new_name)`,
        [[...unknown]],
      );
    });
    await this.load();
  }

  /** Whether `code` has a number this node knows. */
  known(code: string): boolean {
    return this.numbers.has(code);
  }

  /** The number of a registered code. */
  number(code: string): number {
    const n = this.numbers.get(code);
    if (n === undefined) throw new Error(`store: event code ${code} was not registered`);
    return n;
  }

  /** Reads the map again if any of `numbers` is not in it yet. */
  async know(numbers: Iterable<number | null>): Promise<void> {
    for (const n of numbers) {
      if (n !== null && !this.names.has(n)) return this.load();
    }
  }

  /** The code a number stands for (after `know`). */
  name(n: number): string {
    const name = this.names.get(n);
    if (name === undefined) throw new Error(`store: no event code numbered ${n}`);
    return name;
  }

  private async load(): Promise<void> {
    const { rows } = await this.pool.query<{ code: number; name: string }>("SELECT code, name FROM event_codes");
    for (const { code, name } of rows) {
      this.numbers.set(name, code);
      this.names.set(code, name);
    }
  }
}
