/**
 * How the SQLite store keeps an event's fields small (schema version 5; docs/performance.md,
 * "Bytes per event") and how every query reads them back:
 *
 * - event_id: a canonical UUID (lowercase, hyphenated, as liftlog mints them) as its 16 bytes;
 *   any other ID the API accepts as the text it was given, so every ID reads back exactly.
 * - code_pk: the event code's row in `strings`.
 * - message, message_pk: the message as text, or (once it has repeated) its row in `strings`.
 * - resource_id: NULL when it is the fleet's own ID.
 */
import type Database from "better-sqlite3";

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The value stored for an event ID (and looked up by). */
export function storedEventId(id: string): Buffer | string {
  return id.length === 36 && CANONICAL_UUID.test(id) ? Buffer.from(id.replace(/-/g, ""), "hex") : id;
}

/** The event ID a stored value stands for: blobs are only ever canonical UUIDs. */
export function eventIdText(stored: Buffer | string): string {
  if (typeof stored === "string") return stored;
  const hex = stored.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * An event's columns as the store's queries (and bench/floor-server.ts) select them, from events `e`
 * joined to its fleet `f`. The strings lookups run only for the rows returned.
 */
export const EVENT_COLUMNS = `e.seq, e.event_id, f.fleet_id, coalesce(e.resource_id, f.fleet_id) AS resource_id,
  (SELECT text FROM strings WHERE pk = e.code_pk) AS event_code,
  coalesce(e.message, (SELECT text FROM strings WHERE pk = e.message_pk)) AS message,
  e.event_time_ms, e.count, e.has_log`;

/** Kept in memory at most: beyond it, messages that repeat stay text (codes are always interned). */
const MAX_CACHED = 20_000;

/**
 * The `strings` table as the writer uses it: text to row, cached. Rows are only ever added, so a
 * cached row stays right; rows added inside a transaction are cached only once it commits.
 */
export class StringTable {
  private readonly committed = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  /** Messages seen once lately: the second sighting interns one. */
  private readonly seenOnce = new Set<string>();
  private readonly insert: Database.Statement<[string]>;
  private readonly select: Database.Statement<[string], { pk: number }>;

  constructor(db: Database.Database) {
    this.insert = db.prepare("INSERT OR IGNORE INTO strings (text) VALUES (?)");
    this.select = db.prepare("SELECT pk FROM strings WHERE text = ?");
  }

  private cached(text: string): number | undefined {
    return this.committed.get(text) ?? this.pending.get(text);
  }

  /** The row of `text`, added if missing (inside the caller's write transaction). */
  intern(text: string): number {
    let pk = this.cached(text);
    if (pk === undefined) {
      this.insert.run(text);
      pk = this.select.get(text)!.pk;
      this.pending.set(text, pk);
    }
    return pk;
  }

  /** The row of `text` if it has one; nothing is added. */
  find(text: string): number | undefined {
    return this.cached(text) ?? this.select.get(text)?.pk;
  }

  /** The row to store a message as, or undefined to store its text: only messages that repeat get one. */
  message(text: string): number | undefined {
    const pk = this.cached(text);
    if (pk !== undefined) return pk;
    if (this.seenOnce.has(text)) return this.committed.size + this.pending.size < MAX_CACHED ? this.intern(text) : undefined;
    if (this.seenOnce.size >= MAX_CACHED) this.seenOnce.clear();
    this.seenOnce.add(text);
    return undefined;
  }

  /** The write transaction committed: its rows are real. */
  commit(): void {
    for (const [text, pk] of this.pending) this.committed.set(text, pk);
    this.pending.clear();
  }

  /** The write transaction rolled back: its rows never existed. */
  rollback(): void {
    this.pending.clear();
  }
}
