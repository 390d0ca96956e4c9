/**
 * The embedded default store: SQLite through better-sqlite3, in WAL mode with synchronous=FULL so
 * an acknowledged write survives a crash of the process (and of the machine).
 *
 * Pages are keyset range scans on events(fleet_pk, event_time_ms) (each index entry ends with the
 * row's sequence number): the first page and a page a million events deep cost the same. Logs live
 * in their own table so that scans stay narrow; events are kept compact (sqlite-encoding.ts).
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { sqliteMigrations } from "./migrations/sqlite.js";
import { firstOccurrences, landedEvents, planCoalesced } from "./coalesce.js";
import {
  deliveryColumns,
  DELIVERY_JOINS,
  filterOf,
  matchDeliveries,
  matcher,
  toDelivery,
  toSubscription,
  withBacklog,
  type DeliveryColumns,
  type SubscriptionColumns,
} from "./subscriptions.js";
import type {
  AppendedEvent,
  AppendOptions,
  AppendPosition,
  Cursor,
  Delivery,
  DeliveryFailure,
  DueClaim,
  EventQuery,
  FeedQuery,
  FleetQuery,
  FleetRecord,
  NewEvent,
  ResourceRecord,
  Scope,
  Store,
  StoredEvent,
  SubscriptionRecord,
  SubscriptionSummary,
} from "./types.js";
import { storedEvent } from "./types.js";
import { checkStorable } from "./text.js";
import { StaleFleet } from "./conflicts.js";
import { backstopPages, Checkpointer } from "./sqlite-checkpointer.js";
import {
  decodeEvent,
  decodePageRow,
  EVENT_COLUMNS,
  PAGE_COLUMNS,
  StringTable,
  storedEventId,
  type EventColumns,
  type PageRow,
} from "./sqlite-encoding.js";

const DELIVERY_COLUMNS = deliveryColumns(EVENT_COLUMNS);

type SubscriptionRow = SubscriptionColumns & { filter: string; pending: number; parked: number };

interface FleetRow {
  pk: number;
  account_id: string;
  region: string;
  fleet_id: string;
  fleet_arn: string;
  name: string;
  kind: "simulated" | "external";
  status: string;
  creation_time_ms: number;
  termination_time_ms: number | null;
  deleted: number;
  attributes: string;
  state: string | null;
  next_due_ms: number | null;
  version: number;
}

type EventRow = EventColumns;

/** Bytes per database page for a new file (SQLite's default is 4,096). */
const PAGE_SIZE = 16_384;

/**
 * What the event ID index (events_event_id, schema version 6) holds of a stored ID: the first 8
 * bytes of a UUID, any other ID whole. A lookup by ID must name exactly this expression for SQLite
 * to use the index, then compare the whole ID.
 */
const idKey = (id: string) => `CASE WHEN typeof(${id}) = 'blob' THEN substr(${id}, 1, 8) ELSE ${id} END`;

/**
 * A write's new event IDs as the event ID index sees them: whether they ascend, in the order
 * inserted, as UUIDs (liftlog's own IDs do: their 8 bytes count up), and from which key to which.
 * When they do and no older event has a key in that range, none of them can repeat an ID, and the
 * write skips the check for reused IDs (about 1 µs per event).
 */
class NewIdKeys {
  readonly first = Buffer.alloc(8);
  readonly last = Buffer.alloc(8);
  private count = 0;
  private ascending = true;

  begin(): void {
    this.count = 0;
    this.ascending = true;
  }

  /** The next inserted ID, as stored. */
  see(id: Buffer | string): void {
    if (!this.ascending) return;
    if (typeof id === "string" || (this.count > 0 && !this.after(id))) {
      this.ascending = false;
      return;
    }
    // Byte by byte: Buffer.copy costs five times as much for 8 bytes.
    for (let i = 0; i < 8; i++) this.last[i] = id[i]!;
    if (this.count++ === 0) for (let i = 0; i < 8; i++) this.first[i] = id[i]!;
  }

  /** Whether no ID was inserted. */
  get none(): boolean {
    return this.count === 0 && this.ascending;
  }

  /** Whether the range [first, last] covers every new ID, distinct; false when any is text or out of order. */
  get ranged(): boolean {
    return this.ascending && this.count > 0;
  }

  private after(id: Buffer): boolean {
    for (let i = 0; i < 8; i++) if (id[i] !== this.last[i]) return id[i]! > this.last[i]!;
    return false;
  }
}

/**
 * The order to store a batch that names several fleets in: each fleet's events together, fleets
 * in the order they first appear, each fleet's events in the order given (which breaks its ties).
 * Rows lie in sequence-number order, so a page of one fleet's log then reads a few table pages
 * instead of one per row. Undefined when the batch names one fleet.
 */
function groupedByFleet(events: NewEvent[]): number[] | undefined {
  const first = events[0]?.fleetId;
  let i = 1;
  while (i < events.length && events[i]!.fleetId === first) i++;
  if (i >= events.length) return undefined;
  const groups = new Map<string, number[]>();
  for (let j = 0; j < events.length; j++) {
    const fleetId = events[j]!.fleetId;
    const group = groups.get(fleetId);
    if (group) group.push(j);
    else groups.set(fleetId, [j]);
  }
  return [...groups.values()].flat();
}

/** better-sqlite3's error for a broken UNIQUE constraint, which callers recognise (isUniqueViolation). */
const reusedEventId = () => new Database.SqliteError("UNIQUE constraint failed: events.event_id", "SQLITE_CONSTRAINT_UNIQUE");

function toFleet(row: FleetRow): FleetRecord {
  return {
    accountId: row.account_id,
    region: row.region,
    fleetId: row.fleet_id,
    fleetArn: row.fleet_arn,
    name: row.name,
    kind: row.kind,
    status: row.status,
    creationTimeMs: row.creation_time_ms,
    ...(row.termination_time_ms !== null ? { terminationTimeMs: row.termination_time_ms } : {}),
    deleted: row.deleted === 1,
    attributes: JSON.parse(row.attributes),
    ...(row.state !== null ? { state: JSON.parse(row.state) } : {}),
    ...(row.next_due_ms !== null ? { nextDueMs: row.next_due_ms } : {}),
    version: row.version,
  };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly strings: StringTable;
  private readonly newIds = new NewIdKeys();
  private readonly checkpointer: Checkpointer | undefined;

  private readonly toEvent = (row: EventRow): StoredEvent => decodeEvent(row, this.strings);

  private readonly toDelivery = (row: SqliteDeliveryColumns): Delivery => {
    const fields = decodeEvent(row, this.strings);
    const columns = {
      ...row,
      event_id: fields.eventId,
      resource_id: fields.resourceId,
      event_code: fields.eventCode,
      message: fields.message,
    };
    return toDelivery(columns, JSON.parse(row.filter));
  };

  /** `path` is a file, or ":memory:" for a throwaway store. */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("busy_timeout = 5000");
    // A new file gets pages of 16 KiB: a deep page of a fleet whose events lie among other fleets'
    // reads half as many pages from disk as with 4 KiB (docs/scale.md). It takes effect only
    // before the first table; a file that exists keeps its own size.
    this.db.pragma(`page_size = ${PAGE_SIZE}`);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    if (path !== ":memory:") {
      this.checkpointer = new Checkpointer(path);
      this.db.pragma(`wal_autocheckpoint = ${backstopPages(this.db.pragma("page_size", { simple: true }) as number)}`);
    }
    this.migrate();
    const db = this.db;
    this.strings = new StringTable(db);
    this.stmts = {
      fleetPk: db.prepare<[string, string, string], { pk: number }>(
        "SELECT pk FROM fleets WHERE account_id = ? AND region = ? AND fleet_id = ?",
      ),
      getFleet: db.prepare<[string, string, string], FleetRow>("SELECT * FROM fleets WHERE account_id = ? AND region = ? AND fleet_id = ?"),
      insertFleet: db.prepare(
        `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, termination_time_ms, deleted, attributes, state, next_due_ms)
         VALUES (@accountId, @region, @fleetId, @fleetArn, @name, @kind, @status, @creationTimeMs, @terminationTimeMs, @deleted, @attributes, @state, @nextDueMs)`,
      ),
      updateFleet: db.prepare(
        `UPDATE fleets SET name = @name, status = @status, termination_time_ms = @terminationTimeMs, deleted = @deleted, attributes = @attributes,
           state = @state, next_due_ms = @nextDueMs, version = version + 1
         WHERE account_id = @accountId AND region = @region AND fleet_id = @fleetId AND (@version IS NULL OR version = @version)`,
      ),
      releaseClaim: db.prepare(
        `UPDATE fleets SET claim_owner = NULL, claim_until_ms = NULL
         WHERE account_id = ? AND region = ? AND fleet_id = ? AND claim_owner = ?`,
      ),
      claimDue: db.prepare<[{ owner: string; until: number; dueBy: number; now: number; limit: number }], FleetRow>(
        `UPDATE fleets SET claim_owner = @owner, claim_until_ms = @until
         WHERE pk IN (SELECT pk FROM fleets
                      WHERE next_due_ms IS NOT NULL AND next_due_ms <= @dueBy
                        AND (claim_owner IS NULL OR claim_owner = @owner OR claim_until_ms < @now)
                      ORDER BY next_due_ms LIMIT @limit)
         RETURNING *`,
      ),
      nextDue: db.prepare<[], { due: number | null }>("SELECT min(next_due_ms) AS due FROM fleets WHERE next_due_ms IS NOT NULL"),
      appendHead: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'"),
      // data_version moves when another connection (another process) commits; total_changes counts
      // this connection's own row writes. No table is read: the check costs a statement step.
      changeMark: db.prepare<[], { v: number; c: number }>("SELECT data_version AS v, total_changes() AS c FROM pragma_data_version"),
      newestRepeat: db.prepare<[number, string | null, number, string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM fleets f CROSS JOIN events e
         WHERE f.pk = ? AND e.fleet_pk = f.pk AND e.resource_id IS ? AND e.code_pk = ?
           AND coalesce(e.message, (SELECT text FROM strings WHERE pk = e.message_pk)) = ?
           AND e.event_time_ms BETWEEN ? AND ?
         ORDER BY e.seq DESC LIMIT 1`,
      ),
      raiseCount: db.prepare("UPDATE events SET count = ? WHERE seq = ?"),
      putResource: db.prepare(
        `INSERT INTO resources (account_id, region, type, resource_id, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, type, resource_id) DO UPDATE SET body = excluded.body`,
      ),
      insertResource: db.prepare(
        `INSERT INTO resources (account_id, region, type, resource_id, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, type, resource_id) DO NOTHING`,
      ),
      // Bodies are stored as JSON.stringify wrote them, and a body read back and written again
      // gives the same text, so comparing text compares bodies.
      replaceResource: db.prepare(
        "UPDATE resources SET body = ? WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ? AND body = ?",
      ),
      getResource: db.prepare<[string, string, string, string], { body: string }>(
        "SELECT body FROM resources WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ?",
      ),
      listResources: db.prepare<
        [{ account: string; region: string; type: string; after: string | null; limit: number }],
        { resource_id: string; body: string }
      >(
        `SELECT resource_id, body FROM resources WHERE account_id = @account AND region = @region AND type = @type
           AND pk > COALESCE((SELECT pk FROM resources WHERE account_id = @account AND region = @region AND type = @type AND resource_id = @after),
                             CASE WHEN @after IS NULL THEN 0 ELSE 9223372036854775807 END)
         ORDER BY pk LIMIT @limit`,
      ),
      deleteResource: db.prepare(
        "DELETE FROM resources WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ? AND (? IS NULL OR body = ?)",
      ),
      readClock: db.prepare<[], { now_ms: number }>("SELECT now_ms FROM service_clock WHERE id = 1"),
      advanceClock: db.prepare(
        "INSERT INTO service_clock (id, now_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET now_ms = max(now_ms, excluded.now_ms)",
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (fleet_pk, event_time_ms, event_id, code_pk, message, message_pk, resource_id, count, has_log)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertLog: db.prepare("INSERT INTO event_logs (seq, log) VALUES (?, ?)"),
      getLog: db.prepare<[{ id: Buffer | string; account: string; region: string }], { fleet_id: string; log: string }>(
        `SELECT f.fleet_id, l.log FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN event_logs l ON l.seq = e.seq
         WHERE ${idKey("e.event_id")} = ${idKey("@id")} AND e.event_id = @id AND f.account_id = @account AND f.region = @region`,
      ),
      // An event stored before `seq` with an ID key in [first, last] (the index holds the sequence number).
      olderIdKeyIn: db.prepare<[Buffer, Buffer, number], { seq: number }>(
        `SELECT seq FROM events WHERE ${idKey("event_id")} BETWEEN ? AND ? AND seq <= ? LIMIT 1`,
      ),
      // An event appended after `seq` whose ID another event has too (the index is not unique).
      reusedId: db.prepare<[number], { seq: number }>(
        `SELECT n.seq FROM events n CROSS JOIN events o
         WHERE n.seq > ? AND ${idKey("o.event_id")} = ${idKey("n.event_id")} AND o.event_id = n.event_id AND o.seq <> n.seq LIMIT 1`,
      ),
      // Each fleet's keyset index, from its oldest event: no index on EventTime alone to keep up.
      deleteBefore: db.prepare(
        "DELETE FROM events WHERE seq IN (SELECT e.seq FROM fleets f CROSS JOIN events e WHERE e.fleet_pk = f.pk AND e.event_time_ms < ? LIMIT ?)",
      ),
      scopeSubscriptions: db.prepare<[string, string], { pk: number; filter: string }>(
        "SELECT pk, filter FROM subscriptions WHERE account_id = ? AND region = ?",
      ),
      insertDelivery: db.prepare("INSERT INTO deliveries (subscription_pk, fleet_pk, seq) VALUES (?, ?, ?)"),
      insertSubscription: db.prepare(
        `INSERT INTO subscriptions (subscription_id, account_id, region, url, filter, secret, created_ms)
         VALUES (@subscriptionId, @accountId, @region, @url, @filter, @secret, @createdMs)`,
      ),
      subscriptions: db.prepare<[{ id: string | null }], SubscriptionRow>(
        `SELECT s.*, (SELECT count(*) FROM deliveries d WHERE d.subscription_pk = s.pk AND d.parked = 0) AS pending,
                (SELECT count(*) FROM deliveries d WHERE d.subscription_pk = s.pk AND d.parked = 1) AS parked
         FROM subscriptions s WHERE @id IS NULL OR s.subscription_id = @id ORDER BY s.pk`,
      ),
      deleteSubscription: db.prepare("DELETE FROM subscriptions WHERE subscription_id = ?"),
      claimDeliveries: db.prepare<
        [{ owner: string; until: number; now: number; limit: number }],
        { pk: number; subscription_pk: number; fleet_pk: number; seq: number }
      >(
        `UPDATE deliveries SET claim_owner = @owner, claim_until_ms = @until
         WHERE pk IN (SELECT d.pk FROM deliveries d
                      WHERE d.parked = 0 AND d.next_attempt_ms <= @now AND (d.claim_owner IS NULL OR d.claim_until_ms < @now)
                        AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.subscription_pk = d.subscription_pk AND p.fleet_pk = d.fleet_pk
                                          AND p.parked = 0 AND p.seq < d.seq)
                      ORDER BY d.next_attempt_ms, d.pk LIMIT @limit)
         RETURNING pk, subscription_pk, fleet_pk, seq`,
      ),
      claimFollowers: db.prepare<
        [{ owner: string; until: number; now: number; s: number; f: number; seq: number; n: number }],
        { pk: number }
      >(
        `UPDATE deliveries SET claim_owner = @owner, claim_until_ms = @until
         WHERE pk IN (SELECT pk FROM deliveries WHERE subscription_pk = @s AND fleet_pk = @f AND parked = 0 AND seq > @seq
                        AND (claim_owner IS NULL OR claim_until_ms < @now) ORDER BY seq LIMIT @n)
         RETURNING pk`,
      ),
      waitLane: db.prepare(
        `UPDATE deliveries SET next_attempt_ms = CASE WHEN @park = 1 THEN next_attempt_ms ELSE max(next_attempt_ms, @next) END,
           claim_owner = CASE WHEN claim_owner = @owner THEN NULL ELSE claim_owner END,
           claim_until_ms = CASE WHEN claim_owner = @owner THEN NULL ELSE claim_until_ms END
         WHERE (subscription_pk, fleet_pk) = (SELECT subscription_pk, fleet_pk FROM deliveries WHERE pk = @id) AND parked = 0 AND pk <> @id`,
      ),
      release: db.prepare(
        "UPDATE deliveries SET claim_owner = NULL, claim_until_ms = NULL WHERE pk IN (SELECT value FROM json_each(?)) AND claim_owner = ?",
      ),
      deliveriesById: db.prepare<[string], SqliteDeliveryColumns>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries d ${DELIVERY_JOINS} WHERE d.pk IN (SELECT value FROM json_each(?))
         ORDER BY d.subscription_pk, d.fleet_pk, d.seq`,
      ),
      listDeliveries: db.prepare<[string, number, number, number], SqliteDeliveryColumns>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries d ${DELIVERY_JOINS}
         WHERE s.subscription_id = ? AND d.parked = ? AND d.pk > ? ORDER BY d.pk LIMIT ?`,
      ),
      completeDelivery: db.prepare("DELETE FROM deliveries WHERE pk = ? AND claim_owner = ?"),
      failDelivery: db.prepare(
        `UPDATE deliveries SET attempts = attempts + 1, parked = @park, next_attempt_ms = @next, last_error = @error,
           claim_owner = NULL, claim_until_ms = NULL
         WHERE pk = @id AND claim_owner = @owner`,
      ),
      redrive: db.prepare<[{ id: string; now: number; only: string | null }]>(
        `UPDATE deliveries SET parked = 0, attempts = 0, next_attempt_ms = @now, claim_owner = NULL, claim_until_ms = NULL
         WHERE parked = 1 AND subscription_pk = (SELECT pk FROM subscriptions WHERE subscription_id = @id)
           AND (@only IS NULL OR pk IN (SELECT value FROM json_each(@only)))`,
      ),
      backlog: db.prepare<[], { pending: number; parked: number }>(
        "SELECT coalesce(sum(parked = 0), 0) AS pending, coalesce(sum(parked = 1), 0) AS parked FROM deliveries",
      ),
      countDue: db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM fleets WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?"),
      getMeta: db.prepare<[string], { value: Buffer }>("SELECT value FROM meta WHERE key = ?"),
      putMetaIfAbsent: db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)"),
    };
  }

  /**
   * Applies pending versions in one write transaction, so two processes opening a new file cannot
   * both apply one. Foreign keys are off meanwhile (a rebuilt table must not cascade its drop into
   * logs and deliveries; the setting cannot change inside a transaction) and checked before commit.
   */
  private migrate(): void {
    const fileVersion = () => this.db.pragma("user_version", { simple: true }) as number;
    // A file already current takes no write lock and no foreign-key check: the check reads every
    // event (22 s at 30 M events), and only a migration that rebuilt tables needs it.
    if (fileVersion() >= sqliteMigrations.length) return;
    this.db.pragma("foreign_keys = OFF");
    try {
      this.db
        .transaction(() => {
          const current = fileVersion();
          if (current >= sqliteMigrations.length) return; // another process migrated it meanwhile
          for (let version = current; version < sqliteMigrations.length; version++) {
            this.db.exec(sqliteMigrations[version]!);
            this.db.pragma(`user_version = ${version + 1}`);
          }
          const broken = this.db.pragma("foreign_key_check") as unknown[];
          if (broken.length > 0) throw new Error(`store: migrating left ${broken.length} broken references: ${JSON.stringify(broken[0])}`);
        })
        .immediate();
    } finally {
      this.db.pragma("foreign_keys = ON");
    }
  }

  /**
   * A write transaction that may add events and strings: a reused event ID fails it whole, and the
   * strings' cached rows count only once it commits.
   */
  private writeEvents<T>(write: () => T): T {
    try {
      const out = this.db
        .transaction(() => {
          const head = this.stmts.appendHead.get()?.seq ?? 0;
          this.newIds.begin();
          const out = write();
          if (this.mayReuseId(head) && this.stmts.reusedId.get(head)) throw reusedEventId();
          return out;
        })
        .immediate();
      this.strings.commit();
      this.checkpointer?.nudge();
      return out;
    } catch (err) {
      this.strings.rollback();
      throw err;
    }
  }

  /** Whether the events appended after `head` need the check for reused IDs (see NewIdKeys). */
  private mayReuseId(head: number): boolean {
    const ids = this.newIds;
    if (ids.none) return false;
    return !ids.ranged || this.stmts.olderIdKeyIn.get(ids.first, ids.last, head) !== undefined;
  }

  async createFleet(fleet: FleetRecord, events: NewEvent[] = []): Promise<StoredEvent[]> {
    checkStorable({ fleets: [fleet], events });
    return this.writeEvents(() => {
      this.stmts.insertFleet.run(fleetParams(fleet));
      return this.insertEvents(fleet, events);
    });
  }

  async getFleet(scope: Scope, fleetId: string): Promise<FleetRecord | undefined> {
    const row = this.stmts.getFleet.get(scope.accountId, scope.region, fleetId);
    return row ? toFleet(row) : undefined;
  }

  async listFleets(scope: Scope, query: FleetQuery): Promise<FleetRecord[]> {
    const after = query.afterFleetId
      ? (this.stmts.fleetPk.get(scope.accountId, scope.region, query.afterFleetId)?.pk ?? Number.MAX_SAFE_INTEGER)
      : 0;
    const rows = this.db
      .prepare<unknown[], FleetRow>(
        `SELECT * FROM fleets WHERE account_id = ? AND region = ? AND pk > ? ${query.includeDeleted ? "" : "AND deleted = 0"}
         ORDER BY pk LIMIT ?`,
      )
      .all(scope.accountId, scope.region, after, query.limit);
    return rows.map(toFleet);
  }

  async updateFleet(fleet: FleetRecord): Promise<void> {
    checkStorable({ fleets: [fleet] });
    this.db.transaction(() => this.writeFleet(fleet)).immediate();
  }

  /** Updates a fleet row; StaleFleet when the record carries a version the row no longer has. */
  private writeFleet(fleet: FleetRecord): void {
    const { changes } = this.stmts.updateFleet.run(fleetParams(fleet));
    if (changes === 0 && fleet.version !== undefined) throw new StaleFleet(fleet.fleetId);
  }

  async appendEvents(scope: Scope, events: NewEvent[], fleets: FleetRecord[] = [], options: AppendOptions = {}): Promise<StoredEvent[]> {
    checkStorable({ events: options.eventsStorable ? [] : events, fleets });
    return this.writeEvents(() => {
      const stored =
        options.coalesceWithinMs === undefined
          ? this.insertEvents(scope, events)
          : this.coalesceEvents(scope, events, options.coalesceWithinMs);
      for (const fleet of fleets) {
        this.writeFleet(fleet);
        if (options.releaseClaimOf !== undefined) {
          this.stmts.releaseClaim.run(fleet.accountId, fleet.region, fleet.fleetId, options.releaseClaimOf);
        }
      }
      return stored;
    });
  }

  private fleetPkOf(scope: Scope, fleetId: string, cache: Map<string, number>): number {
    let pk = cache.get(fleetId);
    if (pk === undefined) {
      pk = this.stmts.fleetPk.get(scope.accountId, scope.region, fleetId)?.pk;
      if (pk === undefined) throw new Error(`store: no fleet ${fleetId} in ${scope.accountId}/${scope.region}`);
      cache.set(fleetId, pk);
    }
    return pk;
  }

  /** Inserts events inside the caller's transaction. */
  private insertEvents(scope: Scope, events: NewEvent[]): StoredEvent[] {
    const pks = new Map<string, number>();
    const stored = new Array<StoredEvent>(events.length);
    const order = groupedByFleet(events);
    // The check for reused IDs asks whether the IDs ascend as given, whatever order they are stored in.
    // (storedEventId answers in one scratch buffer: each ID is used before the next is made.)
    if (order) for (const event of events) this.newIds.see(storedEventId(event.eventId));
    for (let n = 0; n < events.length; n++) {
      const i = order ? order[n]! : n;
      const event = events[i]!;
      const id = storedEventId(event.eventId);
      if (!order) this.newIds.see(id);
      stored[i] = storedEvent(event, this.insertEvent(this.fleetPkOf(scope, event.fleetId, pks), event, id, event.count ?? 1));
    }
    this.enqueueDeliveries(scope, stored, pks);
    return stored;
  }

  /** Adds the outbox rows for new events that the scope's subscriptions match, inside the caller's transaction. */
  private enqueueDeliveries(scope: Scope, events: Pick<StoredEvent, "seq" | "fleetId" | "eventCode">[], pks: Map<string, number>): void {
    if (events.length === 0) return;
    const subscriptions = this.stmts.scopeSubscriptions.all(scope.accountId, scope.region);
    if (subscriptions.length === 0) return;
    const matchers = subscriptions.map((row) => matcher(row.pk, JSON.parse(row.filter)));
    for (const pair of matchDeliveries(matchers, events)) {
      this.stmts.insertDelivery.run(pair.subscriptionPk, pks.get(pair.fleetId), pair.seq);
    }
  }

  /** Inserts one event whose stored ID (`id`) the caller has shown to `newIds`. */
  private insertEvent(pk: number, event: NewEvent, id: Buffer | string, count: number): number {
    const hasLog = event.log !== undefined;
    const messagePk = this.strings.message(event.message);
    const { lastInsertRowid } = this.stmts.insertEvent.run(
      pk,
      event.eventTimeMs,
      id,
      this.strings.intern(event.eventCode),
      messagePk === undefined ? event.message : null,
      messagePk ?? null,
      event.resourceId === event.fleetId ? null : event.resourceId,
      count,
      hasLog ? 1 : 0,
    );
    const seq = Number(lastInsertRowid);
    if (hasLog) this.stmts.insertLog.run(seq, event.log);
    return seq;
  }

  /** Stores events with Count coalescing (see AppendOptions), inside the caller's transaction. */
  private coalesceEvents(scope: Scope, events: NewEvent[], windowMs: number): StoredEvent[] {
    const pks = new Map<string, number>();
    const stored = new Map<string, StoredEvent>();
    for (const [key, e] of firstOccurrences(events)) {
      const pk = this.fleetPkOf(scope, e.fleetId, pks);
      const code = this.strings.find(e.eventCode);
      if (code === undefined) continue; // never stored: nothing to repeat
      const resource = e.resourceId === e.fleetId ? null : e.resourceId;
      const row = this.stmts.newestRepeat.get(pk, resource, code, e.message, e.eventTimeMs - windowMs, e.eventTimeMs);
      if (row) stored.set(key, this.toEvent(row));
    }
    const plan = planCoalesced(events, windowMs, stored);
    for (const t of plan.raised) this.stmts.raiseCount.run(t.count, t.seq);
    for (const t of plan.inserts) {
      const id = storedEventId(t.event.eventId);
      this.newIds.see(id);
      t.seq = this.insertEvent(this.fleetPkOf(scope, t.event.fleetId, pks), t.event, id, t.count);
    }
    this.enqueueDeliveries(
      scope,
      plan.inserts.map((t) => ({ seq: t.seq!, fleetId: t.event.fleetId, eventCode: t.event.eventCode })),
      pks,
    );
    return landedEvents(plan, (t) => t.seq!);
  }

  async claimDueFleets(untilMs: number, claim: DueClaim): Promise<FleetRecord[]> {
    const now = Date.now();
    const rows = this.stmts.claimDue.all({ owner: claim.owner, until: now + claim.leaseMs, dueBy: untilMs, now, limit: claim.limit });
    return rows.map(toFleet).sort((a, b) => a.nextDueMs! - b.nextDueMs!);
  }

  async nextDueMs(): Promise<number | undefined> {
    return this.stmts.nextDue.get()?.due ?? undefined;
  }

  async putResource(scope: Scope, resource: ResourceRecord): Promise<void> {
    checkStorable({ resource });
    this.stmts.putResource.run(scope.accountId, scope.region, resource.type, resource.id, JSON.stringify(resource.body));
  }

  async insertResource(scope: Scope, resource: ResourceRecord): Promise<boolean> {
    checkStorable({ resource });
    const body = JSON.stringify(resource.body);
    return this.stmts.insertResource.run(scope.accountId, scope.region, resource.type, resource.id, body).changes > 0;
  }

  async replaceResource(scope: Scope, resource: ResourceRecord, expected: ResourceRecord["body"]): Promise<boolean> {
    checkStorable({ resource });
    const { accountId, region } = scope;
    const body = JSON.stringify(resource.body);
    return this.stmts.replaceResource.run(body, accountId, region, resource.type, resource.id, JSON.stringify(expected)).changes > 0;
  }

  async getResource(scope: Scope, type: string, id: string): Promise<ResourceRecord | undefined> {
    const row = this.stmts.getResource.get(scope.accountId, scope.region, type, id);
    return row ? { type, id, body: JSON.parse(row.body) } : undefined;
  }

  async listResources(scope: Scope, type: string, query: { afterId?: string; limit: number }): Promise<ResourceRecord[]> {
    return this.stmts.listResources
      .all({ account: scope.accountId, region: scope.region, type, after: query.afterId ?? null, limit: query.limit })
      .map((row) => ({ type, id: row.resource_id, body: JSON.parse(row.body) }));
  }

  async deleteResource(scope: Scope, type: string, id: string, expected?: ResourceRecord["body"]): Promise<boolean> {
    const body = expected === undefined ? null : JSON.stringify(expected);
    return this.stmts.deleteResource.run(scope.accountId, scope.region, type, id, body, body).changes > 0;
  }

  async readClock(): Promise<number | undefined> {
    return this.stmts.readClock.get()?.now_ms;
  }

  async advanceClock(ms: number): Promise<number> {
    this.stmts.advanceClock.run(Math.floor(ms));
    return this.stmts.readClock.get()!.now_ms;
  }

  async queryEvents(scope: Scope, query: EventQuery): Promise<StoredEvent[]> {
    const conditions = ["e.fleet_pk = f.pk"];
    const params: unknown[] = [scope.accountId, scope.region, query.fleetId];
    if (query.startMs !== undefined) {
      conditions.push("e.event_time_ms >= ?");
      params.push(query.startMs);
    }
    if (query.endMs !== undefined) {
      conditions.push("e.event_time_ms <= ?");
      params.push(query.endMs);
    }
    if (query.after) {
      conditions.push("(e.event_time_ms, e.seq) < (?, ?)");
      params.push(query.after.eventTimeMs, query.after.seq);
    }
    params.push(query.limit);
    const sql = `SELECT ${PAGE_COLUMNS} FROM fleets f CROSS JOIN events e
      WHERE f.account_id = ? AND f.region = ? AND f.fleet_id = ? AND ${conditions.join(" AND ")}
      ORDER BY e.event_time_ms DESC, e.seq DESC LIMIT ?`;
    // The fleet's ID is the one asked for: SQLite compares text byte for byte.
    const rows = this.cachedStatement<PageRow>(sql, true).all(...params);
    const events = new Array<StoredEvent>(rows.length);
    for (let i = 0; i < rows.length; i++) events[i] = decodePageRow(rows[i]!, query.fleetId, this.strings);
    return events;
  }

  async getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined> {
    const row = this.stmts.getLog.get({ id: storedEventId(eventId), account: scope.accountId, region: scope.region });
    return row ? { fleetId: row.fleet_id, log: row.log } : undefined;
  }

  async deleteEventsBefore(cutoffMs: number, limit: number): Promise<number> {
    return this.stmts.deleteBefore.run(cutoffMs, limit).changes;
  }

  async appendHead(): Promise<AppendPosition> {
    // AUTOINCREMENT never reuses a sequence number, even after retention deleted the newest rows.
    const row = this.stmts.appendHead.get();
    return { txid: 0, seq: row?.seq ?? 0 };
  }

  async changeMark(): Promise<string> {
    const { v, c } = this.stmts.changeMark.get()!;
    return `${v}.${c}`;
  }

  async readAppended(
    scope: Scope,
    query: FeedQuery & { after: AppendPosition },
  ): Promise<{ events: AppendedEvent[]; through: AppendPosition }> {
    const head = await this.appendHead();
    // Walk the primary key from the position (CROSS JOIN and +fleet_pk keep the planner off the
    // EventTime index, which would read the whole fleet and sort it).
    const sql = query.fleetId
      ? `SELECT ${EVENT_COLUMNS} FROM events e CROSS JOIN fleets f
           WHERE e.seq > ? AND +e.fleet_pk = f.pk AND f.account_id = ? AND f.region = ? AND f.fleet_id = ? ORDER BY e.seq LIMIT ?`
      : `SELECT ${EVENT_COLUMNS} FROM events e CROSS JOIN fleets f
           WHERE e.seq > ? AND e.fleet_pk = f.pk AND f.account_id = ? AND f.region = ? ORDER BY e.seq LIMIT ?`;
    const params = [query.after.seq, scope.accountId, scope.region, ...(query.fleetId ? [query.fleetId] : []), query.limit];
    const events = this.cachedStatement(sql)
      .all(...params)
      .map((row) => ({ ...this.toEvent(row), position: { txid: 0, seq: row.seq } }));
    const last = events[events.length - 1];
    return { events, through: events.length === query.limit && last ? last.position : head };
  }

  async replayEvents(scope: Scope, query: FeedQuery & { sinceMs: number; from?: Cursor; head: AppendPosition }): Promise<StoredEvent[]> {
    const from = query.from ?? { eventTimeMs: query.sinceMs, seq: -1 };
    const after = (e: string) => `${e}.event_time_ms >= ? AND (${e}.event_time_ms, ${e}.seq) > (?, ?) AND ${e}.seq <= ?`;
    const params = [query.sinceMs, from.eventTimeMs, from.seq, query.head.seq];
    // One fleet: its keyset index. A whole scope: the first `limit` of each fleet's (from its keyset
    // index), merged; there is no index on EventTime across fleets.
    const sql = query.fleetId
      ? `SELECT ${EVENT_COLUMNS} FROM fleets f CROSS JOIN events e
           WHERE f.account_id = ? AND f.region = ? AND f.fleet_id = ? AND e.fleet_pk = f.pk AND ${after("e")}
           ORDER BY e.event_time_ms, e.seq LIMIT ?`
      : `SELECT ${EVENT_COLUMNS} FROM fleets f CROSS JOIN events e
           WHERE f.account_id = ? AND f.region = ? AND e.seq IN (SELECT x.seq FROM events x WHERE x.fleet_pk = f.pk AND ${after("x")}
                                                                ORDER BY x.event_time_ms, x.seq LIMIT ?)
           ORDER BY e.event_time_ms, e.seq LIMIT ?`;
    return this.cachedStatement(sql)
      .all(scope.accountId, scope.region, ...(query.fleetId ? [query.fleetId, ...params] : [...params, query.limit]), query.limit)
      .map(this.toEvent);
  }

  async createSubscription(subscription: SubscriptionRecord): Promise<void> {
    this.stmts.insertSubscription.run({
      subscriptionId: subscription.subscriptionId,
      accountId: subscription.accountId,
      region: subscription.region,
      url: subscription.url,
      filter: JSON.stringify(filterOf(subscription)),
      secret: subscription.secret ?? null,
      createdMs: subscription.createdMs,
    });
  }

  async listSubscriptions(): Promise<SubscriptionSummary[]> {
    return this.stmts.subscriptions.all({ id: null }).map(toSummary);
  }

  async getSubscription(subscriptionId: string): Promise<SubscriptionSummary | undefined> {
    const row = this.stmts.subscriptions.get({ id: subscriptionId });
    return row ? toSummary(row) : undefined;
  }

  async deleteSubscription(subscriptionId: string): Promise<boolean> {
    return this.stmts.deleteSubscription.run(subscriptionId).changes > 0;
  }

  async claimDeliveries(nowMs: number, claim: DueClaim & { perLane: number }): Promise<Delivery[]> {
    return this.db
      .transaction(() => {
        const params = { owner: claim.owner, until: nowMs + claim.leaseMs, now: nowMs };
        const heads = this.stmts.claimDeliveries.all({ ...params, limit: claim.limit });
        if (heads.length === 0) return [];
        const followers = heads.flatMap((h) =>
          this.stmts.claimFollowers.all({ ...params, s: h.subscription_pk, f: h.fleet_pk, seq: h.seq, n: claim.perLane - 1 }),
        );
        const ids = [...heads, ...followers].map((r) => r.pk);
        return this.stmts.deliveriesById.all(JSON.stringify(ids)).map(this.toDelivery);
      })
      .immediate();
  }

  async releaseDeliveries(deliveryIds: number[], owner: string): Promise<void> {
    this.stmts.release.run(JSON.stringify(deliveryIds), owner);
  }

  async completeDelivery(deliveryId: number, owner: string): Promise<void> {
    this.stmts.completeDelivery.run(deliveryId, owner);
  }

  async failDelivery(deliveryId: number, owner: string, failure: DeliveryFailure): Promise<void> {
    const params = { id: deliveryId, owner, park: failure.park ? 1 : 0, next: failure.nextAttemptMs };
    this.db.transaction(() => {
      if (this.stmts.failDelivery.run({ ...params, error: failure.error }).changes > 0) this.stmts.waitLane.run(params);
    })();
  }

  async listDeliveries(subscriptionId: string, query: { parked: boolean; afterId?: number; limit: number }): Promise<Delivery[]> {
    return this.stmts.listDeliveries.all(subscriptionId, query.parked ? 1 : 0, query.afterId ?? 0, query.limit).map(this.toDelivery);
  }

  async redriveDeliveries(subscriptionId: string, nowMs: number, deliveryIds?: number[]): Promise<number> {
    return this.stmts.redrive.run({ id: subscriptionId, now: nowMs, only: deliveryIds ? JSON.stringify(deliveryIds) : null }).changes;
  }

  async deliveryBacklog(): Promise<{ pending: number; parked: number }> {
    return this.stmts.backlog.get()!;
  }

  async countDueFleets(untilMs: number): Promise<number> {
    return this.stmts.countDue.get(untilMs)!.n;
  }

  async secret(name: string): Promise<Buffer> {
    this.stmts.putMetaIfAbsent.run(`secret:${name}`, randomBytes(32));
    return this.stmts.getMeta.get(`secret:${name}`)!.value;
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();

  /**
   * Event queries come in a handful of shapes (which bounds are present); each is prepared once.
   * `raw`: rows as arrays (better-sqlite3's raw mode), as queryEvents reads its pages.
   */
  private cachedStatement<Row = EventRow>(sql: string, raw = false): Database.Statement<unknown[], Row> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (raw) stmt.raw(true);
      this.statements.set(sql, stmt);
    }
    return stmt as Database.Statement<unknown[], Row>;
  }
}

const toSummary = (row: SubscriptionRow) => withBacklog(toSubscription(row, JSON.parse(row.filter)), row.pending, row.parked);
/** A delivery's columns with the event's as this store keeps them (decodeEvent reads them). */
type SqliteDeliveryColumns = Omit<DeliveryColumns, keyof EventColumns | "event_code"> & EventColumns & { filter: string };

function fleetParams(fleet: FleetRecord) {
  return {
    accountId: fleet.accountId,
    region: fleet.region,
    fleetId: fleet.fleetId,
    fleetArn: fleet.fleetArn,
    name: fleet.name,
    kind: fleet.kind,
    status: fleet.status,
    creationTimeMs: fleet.creationTimeMs,
    terminationTimeMs: fleet.terminationTimeMs ?? null,
    deleted: fleet.deleted ? 1 : 0,
    attributes: JSON.stringify(fleet.attributes),
    state: fleet.state !== undefined ? JSON.stringify(fleet.state) : null,
    nextDueMs: fleet.nextDueMs ?? null,
    version: fleet.version ?? null,
  };
}
