/**
 * The embedded default store: SQLite through better-sqlite3, in WAL mode with synchronous=FULL so
 * an acknowledged write survives a crash of the process (and of the machine).
 *
 * Pages are keyset range scans on events(fleet_pk, event_time_ms, seq): the first page and a page
 * a million events deep cost the same. Logs live in their own table so that scans stay narrow.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { sqliteMigrations } from "./migrations/sqlite.js";
import type { EventQuery, FleetQuery, FleetRecord, NewEvent, Scope, Store, StoredEvent } from "./types.js";

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
}

interface EventRow {
  seq: number;
  event_id: string;
  fleet_id: string;
  resource_id: string;
  event_code: string;
  message: string;
  event_time_ms: number;
  count: number;
  has_log: number;
}

const EVENT_COLUMNS = "e.seq, e.event_id, f.fleet_id, e.resource_id, e.event_code, e.message, e.event_time_ms, e.count, e.has_log";

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
  };
}

function toEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    fleetId: row.fleet_id,
    resourceId: row.resource_id,
    eventCode: row.event_code,
    message: row.message,
    eventTimeMs: row.event_time_ms,
    count: row.count,
    hasLog: row.has_log === 1,
  };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts;

  /** `path` is a file, or ":memory:" for a throwaway store. */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.migrate();
    const db = this.db;
    this.stmts = {
      fleetPk: db.prepare<[string, string, string], { pk: number }>(
        "SELECT pk FROM fleets WHERE account_id = ? AND region = ? AND fleet_id = ?",
      ),
      getFleet: db.prepare<[string, string, string], FleetRow>(
        "SELECT * FROM fleets WHERE account_id = ? AND region = ? AND fleet_id = ?",
      ),
      insertFleet: db.prepare(
        `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, termination_time_ms, deleted, attributes)
         VALUES (@accountId, @region, @fleetId, @fleetArn, @name, @kind, @status, @creationTimeMs, @terminationTimeMs, @deleted, @attributes)`,
      ),
      updateFleet: db.prepare(
        `UPDATE fleets SET name = @name, status = @status, termination_time_ms = @terminationTimeMs, deleted = @deleted, attributes = @attributes
         WHERE account_id = @accountId AND region = @region AND fleet_id = @fleetId`,
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertLog: db.prepare("INSERT INTO event_logs (seq, log) VALUES (?, ?)"),
      getLog: db.prepare<[string, string, string], { fleet_id: string; log: string }>(
        `SELECT f.fleet_id, l.log FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN event_logs l ON l.seq = e.seq
         WHERE e.event_id = ? AND f.account_id = ? AND f.region = ?`,
      ),
      deleteBefore: db.prepare(
        "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE event_time_ms < ? ORDER BY event_time_ms LIMIT ?)",
      ),
      getMeta: db.prepare<[string], { value: Buffer }>("SELECT value FROM meta WHERE key = ?"),
      putMetaIfAbsent: db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)"),
    };
  }

  /** Applies pending versions in one write transaction, so two processes opening a new file cannot both apply one. */
  private migrate(): void {
    this.db.transaction(() => {
      const current = this.db.pragma("user_version", { simple: true }) as number;
      for (let version = current; version < sqliteMigrations.length; version++) {
        this.db.exec(sqliteMigrations[version]!);
        this.db.pragma(`user_version = ${version + 1}`);
      }
    }).immediate();
  }

  async createFleet(fleet: FleetRecord, events: NewEvent[] = []): Promise<StoredEvent[]> {
    return this.db.transaction(() => {
      this.stmts.insertFleet.run(fleetParams(fleet));
      return this.insertEvents(fleet, events);
    }).immediate();
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
    this.stmts.updateFleet.run(fleetParams(fleet));
  }

  async appendEvents(scope: Scope, events: NewEvent[], fleets: FleetRecord[] = []): Promise<StoredEvent[]> {
    return this.db.transaction(() => {
      const stored = this.insertEvents(scope, events);
      for (const fleet of fleets) this.stmts.updateFleet.run(fleetParams(fleet));
      return stored;
    }).immediate();
  }

  /** Inserts events inside the caller's transaction. */
  private insertEvents(scope: Scope, events: NewEvent[]): StoredEvent[] {
      const pks = new Map<string, number>();
      return events.map((event) => {
        let pk = pks.get(event.fleetId);
        if (pk === undefined) {
          pk = this.stmts.fleetPk.get(scope.accountId, scope.region, event.fleetId)?.pk;
          if (pk === undefined) throw new Error(`store: no fleet ${event.fleetId} in ${scope.accountId}/${scope.region}`);
          pks.set(event.fleetId, pk);
        }
        const count = event.count ?? 1;
        const hasLog = event.log !== undefined;
        const { lastInsertRowid } = this.stmts.insertEvent.run(
          pk, event.eventId, event.resourceId, event.eventCode, event.message, event.eventTimeMs, count, hasLog ? 1 : 0,
        );
        const seq = Number(lastInsertRowid);
        if (hasLog) this.stmts.insertLog.run(seq, event.log);
        return { ...event, seq, count, hasLog };
      });
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
    const sql = `SELECT ${EVENT_COLUMNS} FROM fleets f CROSS JOIN events e
      WHERE f.account_id = ? AND f.region = ? AND f.fleet_id = ? AND ${conditions.join(" AND ")}
      ORDER BY e.event_time_ms DESC, e.seq DESC LIMIT ?`;
    return this.cachedStatement(sql).all(...params).map(toEvent);
  }

  async getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined> {
    const row = this.stmts.getLog.get(eventId, scope.accountId, scope.region);
    return row ? { fleetId: row.fleet_id, log: row.log } : undefined;
  }

  async deleteEventsBefore(cutoffMs: number, limit: number): Promise<number> {
    return this.stmts.deleteBefore.run(cutoffMs, limit).changes;
  }

  async secret(name: string): Promise<Buffer> {
    this.stmts.putMetaIfAbsent.run(`secret:${name}`, randomBytes(32));
    return this.stmts.getMeta.get(`secret:${name}`)!.value;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private readonly statements = new Map<string, Database.Statement<unknown[], EventRow>>();

  /** Event queries come in a handful of shapes (which bounds are present); each is prepared once. */
  private cachedStatement(sql: string): Database.Statement<unknown[], EventRow> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[], EventRow>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

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
  };
}
