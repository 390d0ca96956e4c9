/**
 * Schema versions 6 (columns reordered, event IDs as bytea) and 7 (event codes as numbers, a
 * resource that is the event's fleet as NULL, no foreign key to fleets) rewrite PostgreSQL's events
 * table. A database populated at version 5, and one populated at version 6, must come out with
 * every event exact: same sequence numbers, IDs, text, codes, resources, counts, logs, feed
 * positions and deliveries, every value stored as a new append would store it (so lookups and
 * conflicts find it), and the sequence going on where it stood.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { postgresMigrations } from "../../src/store/migrations/postgres.js";
import { eventIdBytes, eventIdFromBytes } from "../../src/store/postgres-event-ids.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import type { Scope } from "../../src/store/types.js";
import { migrationSchema, PG_ADMIN_URL, pgUnavailable } from "../helpers/postgres.js";
import { newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
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
                   FROM events ORDER BY events.seq`;

/** The same columns from the current layout, each as the events' text columns held it before. */
const CURRENT_EVENT_SQL = `SELECT e.seq::text, e.fleet_pk::text, e.event_id, coalesce(e.resource_id, f.fleet_id) AS resource_id, c.name AS event_code,
                                  e.message, e.event_time_ms::text, e.count, e.has_log, e.txid::text
                           FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN event_codes c ON c.code = e.event_code ORDER BY e.seq`;

type Row = Record<string, unknown> & { event_id: string };
/** Event rows with their IDs as text, however the layout stores them. */
const eventRows = async (client: pg.Client, sql: string): Promise<Row[]> =>
  (await client.query(sql)).rows.map((r: Record<string, unknown>) => ({
    ...r,
    event_id: Buffer.isBuffer(r.event_id) ? eventIdFromBytes(r.event_id) : (r.event_id as string),
  }));

/** A resource: the fleet itself for some events (stored as NULL since version 7), instances for the rest. */
const resourceOf = (i: number, fleet: string) => (i % 3 === 1 ? fleet : `i-${i}`);
/** Codes of the model and one that is not: the store keeps any code it is given. */
const CODES = ["SERVER_PROCESS_CRASHED", "FLEET_STATE_ACTIVE", "NOT_A_MODEL_CODE"];

/** Stores events as a liftlog of `version` would have (after the schema was brought to that version). */
async function populate(client: pg.Client, version: 5 | 6): Promise<void> {
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
    const fleet = i % 2 ? "fleet-a" : "fleet-b";
    // Events from before the feed's migration have no txid; the rest have their transaction's.
    await client.query(
      `INSERT INTO events (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log, txid)
       VALUES ((SELECT pk FROM fleets WHERE fleet_id = $1), $2, $3, $4, $5, $6, $7, $8, ${i % 3 === 0 ? "NULL" : "DEFAULT"})`,
      [
        fleet,
        version === 5 ? id : eventIdBytes(id),
        resourceOf(i, fleet),
        CODES[i % 3],
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

for (const version of [5, 6] as const) {
  describe(`postgres schema versions 6 and 7 on a database populated at version ${version}`, { skip }, () => {
    let store: PostgresStore | undefined;
    const { schema, admin, atVersion } = migrationSchema(() => store);

    it("keeps every event, log and delivery exact, and stores values as new appends do", async () => {
      await atVersion(version);
      await populate(admin, version);
      const before = await eventRows(admin, EVENT_SQL);
      const logsBefore = (await admin.query("SELECT seq::text, log FROM event_logs ORDER BY seq")).rows;
      const deliveriesBefore = (await admin.query("SELECT pk, subscription_pk, fleet_pk, seq::text FROM deliveries ORDER BY pk")).rows;
      assert.equal(before.length, IDS.length);

      store = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });

      const { rows: applied } = await admin.query<{ v: number }>("SELECT max(version) AS v FROM liftlog_migrations");
      assert.equal(applied[0]!.v, postgresMigrations.length);
      assert.deepEqual(await eventRows(admin, CURRENT_EVENT_SQL), before);
      const fleetIds = new Map(
        (await admin.query<{ pk: string; fleet_id: string }>("SELECT pk::text, fleet_id FROM fleets")).rows.map((f) => [f.pk, f.fleet_id]),
      );
      const fleetIdOf = (r: Row) => fleetIds.get(r.fleet_pk as string)!;
      const stored = (
        await admin.query<{ event_id: Buffer; resource_id: string | null }>("SELECT event_id, resource_id FROM events ORDER BY seq")
      ).rows;
      assert.deepEqual(
        stored.map((r) => r.event_id.toString("hex")),
        before.map((r) => eventIdBytes(r.event_id).toString("hex")),
      );
      assert.deepEqual(
        stored.map((r) => r.resource_id),
        before.map((r) => (r.resource_id === fleetIdOf(r) ? null : r.resource_id)),
      );
      assert.deepEqual((await admin.query("SELECT seq::text, log FROM event_logs ORDER BY seq")).rows, logsBefore);
      assert.deepEqual(
        (await admin.query("SELECT pk, subscription_pk, fleet_pk, seq::text FROM deliveries ORDER BY pk")).rows,
        deliveriesBefore,
      );

      // Through the store: every fleet's events, newest first, every log by its ID, and the outbox.
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
        assert.equal((await store.getEventLog(scope, row.event_id))?.log, log.log);
      }
      const outbox = await store.listDeliveries("sub-1", { parked: false, limit: 100 });
      assert.deepEqual(
        outbox.map((d) => [d.event.seq, d.event.eventCode, d.event.resourceId, d.event.fleetId]),
        before.filter((r) => Number(r.seq) % 2 === 0).map((r) => [Number(r.seq), r.event_code, r.resource_id, fleetIdOf(r)]),
      );

      // Appends go on after the old sequence numbers with the same code numbers, and a migrated ID is still taken.
      const [next] = await store.appendEvents(scope, [newEvent("fleet-a", 1_700_000_000_010, { eventCode: CODES[2]! })]);
      assert.ok(next!.seq > Math.max(...before.map((r) => Number(r.seq))));
      const codes = (
        await admin.query<{ name: string; n: string }>(
          "SELECT c.name, count(*)::text AS n FROM events e JOIN event_codes c ON c.code = e.event_code GROUP BY c.name ORDER BY c.name",
        )
      ).rows;
      assert.deepEqual(codes, [
        { name: "FLEET_STATE_ACTIVE", n: "4" },
        { name: "NOT_A_MODEL_CODE", n: "4" },
        { name: "SERVER_PROCESS_CRASHED", n: "4" },
      ]);
      for (const id of IDS) {
        await assert.rejects(store.appendEvents(scope, [newEvent("fleet-b", 1, { eventId: id })]), (err) => isUniqueViolation(err), id);
      }
    });
  });
}
