/**
 * The store for several nodes: PostgreSQL through `pg`, with a bounded pool and named (prepared)
 * statements for the hot queries. Same contract as SQLite (test/contract).
 *
 * Ordering within a fleet needs sequence numbers that commit in order: an append locks its fleets'
 * rows (FOR UPDATE) before drawing sequence numbers, so a reader's cursor can never be overtaken by a
 * slower transaction holding a smaller number. Batches go in as one multi-row INSERT over unnest().
 */
import pg from "pg";
import { randomBytes } from "node:crypto";
import { postgresMigrations } from "./migrations/postgres.js";
import type { EventQuery, FleetQuery, FleetRecord, NewEvent, Scope, Store, StoredEvent } from "./types.js";

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
}

interface EventRow {
  seq: string;
  event_id: string;
  resource_id: string;
  event_code: string;
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
  };
}

function toEvent(row: EventRow, fleetId: string): StoredEvent {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    fleetId,
    resourceId: row.resource_id,
    eventCode: row.event_code,
    message: row.message,
    eventTimeMs: Number(row.event_time_ms),
    count: row.count,
    hasLog: row.has_log,
  };
}

const fleetValues = (f: FleetRecord) => [
  f.accountId, f.region, f.fleetId, f.fleetArn, f.name, f.kind, f.status, f.creationTimeMs, f.terminationTimeMs ?? null, f.deleted, JSON.stringify(f.attributes),
];

const INSERT_FLEET = `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, termination_time_ms, deleted, attributes)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const UPDATE_FLEET = `UPDATE fleets SET fleet_arn = $4, name = $5, kind = $6, status = $7, creation_time_ms = $8, termination_time_ms = $9, deleted = $10, attributes = $11
  WHERE account_id = $1 AND region = $2 AND fleet_id = $3`;

export class PostgresStore implements Store {
  private constructor(private readonly pool: pg.Pool) {}

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
      await client.query("CREATE TABLE IF NOT EXISTS liftlog_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
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
    await this.pool.query({ name: "update-fleet", text: UPDATE_FLEET, values: fleetValues(fleet) });
  }

  async appendEvents(scope: Scope, events: NewEvent[], fleets: FleetRecord[] = []): Promise<StoredEvent[]> {
    return this.transaction(async (client) => {
      const stored = await this.insertEvents(client, scope, events);
      for (const fleet of fleets) await client.query({ name: "update-fleet", text: UPDATE_FLEET, values: fleetValues(fleet) });
      return stored;
    });
  }

  /** Inserts events inside the caller's transaction, after locking their fleets' rows. */
  private async insertEvents(client: pg.PoolClient, scope: Scope, events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const fleetIds = [...new Set(events.map((e) => e.fleetId))].sort();
    const { rows: fleetRows } = await client.query<{ pk: string; fleet_id: string }>({
      name: "lock-fleets",
      text: "SELECT pk, fleet_id FROM fleets WHERE account_id = $1 AND region = $2 AND fleet_id = ANY($3::text[]) ORDER BY fleet_id FOR UPDATE",
      values: [scope.accountId, scope.region, fleetIds],
    });
    const pks = new Map(fleetRows.map((r) => [r.fleet_id, r.pk]));
    const missing = fleetIds.find((id) => !pks.has(id));
    if (missing) throw new Error(`store: no fleet ${missing} in ${scope.accountId}/${scope.region}`);

    const { rows } = await client.query<{ seq: string; event_id: string }>({
      name: "insert-events",
      text: `INSERT INTO events (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log)
             SELECT fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::bool[])
                  WITH ORDINALITY AS t (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log, ord)
             ORDER BY ord
             RETURNING seq, event_id`,
      values: [
        events.map((e) => pks.get(e.fleetId)),
        events.map((e) => e.eventId),
        events.map((e) => e.resourceId),
        events.map((e) => e.eventCode),
        events.map((e) => e.message),
        events.map((e) => e.eventTimeMs),
        events.map((e) => e.count ?? 1),
        events.map((e) => e.log !== undefined),
      ],
    });
    const seqs = new Map(rows.map((r) => [r.event_id, Number(r.seq)]));
    const stored = events.map((e) => ({ ...e, seq: seqs.get(e.eventId)!, count: e.count ?? 1, hasLog: e.log !== undefined }));
    const logged = stored.filter((e) => e.log !== undefined);
    if (logged.length > 0) {
      await client.query({
        name: "insert-logs",
        text: "INSERT INTO event_logs (seq, log) SELECT * FROM unnest($1::bigint[], $2::text[])",
        values: [logged.map((e) => e.seq), logged.map((e) => e.log)],
      });
    }
    return stored;
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
    return rows.map((r) => toEvent(r, query.fleetId));
  }

  async getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined> {
    const { rows } = await this.pool.query<{ fleet_id: string; log: string }>({
      name: "get-log",
      text: `SELECT f.fleet_id, l.log FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN event_logs l ON l.seq = e.seq
             WHERE e.event_id = $1 AND f.account_id = $2 AND f.region = $3`,
      values: [eventId, scope.accountId, scope.region],
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

  async secret(name: string): Promise<Buffer> {
    // Every node reads the same secret: the first to start creates it, the rest find it.
    await this.pool.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [`secret:${name}`, randomBytes(32)]);
    const { rows } = await this.pool.query<{ value: Buffer }>("SELECT value FROM meta WHERE key = $1", [`secret:${name}`]);
    return rows[0]!.value;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
