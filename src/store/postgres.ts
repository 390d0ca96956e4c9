/**
 * The store for several nodes: PostgreSQL through `pg`, with a bounded pool and named (prepared)
 * statements for the hot queries. Same contract as SQLite (test/contract).
 *
 * Ordering within a fleet needs sequence numbers that commit in order: an append locks its fleets'
 * rows (FOR UPDATE) before drawing sequence numbers, so a reader's cursor can never be overtaken by a
 * slower transaction holding a smaller number. Batches go in with COPY (see postgres-copy.ts).
 */
import pg from "pg";
import { randomBytes } from "node:crypto";
import { postgresMigrations, SEQ_BLOCK } from "./migrations/postgres.js";
import { firstOccurrences, landedEvents, planCoalesced, type Target } from "./coalesce.js";
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
  type SubscriptionFilter,
} from "./subscriptions.js";
import type {
  AppendedEvent,
  ArrivingEvents,
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
import { StaleFleet } from "./conflicts.js";
import { checkStorable } from "./text.js";
import { CHUNK, copyEach, copyField, CopyIn } from "./postgres-copy.js";
import { eventIdBytes, eventIdFromBytes, eventIdHex } from "./postgres-event-ids.js";
import { EventCodes } from "./postgres-event-codes.js";

type SubscriptionRow = SubscriptionColumns & { filter: SubscriptionFilter; pending: string; parked: string };
type DeliveryRow = Omit<DeliveryColumns, "event_id"> & { event_id: Buffer; filter: SubscriptionFilter };
const toPgDelivery = (row: DeliveryRow) => toDelivery({ ...row, event_id: eventIdFromBytes(row.event_id) }, row.filter);
// A delivery's event with its code's name and its resource (NULL: the fleet itself), as toDelivery reads them.
const PG_DELIVERY_COLUMNS = deliveryColumns(
  "f.fleet_id, e.seq, e.event_id, coalesce(e.resource_id, f.fleet_id) AS resource_id, c.name AS event_code, e.message, e.event_time_ms, e.count, e.has_log",
);
const PG_DELIVERY_JOINS = `${DELIVERY_JOINS} JOIN event_codes c ON c.code = e.event_code`;
const toSummary = (row: SubscriptionRow) => withBacklog(toSubscription(row, row.filter), row.pending, row.parked);

export interface PostgresOptions {
  connectionString: string;
  /** Schema holding liftlog's tables (created if absent); default "public". */
  schema?: string;
  poolSize?: number;
}

/** Key of the advisory lock that serializes migrations across nodes. */
const MIGRATION_LOCK = 0x6c66746c; // "lftl"

interface FleetRow {
  account_id: string;
  region: string;
  fleet_id: string;
  fleet_arn: string;
  name: string;
  kind: "simulated" | "external";
  status: string;
  creation_time_ms: string;
  termination_time_ms: string | null;
  deleted: boolean;
  attributes: Record<string, unknown>;
  state: Record<string, unknown> | null;
  next_due_ms: string | null;
  version: string;
}

interface EventRow {
  seq: string;
  event_id: Buffer;
  /** NULL when the resource is the event's fleet (most events): the fleet's ID is not stored again. */
  resource_id: string | null;
  event_code: number;
  message: string;
  event_time_ms: string;
  count: number;
  has_log: boolean;
}

function toFleet(row: FleetRow): FleetRecord {
  return {
    accountId: row.account_id,
    region: row.region,
    fleetId: row.fleet_id,
    fleetArn: row.fleet_arn,
    name: row.name,
    kind: row.kind,
    status: row.status,
    creationTimeMs: Number(row.creation_time_ms),
    ...(row.termination_time_ms !== null ? { terminationTimeMs: Number(row.termination_time_ms) } : {}),
    deleted: row.deleted,
    attributes: row.attributes,
    ...(row.state !== null ? { state: row.state } : {}),
    ...(row.next_due_ms !== null ? { nextDueMs: Number(row.next_due_ms) } : {}),
    version: Number(row.version),
  };
}

function toEvent(row: EventRow, fleetId: string, codes: EventCodes): StoredEvent {
  return {
    seq: Number(row.seq),
    eventId: eventIdFromBytes(row.event_id),
    fleetId,
    resourceId: row.resource_id ?? fleetId,
    eventCode: codes.name(row.event_code),
    message: row.message,
    eventTimeMs: Number(row.event_time_ms),
    count: row.count,
    hasLog: row.has_log,
  };
}

const fleetValues = (f: FleetRecord) => [
  f.accountId,
  f.region,
  f.fleetId,
  f.fleetArn,
  f.name,
  f.kind,
  f.status,
  f.creationTimeMs,
  f.terminationTimeMs ?? null,
  f.deleted,
  JSON.stringify(f.attributes),
  f.state !== undefined ? JSON.stringify(f.state) : null,
  f.nextDueMs ?? null,
];

const INSERT_FLEET = `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, termination_time_ms, deleted, attributes, state, next_due_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
const UPDATE_FLEET = `UPDATE fleets SET fleet_arn = $4, name = $5, kind = $6, status = $7, creation_time_ms = $8, termination_time_ms = $9, deleted = $10, attributes = $11,
    state = $12, next_due_ms = $13, version = version + 1
  WHERE account_id = $1 AND region = $2 AND fleet_id = $3 AND ($14::bigint IS NULL OR version = $14)`;

/** Updates a fleet row; StaleFleet when the record carries a version the row no longer has. */
async function writeFleet(db: pg.Pool | pg.PoolClient, fleet: FleetRecord): Promise<void> {
  const { rowCount } = await db.query({ name: "update-fleet", text: UPDATE_FLEET, values: [...fleetValues(fleet), fleet.version ?? null] });
  if (rowCount === 0 && fleet.version !== undefined) throw new StaleFleet(fleet.fleetId);
}

/** The columns an append writes; txid takes its default, the appending transaction's ID. */
const EVENT_COLUMNS = ["seq", "fleet_pk", "event_time_ms", "count", "event_code", "has_log", "event_id", "resource_id", "message"];

/** One event's row in COPY's text form, in EVENT_COLUMNS' order. */
const eventLine = (e: StoredEvent, fleetPk: string, code: number): string =>
  `${e.seq}\t${fleetPk}\t${e.eventTimeMs}\t${e.count}\t${code}\t${e.hasLog ? "t" : "f"}\t\\\\x${eventIdHex(e.eventId)}\t` +
  `${e.resourceId === e.fleetId ? "\\N" : copyField(e.resourceId)}\t${copyField(e.message)}\n`;

/** A subscription of the appending scope, as the append reads it. */
type Subscriber = { pk: string; filter: SubscriptionFilter };

interface AppendRow {
  pks: string[] | null;
  fleet_ids: string[] | null;
  blocks: string[];
  subscriptions: Subscriber[] | null;
}

/** An append under way: its fleets' keys (rows locked), its sequence numbers by position, and its scope's subscriptions. */
interface Append {
  pks: Map<string, string>;
  seq: (i: number) => number;
  subscriptions: Subscriber[];
}

/** Appends still arriving that may be under way at once, each holding a pooled connection (fewer on a small pool). */
const ARRIVING_AT_ONCE = 4;

/** An arriving append met an event code without a number yet (see appendArriving). */
class NewCode extends Error {}

/** Stores the logs of the events that carry one: one INSERT (a second COPY would take two more round trips). */
async function insertLogs(client: pg.PoolClient, stored: StoredEvent[]): Promise<void> {
  const logged = stored.filter((e) => e.log !== undefined);
  if (logged.length === 0) return;
  await client.query({
    name: "insert-logs",
    text: "INSERT INTO event_logs (seq, log) SELECT * FROM unnest($1::bigint[], $2::text[])",
    values: [logged.map((e) => e.seq), logged.map((e) => e.log)],
  });
}

/** Adds the outbox rows for new events that the scope's subscriptions match, inside the append's transaction. */
async function enqueueDeliveries(client: pg.PoolClient, append: Append, events: Pick<StoredEvent, "seq" | "fleetId" | "eventCode">[]) {
  if (events.length === 0 || append.subscriptions.length === 0) return;
  const pairs = matchDeliveries(
    append.subscriptions.map((r) => matcher(r.pk, r.filter)),
    events,
  );
  if (pairs.length === 0) return;
  await client.query({
    name: "insert-deliveries",
    text: "INSERT INTO deliveries (subscription_pk, fleet_pk, seq) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])",
    values: [pairs.map((p) => p.subscriptionPk), pairs.map((p) => append.pks.get(p.fleetId)), pairs.map((p) => p.seq)],
  });
}

/** The oldest transaction that may still be running: everything below it has finished. */
const HORIZON = "pg_snapshot_xmin(pg_current_snapshot())";

/** The position just below the horizon: after every event of every finished transaction. */
const headBelow = (horizon: string): AppendPosition => ({ txid: Number(horizon) - 1, seq: Number.MAX_SAFE_INTEGER });

export class PostgresStore implements Store {
  private readonly codes: EventCodes;
  /** Appends still arriving right now, and how many may be (see appendArriving). */
  private arrivingNow = 0;
  private readonly arrivingAtOnce: number;

  private constructor(private readonly pool: pg.Pool) {
    this.codes = new EventCodes(pool, (work) => this.transaction(work));
    // At least one connection stays free for everything else.
    this.arrivingAtOnce = Math.min(ARRIVING_AT_ONCE, pool.options.max - 1);
  }

  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema name '${schema}' must be lower-case letters, digits and _`);
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
      options: `-c search_path=${schema}`,
    });
    // A broken idle connection must not take the process down; the pool replaces it.
    pool.on("error", (err) => console.error("liftlog: postgres pool:", err.message));
    const store = new PostgresStore(pool);
    try {
      await store.migrate(schema);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async migrate(schema: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS liftlog_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      );
      const { rows } = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM liftlog_migrations");
      for (let version = rows[0]?.v ?? 0; version < postgresMigrations.length; version++) {
        await client.query(postgresMigrations[version]!);
        await client.query("INSERT INTO liftlog_migrations (version) VALUES ($1)", [version + 1]);
      }
    });
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async createFleet(fleet: FleetRecord, events: NewEvent[] = []): Promise<StoredEvent[]> {
    checkStorable({ fleets: [fleet], events });
    await this.registerCodes(events);
    return this.transaction(async (client) => {
      await client.query({ name: "insert-fleet", text: INSERT_FLEET, values: fleetValues(fleet) });
      return this.insertEvents(client, fleet, events);
    });
  }

  async getFleet(scope: Scope, fleetId: string): Promise<FleetRecord | undefined> {
    const { rows } = await this.pool.query<FleetRow>({
      name: "get-fleet",
      text: "SELECT * FROM fleets WHERE account_id = $1 AND region = $2 AND fleet_id = $3",
      values: [scope.accountId, scope.region, fleetId],
    });
    return rows[0] ? toFleet(rows[0]) : undefined;
  }

  async listFleets(scope: Scope, query: FleetQuery): Promise<FleetRecord[]> {
    const { rows } = await this.pool.query<FleetRow>({
      name: query.includeDeleted ? "list-fleets-all" : "list-fleets-live",
      text: `SELECT * FROM fleets WHERE account_id = $1 AND region = $2
               AND pk > COALESCE((SELECT pk FROM fleets WHERE account_id = $1 AND region = $2 AND fleet_id = $3), CASE WHEN $3::text IS NULL THEN 0 ELSE 9223372036854775807 END)
               ${query.includeDeleted ? "" : "AND NOT deleted"}
             ORDER BY pk LIMIT $4`,
      values: [scope.accountId, scope.region, query.afterFleetId ?? null, query.limit],
    });
    return rows.map(toFleet);
  }

  async updateFleet(fleet: FleetRecord): Promise<void> {
    checkStorable({ fleets: [fleet] });
    await writeFleet(this.pool, fleet);
  }

  readonly takesArriving = true;

  async appendEvents(scope: Scope, events: NewEvent[], fleets: FleetRecord[] = [], options: AppendOptions = {}): Promise<StoredEvent[]> {
    if (options.arriving) return this.appendArriving(scope, events, options.arriving);
    return this.appendWhole(scope, events, fleets, options);
  }

  private async appendWhole(scope: Scope, events: NewEvent[], fleets: FleetRecord[], options: AppendOptions): Promise<StoredEvent[]> {
    checkStorable({ events: options.eventsStorable ? [] : events, fleets });
    await this.registerCodes(events);
    return this.transaction(async (client) => {
      const stored =
        options.coalesceWithinMs === undefined
          ? await this.insertEvents(client, scope, events)
          : await this.coalesceEvents(client, scope, events, options.coalesceWithinMs);
      for (const fleet of fleets) {
        await writeFleet(client, fleet);
        if (options.releaseClaimOf !== undefined) {
          await client.query({
            name: "release-claim",
            text: "UPDATE fleets SET claim_owner = NULL, claim_until_ms = NULL WHERE account_id = $1 AND region = $2 AND fleet_id = $3 AND claim_owner = $4",
            values: [fleet.accountId, fleet.region, fleet.fleetId, options.releaseClaimOf],
          });
        }
      }
      return stored;
    });
  }

  private registerCodes(events: NewEvent[]): Promise<void> {
    return this.codes.register(events.map((e) => e.eventCode));
  }

  /** Rows' events once their codes are known (a number another node added reloads the map). */
  private async toEvents<R extends EventRow>(rows: R[], fleetOf: (row: R) => string): Promise<StoredEvent[]> {
    await this.codes.know(rows.map((r) => r.event_code));
    return rows.map((r) => toEvent(r, fleetOf(r), this.codes));
  }

  /**
   * Opens an append in one round trip: locks the events' fleets' rows (so appends to a fleet
   * serialize), then draws blocks of sequence numbers for `count` events (see SEQ_BLOCK), and reads
   * the scope's subscriptions. The blocks are drawn only once every lock is held: their subquery
   * runs for the one row that aggregated the locked rows.
   */
  private async openAppend(client: pg.PoolClient, scope: Scope, events: NewEvent[], count: number): Promise<Append> {
    const fleetIds = [...new Set(events.map((e) => e.fleetId))].sort();
    const { rows } = await client.query<AppendRow>({
      name: "open-append",
      text: `WITH locked AS MATERIALIZED (
               SELECT pk, fleet_id FROM fleets WHERE account_id = $1 AND region = $2 AND fleet_id = ANY($3::text[]) ORDER BY fleet_id FOR UPDATE),
             held AS (SELECT array_agg(pk) AS pks, array_agg(fleet_id) AS fleet_ids FROM locked)
             SELECT held.pks, held.fleet_ids,
                    ARRAY(SELECT nextval('events_seq_seq') FROM generate_series(1, $4::int) WHERE held.pks IS NOT NULL) AS blocks,
                    (SELECT json_agg(json_build_object('pk', pk::text, 'filter', filter)) FROM subscriptions
                     WHERE account_id = $1 AND region = $2) AS subscriptions
             FROM held`,
      values: [scope.accountId, scope.region, fleetIds, Math.ceil(count / SEQ_BLOCK)],
    });
    const { pks, fleet_ids, blocks, subscriptions } = rows[0]!;
    const keys = new Map((fleet_ids ?? []).map((id, i) => [id, pks![i]!]));
    const missing = fleetIds.find((id) => !keys.has(id));
    if (missing) throw new Error(`store: no fleet ${missing} in ${scope.accountId}/${scope.region}`);
    const starts = blocks.map(Number);
    return { pks: keys, seq: (i) => starts[Math.floor(i / SEQ_BLOCK)]! + (i % SEQ_BLOCK), subscriptions: subscriptions ?? [] };
  }

  /** Inserts events inside the caller's transaction, after locking their fleets' rows. */
  private async insertEvents(client: pg.PoolClient, scope: Scope, events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const append = await this.openAppend(client, scope, events, events.length);
    const stored = await this.insertRows(client, append, events);
    await enqueueDeliveries(client, append, stored);
    return stored;
  }

  /** Stores events with Count coalescing (see AppendOptions); the fleet row locks make lookup-then-write safe. */
  private async coalesceEvents(client: pg.PoolClient, scope: Scope, events: NewEvent[], windowMs: number): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    // Numbers for every event, as any may be new; those left unused are gaps, as after a rollback.
    const append = await this.openAppend(client, scope, events, events.length);
    const stored = new Map<string, StoredEvent>();
    for (const [key, e] of firstOccurrences(events)) {
      const { rows } = await client.query<EventRow>({
        name: "newest-repeat",
        text: `SELECT seq, event_id, resource_id, event_code, message, event_time_ms, count, has_log FROM events
               WHERE fleet_pk = $1 AND resource_id IS NOT DISTINCT FROM $2 AND event_code = $3 AND message = $4
                 AND event_time_ms BETWEEN $5 AND $6
               ORDER BY seq DESC LIMIT 1`,
        values: [
          append.pks.get(e.fleetId),
          e.resourceId === e.fleetId ? null : e.resourceId,
          this.codes.number(e.eventCode),
          e.message,
          e.eventTimeMs - windowMs,
          e.eventTimeMs,
        ],
      });
      if (rows[0]) stored.set(key, toEvent(rows[0], e.fleetId, this.codes));
    }
    const plan = planCoalesced(events, windowMs, stored);
    for (const t of plan.raised) {
      await client.query({ name: "raise-count", text: "UPDATE events SET count = $1 WHERE seq = $2", values: [t.count, t.seq] });
    }
    const inserted = await this.insertRows(
      client,
      append,
      plan.inserts.map((t: Target) => ({ ...t.event, count: t.count })),
    );
    plan.inserts.forEach((t, i) => (t.seq = inserted[i]!.seq));
    await enqueueDeliveries(client, append, inserted);
    return landedEvents(plan, (t) => t.seq!);
  }

  /**
   * Inserts rows with COPY, numbered from the append's blocks in input order (COPY has no
   * RETURNING); txid takes its default.
   */
  private async insertRows(client: pg.PoolClient, append: Append, events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = events.map((e, i) => storedEvent(e, append.seq(i)));
    const { pks } = append;
    await copyEach(client, "events", EVENT_COLUMNS, stored, (e) => eventLine(e, pks.get(e.fleetId)!, this.codes.number(e.eventCode)));
    await insertLogs(client, stored);
    return stored;
  }

  /**
   * An append whose events are still arriving (AppendOptions.arriving): COPY chunks go out as the
   * events come in, so PostgreSQL indexes the first while the server reads and checks the rest.
   * Past ARRIVING_AT_ONCE such appends (each holds a connection and its fleet's lock while its
   * request is read), or on meeting a code this node has not numbered yet (registering it takes
   * another connection, which an append holding one must not wait for), the batch is stored whole
   * once complete.
   */
  private async appendArriving(scope: Scope, events: NewEvent[], arriving: ArrivingEvents): Promise<StoredEvent[]> {
    if (this.arrivingNow < this.arrivingAtOnce) {
      this.arrivingNow++;
      try {
        return await this.transaction(async (client) => {
          const append = await this.openAppend(client, scope, events.slice(0, 1), arriving.limit);
          const { stored, fleets } = await this.copyArriving(client, append, events, arriving);
          await insertLogs(client, stored);
          await enqueueDeliveries(client, append, stored);
          checkStorable({ fleets });
          for (const fleet of fleets) await writeFleet(client, fleet);
          return stored;
        });
      } catch (err) {
        if (!(err instanceof NewCode)) throw err;
      } finally {
        this.arrivingNow--;
      }
    }
    const arrival = await arriving.wait(Number.POSITIVE_INFINITY);
    if (arrival.state !== "complete") throw new Error("store: append dropped");
    return this.appendWhole(scope, events, arrival.fleets, { eventsStorable: true });
  }

  /** COPYs arriving events a chunk at a time until the batch is complete; abandons the COPY if it is dropped. */
  private async copyArriving(client: pg.PoolClient, append: Append, events: NewEvent[], arriving: ArrivingEvents) {
    const copy = new CopyIn(client, "events", EVENT_COLUMNS);
    const stored: StoredEvent[] = [];
    try {
      for (;;) {
        const arrival = await arriving.wait(stored.length + CHUNK - 1);
        if (arrival.state === "dropped") throw new Error("store: append dropped");
        const fresh = events.slice(stored.length);
        if (!fresh.every((e) => this.codes.known(e.eventCode))) throw new NewCode();
        let text = "";
        for (const e of fresh) {
          const pk = append.pks.get(e.fleetId);
          if (pk === undefined || stored.length >= arriving.limit)
            throw new Error("store: an arriving append is of one fleet and within its limit");
          const event = storedEvent(e, append.seq(stored.length));
          stored.push(event);
          text += eventLine(event, pk, this.codes.number(e.eventCode));
        }
        copy.write(text);
        if (arrival.state === "complete" || copy.refused) {
          await copy.end();
          return { stored, fleets: arrival.state === "complete" ? arrival.fleets : [] };
        }
      }
    } catch (err) {
      await copy.abandon();
      throw err;
    }
  }

  async claimDueFleets(untilMs: number, claim: DueClaim): Promise<FleetRecord[]> {
    // SKIP LOCKED: nodes claiming at once take different fleets instead of waiting for each other.
    const now = Date.now();
    const { rows } = await this.pool.query<FleetRow>({
      name: "claim-due",
      text: `UPDATE fleets SET claim_owner = $1, claim_until_ms = $2
             WHERE pk IN (SELECT pk FROM fleets
                          WHERE next_due_ms <= $3 AND (claim_owner IS NULL OR claim_owner = $1 OR claim_until_ms < $4)
                          ORDER BY next_due_ms LIMIT $5 FOR UPDATE SKIP LOCKED)
             RETURNING *`,
      values: [claim.owner, now + claim.leaseMs, untilMs, now, claim.limit],
    });
    return rows.map(toFleet).sort((a, b) => a.nextDueMs! - b.nextDueMs!);
  }

  async nextDueMs(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ due: string | null }>(
      "SELECT min(next_due_ms) AS due FROM fleets WHERE next_due_ms IS NOT NULL",
    );
    return rows[0]?.due != null ? Number(rows[0].due) : undefined;
  }

  async putResource(scope: Scope, resource: ResourceRecord): Promise<void> {
    checkStorable({ resource });
    await this.pool.query({
      name: "put-resource",
      text: `INSERT INTO resources (account_id, region, type, resource_id, body) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, region, type, resource_id) DO UPDATE SET body = excluded.body`,
      values: [scope.accountId, scope.region, resource.type, resource.id, JSON.stringify(resource.body)],
    });
  }

  async insertResource(scope: Scope, resource: ResourceRecord): Promise<boolean> {
    checkStorable({ resource });
    const { rowCount } = await this.pool.query({
      name: "insert-resource",
      text: `INSERT INTO resources (account_id, region, type, resource_id, body) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, region, type, resource_id) DO NOTHING`,
      values: [scope.accountId, scope.region, resource.type, resource.id, JSON.stringify(resource.body)],
    });
    return rowCount === 1;
  }

  async replaceResource(scope: Scope, resource: ResourceRecord, expected: ResourceRecord["body"]): Promise<boolean> {
    checkStorable({ resource });
    const { rowCount } = await this.pool.query({
      name: "replace-resource",
      // jsonb equality: the same body however its text was written.
      text: `UPDATE resources SET body = $5 WHERE account_id = $1 AND region = $2 AND type = $3 AND resource_id = $4 AND body = $6::jsonb`,
      values: [scope.accountId, scope.region, resource.type, resource.id, JSON.stringify(resource.body), JSON.stringify(expected)],
    });
    return rowCount === 1;
  }

  async getResource(scope: Scope, type: string, id: string): Promise<ResourceRecord | undefined> {
    const { rows } = await this.pool.query<{ body: Record<string, unknown> }>({
      name: "get-resource",
      text: "SELECT body FROM resources WHERE account_id = $1 AND region = $2 AND type = $3 AND resource_id = $4",
      values: [scope.accountId, scope.region, type, id],
    });
    return rows[0] ? { type, id, body: rows[0].body } : undefined;
  }

  async listResources(scope: Scope, type: string, query: { afterId?: string; limit: number }): Promise<ResourceRecord[]> {
    const { rows } = await this.pool.query<{ resource_id: string; body: Record<string, unknown> }>({
      name: "list-resources",
      text: `SELECT resource_id, body FROM resources WHERE account_id = $1 AND region = $2 AND type = $3
               AND pk > COALESCE((SELECT pk FROM resources WHERE account_id = $1 AND region = $2 AND type = $3 AND resource_id = $4),
                                 CASE WHEN $4::text IS NULL THEN 0 ELSE 9223372036854775807 END)
             ORDER BY pk LIMIT $5`,
      values: [scope.accountId, scope.region, type, query.afterId ?? null, query.limit],
    });
    return rows.map((r) => ({ type, id: r.resource_id, body: r.body }));
  }

  async deleteResource(scope: Scope, type: string, id: string, expected?: ResourceRecord["body"]): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      name: "delete-resource",
      text: `DELETE FROM resources WHERE account_id = $1 AND region = $2 AND type = $3 AND resource_id = $4
             AND ($5::jsonb IS NULL OR body = $5::jsonb)`,
      values: [scope.accountId, scope.region, type, id, expected === undefined ? null : JSON.stringify(expected)],
    });
    return (rowCount ?? 0) > 0;
  }

  async readClock(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ now_ms: string }>("SELECT now_ms FROM service_clock WHERE id = 1");
    return rows[0] ? Number(rows[0].now_ms) : undefined;
  }

  async advanceClock(ms: number): Promise<number> {
    const { rows } = await this.pool.query<{ now_ms: string }>(
      `INSERT INTO service_clock (id, now_ms) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET now_ms = GREATEST(service_clock.now_ms, excluded.now_ms) RETURNING now_ms`,
      [Math.floor(ms)],
    );
    return Number(rows[0]!.now_ms);
  }

  async queryEvents(scope: Scope, query: EventQuery): Promise<StoredEvent[]> {
    // One prepared statement per shape (which bounds are present): "$n IS NULL OR ..." conditions would
    // let a generic plan lose the keyset range and scan from the newest event on every deep page.
    const values: unknown[] = [scope.accountId, scope.region, query.fleetId];
    const conditions: string[] = [];
    const shape: string[] = [];
    if (query.startMs !== undefined) {
      values.push(query.startMs);
      conditions.push(`e.event_time_ms >= $${values.length}`);
      shape.push("s");
    }
    if (query.endMs !== undefined) {
      values.push(query.endMs);
      conditions.push(`e.event_time_ms <= $${values.length}`);
      shape.push("e");
    }
    if (query.after) {
      values.push(query.after.eventTimeMs, query.after.seq);
      conditions.push(`(e.event_time_ms, e.seq) < ($${values.length - 1}, $${values.length})`);
      shape.push("a");
    }
    values.push(query.limit);
    const { rows } = await this.pool.query<EventRow>({
      name: `query-events-${shape.join("")}`,
      text: `SELECT e.seq, e.event_id, e.resource_id, e.event_code, e.message, e.event_time_ms, e.count, e.has_log
             FROM events e
             WHERE e.fleet_pk = (SELECT pk FROM fleets WHERE account_id = $1 AND region = $2 AND fleet_id = $3)
               ${conditions.map((c) => `AND ${c}`).join(" ")}
             ORDER BY e.event_time_ms DESC, e.seq DESC
             LIMIT $${values.length}`,
      values,
    });
    return this.toEvents(rows, () => query.fleetId);
  }

  async getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined> {
    const { rows } = await this.pool.query<{ fleet_id: string; log: string }>({
      name: "get-log",
      text: `SELECT f.fleet_id, l.log FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN event_logs l ON l.seq = e.seq
             WHERE e.event_id = $1 AND f.account_id = $2 AND f.region = $3`,
      values: [eventIdBytes(eventId), scope.accountId, scope.region],
    });
    return rows[0] ? { fleetId: rows[0].fleet_id, log: rows[0].log } : undefined;
  }

  async deleteEventsBefore(cutoffMs: number, limit: number): Promise<number> {
    // SKIP LOCKED: two nodes running retention at once take different rows instead of waiting.
    const { rowCount } = await this.pool.query({
      name: "delete-before",
      text: `DELETE FROM events WHERE seq IN (
               SELECT seq FROM events WHERE event_time_ms < $1 ORDER BY event_time_ms LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      values: [cutoffMs, limit],
    });
    return rowCount ?? 0;
  }

  async appendHead(): Promise<AppendPosition> {
    const { rows } = await this.pool.query<{ horizon: string }>(`SELECT ${HORIZON} AS horizon`);
    return headBelow(rows[0]!.horizon);
  }

  /** Nodes share the database and hear of each other's writes only asynchronously (LISTEN/NOTIFY): no cheap mark. */
  async changeMark(): Promise<undefined> {
    return undefined;
  }

  async readAppended(
    scope: Scope,
    query: FeedQuery & { after: AppendPosition },
  ): Promise<{ events: AppendedEvent[]; through: AppendPosition }> {
    // Only transactions older than the snapshot's xmin: every one of them has finished, and any
    // transaction still to commit has a larger ID, so it lands after this reader's position.
    const { rows } = await this.pool.query<EventRow & { horizon: string; fleet_id: string | null; txid: string }>({
      name: query.fleetId ? "read-appended-fleet" : "read-appended-scope",
      text: `WITH h AS (SELECT ${HORIZON} AS x)
             SELECT h.x::text AS horizon, r.* FROM h LEFT JOIN LATERAL (
               SELECT e.txid::text AS txid, e.seq, e.event_id, f.fleet_id, e.resource_id, e.event_code, e.message, e.event_time_ms, e.count, e.has_log
               FROM events e JOIN fleets f ON f.pk = e.fleet_pk
               WHERE (e.txid, e.seq) > ($1::text::xid8, $2) AND e.txid < h.x AND f.account_id = $3 AND f.region = $4
                 ${query.fleetId ? "AND f.fleet_id = $6" : ""}
               ORDER BY e.txid, e.seq LIMIT $5) r ON true`,
      values: [
        String(query.after.txid),
        query.after.seq,
        scope.accountId,
        scope.region,
        query.limit,
        ...(query.fleetId ? [query.fleetId] : []),
      ],
    });
    const found = rows.filter((r) => r.fleet_id !== null);
    const events = (await this.toEvents(found, (r) => r.fleet_id!)).map((e, i) => ({
      ...e,
      position: { txid: Number(found[i]!.txid), seq: e.seq },
    }));
    const last = events[events.length - 1];
    return { events, through: events.length === query.limit && last ? last.position : headBelow(rows[0]!.horizon) };
  }

  async replayEvents(scope: Scope, query: FeedQuery & { sinceMs: number; from?: Cursor; head: AppendPosition }): Promise<StoredEvent[]> {
    const from = query.from ?? { eventTimeMs: query.sinceMs, seq: -1 };
    const { rows } = await this.pool.query<EventRow & { fleet_id: string }>({
      name: query.fleetId ? "replay-fleet" : "replay-scope",
      text: `SELECT e.seq, e.event_id, f.fleet_id, e.resource_id, e.event_code, e.message, e.event_time_ms, e.count, e.has_log
             FROM events e JOIN fleets f ON f.pk = e.fleet_pk
             WHERE e.event_time_ms >= $1 AND (e.event_time_ms, e.seq) > ($2, $3)
               AND (e.txid IS NULL OR (e.txid, e.seq) <= ($4::text::xid8, $5))
               AND f.account_id = $6 AND f.region = $7 ${query.fleetId ? "AND f.fleet_id = $9" : ""}
             ORDER BY e.event_time_ms, e.seq LIMIT $8`,
      values: [
        query.sinceMs,
        from.eventTimeMs,
        from.seq,
        String(query.head.txid),
        query.head.seq,
        scope.accountId,
        scope.region,
        query.limit,
        ...(query.fleetId ? [query.fleetId] : []),
      ],
    });
    return this.toEvents(rows, (r) => r.fleet_id);
  }

  async createSubscription(subscription: SubscriptionRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO subscriptions (subscription_id, account_id, region, url, filter, secret, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        subscription.subscriptionId,
        subscription.accountId,
        subscription.region,
        subscription.url,
        JSON.stringify(filterOf(subscription)),
        subscription.secret ?? null,
        subscription.createdMs,
      ],
    );
  }

  private async subscriptions(subscriptionId: string | null): Promise<SubscriptionSummary[]> {
    const { rows } = await this.pool.query<SubscriptionRow>({
      name: "subscriptions",
      text: `SELECT s.*, (SELECT count(*) FROM deliveries d WHERE d.subscription_pk = s.pk AND NOT d.parked) AS pending,
                    (SELECT count(*) FROM deliveries d WHERE d.subscription_pk = s.pk AND d.parked) AS parked
             FROM subscriptions s WHERE $1::text IS NULL OR s.subscription_id = $1 ORDER BY s.pk`,
      values: [subscriptionId],
    });
    return rows.map(toSummary);
  }

  listSubscriptions(): Promise<SubscriptionSummary[]> {
    return this.subscriptions(null);
  }

  async getSubscription(subscriptionId: string): Promise<SubscriptionSummary | undefined> {
    return (await this.subscriptions(subscriptionId))[0];
  }

  async deleteSubscription(subscriptionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM subscriptions WHERE subscription_id = $1", [subscriptionId]);
    return (rowCount ?? 0) > 0;
  }

  async claimDeliveries(nowMs: number, claim: DueClaim & { perLane: number }): Promise<Delivery[]> {
    return this.transaction(async (client) => {
      // SKIP LOCKED: a lane head another node is claiming right now is passed over; the lane-head
      // check (no earlier unparked delivery in the lane) keeps each lane with one node, in order.
      const { rows: heads } = await client.query<{ pk: string; subscription_pk: string; fleet_pk: string; seq: string }>({
        name: "claim-heads",
        text: `UPDATE deliveries SET claim_owner = $1, claim_until_ms = $2
               WHERE pk IN (SELECT d.pk FROM deliveries d
                            WHERE NOT d.parked AND d.next_attempt_ms <= $3 AND (d.claim_owner IS NULL OR d.claim_until_ms < $3)
                              AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.subscription_pk = d.subscription_pk
                                                AND p.fleet_pk = d.fleet_pk AND NOT p.parked AND p.seq < d.seq)
                            ORDER BY d.next_attempt_ms, d.pk LIMIT $4 FOR UPDATE SKIP LOCKED)
               RETURNING pk, subscription_pk, fleet_pk, seq`,
        values: [claim.owner, nowMs + claim.leaseMs, nowMs, claim.limit],
      });
      if (heads.length === 0) return [];
      const { rows: followers } = await client.query<{ pk: string }>({
        name: "claim-followers",
        text: `UPDATE deliveries SET claim_owner = $1, claim_until_ms = $2
               WHERE pk IN (SELECT f.pk FROM unnest($4::bigint[], $5::bigint[], $6::bigint[]) AS h (s, fl, seq)
                            CROSS JOIN LATERAL (SELECT pk FROM deliveries WHERE subscription_pk = h.s AND fleet_pk = h.fl AND NOT parked
                                                  AND seq > h.seq AND (claim_owner IS NULL OR claim_until_ms < $3)
                                                ORDER BY seq LIMIT $7) f)
               RETURNING pk`,
        values: [
          claim.owner,
          nowMs + claim.leaseMs,
          nowMs,
          heads.map((h) => h.subscription_pk),
          heads.map((h) => h.fleet_pk),
          heads.map((h) => h.seq),
          claim.perLane - 1,
        ],
      });
      const { rows } = await client.query<DeliveryRow>({
        name: "deliveries-by-id",
        text: `SELECT ${PG_DELIVERY_COLUMNS} FROM deliveries d ${PG_DELIVERY_JOINS} WHERE d.pk = ANY($1::bigint[])
               ORDER BY d.subscription_pk, d.fleet_pk, d.seq`,
        values: [[...heads, ...followers].map((r) => r.pk)],
      });
      return rows.map(toPgDelivery);
    });
  }

  async releaseDeliveries(deliveryIds: number[], owner: string): Promise<void> {
    await this.pool.query({
      name: "release-deliveries",
      text: "UPDATE deliveries SET claim_owner = NULL, claim_until_ms = NULL WHERE pk = ANY($1::bigint[]) AND claim_owner = $2",
      values: [deliveryIds, owner],
    });
  }

  async completeDelivery(deliveryId: number, owner: string): Promise<void> {
    await this.pool.query({
      name: "complete-delivery",
      text: "DELETE FROM deliveries WHERE pk = $1 AND claim_owner = $2",
      values: [deliveryId, owner],
    });
  }

  async failDelivery(deliveryId: number, owner: string, failure: DeliveryFailure): Promise<void> {
    await this.transaction(async (client) => {
      const { rowCount } = await client.query({
        name: "fail-delivery",
        text: `UPDATE deliveries SET attempts = attempts + 1, parked = $3, next_attempt_ms = $4, last_error = $5, claim_owner = NULL, claim_until_ms = NULL
               WHERE pk = $1 AND claim_owner = $2`,
        values: [deliveryId, owner, failure.park, failure.nextAttemptMs, failure.error],
      });
      if (!rowCount) return;
      await client.query({
        name: "wait-lane",
        text: `UPDATE deliveries SET next_attempt_ms = CASE WHEN $3 THEN next_attempt_ms ELSE GREATEST(next_attempt_ms, $4) END,
                 claim_owner = CASE WHEN claim_owner = $2 THEN NULL ELSE claim_owner END,
                 claim_until_ms = CASE WHEN claim_owner = $2 THEN NULL ELSE claim_until_ms END
               WHERE (subscription_pk, fleet_pk) = (SELECT subscription_pk, fleet_pk FROM deliveries WHERE pk = $1) AND NOT parked AND pk <> $1`,
        values: [deliveryId, owner, failure.park, failure.nextAttemptMs],
      });
    });
  }

  async listDeliveries(subscriptionId: string, query: { parked: boolean; afterId?: number; limit: number }): Promise<Delivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>({
      name: "list-deliveries",
      text: `SELECT ${PG_DELIVERY_COLUMNS} FROM deliveries d ${PG_DELIVERY_JOINS}
             WHERE s.subscription_id = $1 AND d.parked = $2 AND d.pk > $3 ORDER BY d.pk LIMIT $4`,
      values: [subscriptionId, query.parked, query.afterId ?? 0, query.limit],
    });
    return rows.map(toPgDelivery);
  }

  async redriveDeliveries(subscriptionId: string, nowMs: number, deliveryIds?: number[]): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE deliveries SET parked = FALSE, attempts = 0, next_attempt_ms = $2, claim_owner = NULL, claim_until_ms = NULL
       WHERE parked AND subscription_pk = (SELECT pk FROM subscriptions WHERE subscription_id = $1)
         AND ($3::bigint[] IS NULL OR pk = ANY($3::bigint[]))`,
      [subscriptionId, nowMs, deliveryIds ?? null],
    );
    return rowCount ?? 0;
  }

  async deliveryBacklog(): Promise<{ pending: number; parked: number }> {
    const { rows } = await this.pool.query<{ pending: string; parked: string }>(
      "SELECT count(*) FILTER (WHERE NOT parked) AS pending, count(*) FILTER (WHERE parked) AS parked FROM deliveries",
    );
    return { pending: Number(rows[0]!.pending), parked: Number(rows[0]!.parked) };
  }

  async countDueFleets(untilMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM fleets WHERE next_due_ms <= $1", [untilMs]);
    return Number(rows[0]!.n);
  }

  async secret(name: string): Promise<Buffer> {
    // Every node reads the same secret: the first to start creates it, the rest find it.
    await this.pool.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [
      `secret:${name}`,
      randomBytes(32),
    ]);
    const { rows } = await this.pool.query<{ value: Buffer }>("SELECT value FROM meta WHERE key = $1", [`secret:${name}`]);
    return rows[0]!.value;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
