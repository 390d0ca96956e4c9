/**
 * Schema version 6 rewrites PostgreSQL's events table (columns reordered, event IDs as bytea). A
 * database populated at version 5 must come out of it with every event exact: same sequence numbers,
 * IDs, text, counts, logs, feed positions and deliveries, every ID stored as a new append would
 * store it (so lookups and conflicts find it), and the sequence going on where it stood.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { postgresMigrations } from "../../src/store/migrations/postgres.js";
import { eventIdBytes, eventIdFromBytes } from "../../src/store/postgres-event-ids.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import type { Scope } from "../../src/store/types.js";
import { PG_ADMIN_URL, pgUnavailable, runSql } from "../helpers/postgres.js";
import { newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;
const scope: Scope = { accountId: "111122223333", region: "us-west-2" };

/** Event IDs of every form the API accepts: minted UUIDs, other UUID spellings, 16-byte IDs (which get a marker byte), any text. */
const IDS = [
  "0190f3a4-5b6c-7d8e-9fa0-b1c2d3e4f5a6",
  "00000000-0000-4000-8000-000000000000",
  "0190F3A4-5B6C-7D8E-9FA0-B1C2D3E4F5A6",
  "{0190f3a4-5b6c-7d8e-9fa0-b1c2d3e4f5a7}",
  "0190f3a45b6c7d8e9fa0b1c2d3e4f5a6",
  "exactly-16-bytes",
  "éééé12345678",
  "short",
  "x".repeat(1024),
  "tab\tand\nnewline\\",
  "日本語のイベント",
];

const EVENT_SQL = `SELECT seq::text, fleet_pk::text, event_id, resource_id, event_code, message, event_time_ms::text, count, has_log, txid::text
                   FROM events ORDER BY seq`;

/** Applies versions 1 to 5 as a liftlog of that version would have, and stores events with the old schema. */
async function populateVersion5(client: pg.Client): Promise<void> {
  await client.query("CREATE TABLE liftlog_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  for (let v = 0; v < 5; v++) {
    await client.query(postgresMigrations[v]!);
    await client.query("INSERT INTO liftlog_migrations (version) VALUES ($1)", [v + 1]);
  }
  for (const fleet of ["fleet-a", "fleet-b"]) {
    await client.query(
      `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, attributes)
       VALUES ($1, $2, $3, $4, 'm', 'external', 'ACTIVE', 1, '{}')`,
      [scope.accountId, scope.region, fleet, `arn:aws:gamelift:${scope.region}:${scope.accountId}:fleet/${fleet}`],
    );
  }
  await client.query(
    `INSERT INTO subscriptions (subscription_id, account_id, region, url, filter, created_ms) VALUES ('sub-1', $1, $2, 'http://127.0.0.1:9/', '{}', 1)`,
    [scope.accountId, scope.region],
  );
  for (const [i, id] of IDS.entries()) {
    // Events from before the feed's migration have no txid; the rest have their transaction's.
    await client.query(
      `INSERT INTO events (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log, txid)
       VALUES ((SELECT pk FROM fleets WHERE fleet_id = $1), $2, $3, $4, $5, $6, $7, $8, ${i % 3 === 0 ? "NULL" : "DEFAULT"})`,
      [
        i % 2 ? "fleet-a" : "fleet-b",
        id,
        `i-${i}`,
        i % 2 ? "SERVER_PROCESS_CRASHED" : "FLEET_STATE_ACTIVE",
        `message ${id}`,
        1_700_000_000_000 + (i % 4),
        i + 1,
        i % 2 === 1,
      ],
    );
    if (i % 2 === 1) await client.query("INSERT INTO event_logs (seq, log) VALUES (currval('events_seq_seq'), $1)", [`log of ${id}\n`]);
  }
  await client.query("INSERT INTO deliveries (subscription_pk, fleet_pk, seq) SELECT 1, fleet_pk, seq FROM events WHERE seq % 2 = 0");
}

describe("postgres schema version 6 on a populated database", { skip }, () => {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, options: `-c search_path=${schema}` });
  let store: PostgresStore | undefined;
  after(async () => {
    await store?.close();
    await admin.end().catch(() => undefined);
    await runSql(PG_ADMIN_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it("keeps every event, log and delivery exact, and stores IDs as new appends do", async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await populateVersion5(admin);
    const before = (await admin.query(EVENT_SQL)).rows as Record<string, unknown>[];
    const logsBefore = (await admin.query("SELECT seq::text, log FROM event_logs ORDER BY seq")).rows;
    const deliveriesBefore = (await admin.query("SELECT pk, subscription_pk, fleet_pk, seq::text FROM deliveries ORDER BY pk")).rows;
    assert.equal(before.length, IDS.length);

    store = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });

    const { rows: version } = await admin.query<{ v: number }>("SELECT max(version) AS v FROM liftlog_migrations");
    assert.equal(version[0]!.v, postgresMigrations.length);
    const after = (await admin.query(EVENT_SQL)).rows as (Record<string, unknown> & { event_id: Buffer })[];
    assert.deepEqual(
      after.map((r) => ({ ...r, event_id: eventIdFromBytes(r.event_id) })),
      before,
    );
    assert.deepEqual(
      after.map((r) => r.event_id.toString("hex")),
      before.map((r) => eventIdBytes(r.event_id as string).toString("hex")),
    );
    assert.deepEqual((await admin.query("SELECT seq::text, log FROM event_logs ORDER BY seq")).rows, logsBefore);
    assert.deepEqual(
      (await admin.query("SELECT pk, subscription_pk, fleet_pk, seq::text FROM deliveries ORDER BY pk")).rows,
      deliveriesBefore,
    );

    // Through the store: every fleet's events, newest first, and every log by its ID.
    for (const fleetId of ["fleet-a", "fleet-b"]) {
      const fleetPk = (await admin.query<{ pk: string }>("SELECT pk::text FROM fleets WHERE fleet_id = $1", [fleetId])).rows[0]!.pk;
      const expected = before
        .filter((r) => r.fleet_pk === fleetPk)
        .sort((a, b) => Number(b.event_time_ms) - Number(a.event_time_ms) || Number(b.seq) - Number(a.seq))
        .map((r) => ({
          seq: Number(r.seq),
          eventId: r.event_id,
          fleetId,
          resourceId: r.resource_id,
          eventCode: r.event_code,
          message: r.message,
          eventTimeMs: Number(r.event_time_ms),
          count: r.count,
          hasLog: r.has_log,
        }));
      assert.deepEqual(await store.queryEvents(scope, { fleetId, limit: 100 }), expected);
    }
    for (const log of logsBefore as { seq: string; log: string }[]) {
      const row = before.find((r) => r.seq === log.seq)!;
      assert.equal((await store.getEventLog(scope, row.event_id as string))?.log, log.log);
    }

    // Appends go on after the old sequence numbers, and a migrated ID is still taken.
    const [next] = await store.appendEvents(scope, [newEvent("fleet-a", 1_700_000_000_010)]);
    assert.ok(next!.seq > Math.max(...before.map((r) => Number(r.seq))));
    for (const id of IDS) {
      await assert.rejects(store.appendEvents(scope, [newEvent("fleet-b", 1, { eventId: id })]), (err) => isUniqueViolation(err), id);
    }
  });
});
