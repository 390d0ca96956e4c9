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
import { canonicalUuidInto, hyphenatedUuid } from "./event-ids.js";
import type { StoredEvent } from "./types.js";

/** Reused for every conversion: better-sqlite3 copies a bound blob, so no Buffer per event is needed. */
const idBytes = Buffer.alloc(16);

/** The value stored for an event ID (and looked up by); a UUID's bytes are valid until the next call. */
export function storedEventId(id: string): Buffer | string {
  return canonicalUuidInto(id, idBytes) ? idBytes : id;
}

/** The event ID from the SQL literal quote() made of the stored value: X'<32 hex digits>' or '<text>'. */
function eventIdOf(quoted: string): string {
  if (quoted.charCodeAt(0) !== 88 /* X */) return quoted.slice(1, -1).replaceAll("''", "'");
  return hyphenatedUuid(quoted.slice(2, 34).toLowerCase());
}

/**
 * An event's columns as the store's queries (and bench/floor-server.ts) select them, from events `e`
 * joined to its fleet `f`; decodeEvent turns them into the event. Measured on pages of 101 events:
 * the event ID comes out as one SQL literal (quote()) for either kind (a Buffer per row, or
 * typeof() and hex() per row, cost more), and strings are resolved from memory (a lookup per row in
 * SQL made pages about 40% slower).
 */
export const EVENT_COLUMNS = `e.seq, quote(e.event_id) AS event_id, f.fleet_id, e.resource_id, e.code_pk, e.message, e.message_pk,
  e.event_time_ms, e.count, e.has_log`;

export interface EventColumns {
  seq: number;
  /** The stored ID as an SQL literal. */
  event_id: string;
  fleet_id: string;
  resource_id: string | null;
  code_pk: number;
  message: string | null;
  message_pk: number | null;
  event_time_ms: number;
  count: number;
  has_log: number;
}

export function decodeEvent(row: EventColumns, strings: StringTable): StoredEvent {
  const { seq, event_id, fleet_id, resource_id, code_pk, message, message_pk, event_time_ms, count, has_log } = row;
  return eventFromColumns(seq, event_id, fleet_id, resource_id, code_pk, message, message_pk, event_time_ms, count, has_log, strings);
}

/** An event from its columns, however the row was read (decodeEvent, decodePageRow). */
function eventFromColumns(
  seq: number,
  quotedId: string,
  fleetId: string,
  resourceId: string | null,
  codePk: number,
  message: string | null,
  messagePk: number | null,
  eventTimeMs: number,
  count: number,
  hasLog: number,
  strings: StringTable,
): StoredEvent {
  return {
    seq,
    eventId: eventIdOf(quotedId),
    fleetId,
    resourceId: resourceId ?? fleetId,
    eventCode: strings.text(codePk),
    message: message ?? strings.text(messagePk!),
    eventTimeMs,
    count,
    hasLog: hasLog === 1,
  };
}

/**
 * A page's columns (queryEvents), read as arrays (better-sqlite3's raw mode) and without the
 * fleet's ID, which the query names: on pages of 101 events, rows as objects cost about 60% more
 * CPU than the same rows as arrays, and the fleet ID a string more per row.
 */
export const PAGE_COLUMNS =
  "e.seq, quote(e.event_id), e.resource_id, e.code_pk, e.message, e.message_pk, e.event_time_ms, e.count, e.has_log";

export type PageRow = [
  seq: number,
  eventId: string,
  resourceId: string | null,
  codePk: number,
  message: string | null,
  messagePk: number | null,
  eventTimeMs: number,
  count: number,
  hasLog: number,
];

export function decodePageRow(row: PageRow, fleetId: string, strings: StringTable): StoredEvent {
  const [seq, quotedId, resourceId, codePk, message, messagePk, eventTimeMs, count, hasLog] = row;
  return eventFromColumns(seq, quotedId, fleetId, resourceId, codePk, message, messagePk, eventTimeMs, count, hasLog, strings);
}

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
  private readonly texts = new Map<number, string>();
  private insert?: Database.Statement<[string]>;
  private readonly select: Database.Statement<[string], { pk: number }>;
  private readonly selectText: Database.Statement<[number], { text: string }>;

  /** `db` may be read-only for a reader that only calls text(). */
  constructor(private readonly db: Database.Database) {
    this.select = db.prepare("SELECT pk FROM strings WHERE text = ?");
    this.selectText = db.prepare("SELECT text FROM strings WHERE pk = ?");
  }

  /** The text of a row, cached: rows never change (one read while this writer has rows pending is not cached). */
  text(pk: number): string {
    let text = this.texts.get(pk);
    if (text === undefined) {
      text = this.selectText.get(pk)!.text;
      if (this.texts.size >= MAX_CACHED) this.texts.clear();
      if (this.pending.size === 0) this.texts.set(pk, text);
    }
    return text;
  }

  private cached(text: string): number | undefined {
    return this.committed.get(text) ?? this.pending.get(text);
  }

  /** The row of `text`, added if missing (inside the caller's write transaction). */
  intern(text: string): number {
    let pk = this.cached(text);
    if (pk === undefined) {
      this.insert ??= this.db.prepare("INSERT OR IGNORE INTO strings (text) VALUES (?)");
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
