/**
 * The store methods the lifecycle relies on, on every engine (SQLite files; PostgreSQL where one
 * runs, LIFTLOG_TEST_PG): Count coalescing at 1, 100, 101 and 102 repeats and at the window's edge,
 * claims on due fleets, resources, and the clock's high-water mark.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.js";
import { PostgresStore } from "../../src/store/postgres.js";
import type { FleetRecord, NewEvent, Scope, Store } from "../../src/store/types.js";
import { fleetRecord } from "../contract/store-contract.js";
import { PG_ADMIN_URL as PG_URL, pgUnavailable, runSql } from "../helpers/postgres.js";

const scope: Scope = { accountId: "123456789012", region: "us-west-2" };
const WINDOW = 900_000;

const fleet = (overrides: Partial<FleetRecord> = {}) => fleetRecord(scope, { kind: "simulated", ...overrides });

const crash = (fleetId: string, at: number, message = "crashed"): NewEvent => ({
  eventId: randomUUID(),
  fleetId,
  resourceId: "i-0123456789abcdef0",
  eventCode: "SERVER_PROCESS_CRASHED",
  message,
  eventTimeMs: at,
  log: `log at ${at}`,
  coalesce: true,
});

const dir = mkdtempSync(join(tmpdir(), "liftlog-lifecycle-store-"));
const schema = `liftlog_lifecycle_${randomBytes(6).toString("hex")}`;
const engines: { name: string; skip?: string; open: () => Promise<Store>; cleanup: () => Promise<void> }[] = [
  {
    name: "sqlite",
    open: async () => new SqliteStore(join(dir, "liftlog.db")),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  },
  {
    name: "postgres",
    skip: await pgUnavailable(),
    open: () => PostgresStore.open({ connectionString: PG_URL, schema, poolSize: 2 }),
    cleanup: () => runSql(PG_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  },
];

for (const engine of engines) {
  describe(`lifecycle store methods: ${engine.name}`, { skip: engine.skip }, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store?.close();
      await engine.cleanup();
    });

    /** `repeats` crashes one second apart, appended one call at a time or in one batch. */
    async function repeat(repeats: number, oneBatch: boolean) {
      const f = fleet();
      await store.createFleet(f);
      const events = Array.from({ length: repeats }, (_, i) => crash(f.fleetId, 10_000 + i * 1000));
      const landed = oneBatch ? await store.appendEvents(scope, events, [], { coalesceWithinMs: WINDOW }) : [];
      if (!oneBatch) for (const e of events) landed.push(...(await store.appendEvents(scope, [e], [], { coalesceWithinMs: WINDOW })));
      const rows = await store.queryEvents(scope, { fleetId: f.fleetId, limit: 10 });
      return { f, events, landed, rows };
    }

    for (const oneBatch of [false, true]) {
      for (const [repeats, counts] of [
        [1, [1]],
        [100, [100]],
        [101, [101]],
        [102, [1, 101]],
      ] as const) {
        it(`coalesces ${repeats} repeats into Counts ${JSON.stringify(counts)} (${oneBatch ? "one batch" : "one append each"})`, async () => {
          const { events, landed, rows } = await repeat(repeats, oneBatch);
          assert.deepEqual(
            rows.map((r) => r.count),
            counts,
            "newest first",
          );
          // Each row keeps its first occurrence: time, ID, log.
          const firsts = counts.length === 2 ? [events[101]!, events[0]!] : [events[0]!];
          assert.deepEqual(
            rows.map((r) => r.eventId),
            firsts.map((e) => e.eventId),
          );
          assert.deepEqual(
            rows.map((r) => r.eventTimeMs),
            firsts.map((e) => e.eventTimeMs),
          );
          assert.equal((await store.getEventLog(scope, firsts[0]!.eventId))?.log, `log at ${firsts[0]!.eventTimeMs}`);
          // Every repeat reports the event it landed in.
          assert.deepEqual(
            landed.map((e) => e.eventId),
            events.map((_, i) => (i < 101 ? events[0]!.eventId : events[101]!.eventId)),
          );
          if (!oneBatch)
            assert.deepEqual(
              landed.map((e) => e.count),
              events.map((_, i) => (i < 101 ? i + 1 : i - 100)),
            );
        });
      }
    }

    it("starts a new event outside the window, or when resource, code or message differ", async () => {
      const f = fleet();
      await store.createFleet(f);
      const base = crash(f.fleetId, 50_000);
      const batch = [
        base,
        { ...crash(f.fleetId, 50_000 + WINDOW) },
        { ...crash(f.fleetId, 50_000 + WINDOW + 1) },
        { ...crash(f.fleetId, 50_001), resourceId: "i-other" },
        { ...crash(f.fleetId, 50_002), eventCode: "SERVER_PROCESS_TERMINATED_UNHEALTHY" },
        crash(f.fleetId, 50_003, "another message"),
      ];
      await store.appendEvents(scope, batch, [], { coalesceWithinMs: WINDOW });
      const rows = await store.queryEvents(scope, { fleetId: f.fleetId, limit: 10 });
      assert.deepEqual(
        rows.map((r) => [r.eventTimeMs, r.count]),
        [
          [50_000 + WINDOW + 1, 1],
          [50_003, 1],
          [50_002, 1],
          [50_001, 1],
          [50_000, 2],
        ],
      );
      // Without the option, repeats are rows of their own (the admin ingest path); so are events not marked to coalesce.
      await store.appendEvents(scope, [crash(f.fleetId, 50_000)]);
      await store.appendEvents(scope, [{ ...crash(f.fleetId, 50_000), coalesce: false }], [], { coalesceWithinMs: WINDOW });
      assert.equal((await store.queryEvents(scope, { fleetId: f.fleetId, limit: 10 })).length, 7);
    });

    it("claims due fleets once per owner until released or the lease runs out", async () => {
      const due = fleet({ nextDueMs: 5_000, state: { agenda: [1] } });
      const later = fleet({ nextDueMs: 9_000 });
      const idle = fleet();
      for (const f of [due, later, idle]) await store.createFleet(f);
      assert.equal(await store.nextDueMs(), 5_000);
      const mine = await store.claimDueFleets(6_000, { owner: "a", leaseMs: 60_000, limit: 10 });
      assert.deepEqual(
        mine.map((f) => f.fleetId),
        [due.fleetId],
      );
      assert.deepEqual(mine[0]!.state, { agenda: [1] });
      assert.deepEqual(await store.claimDueFleets(6_000, { owner: "b", leaseMs: 60_000, limit: 10 }), [], "claimed by a");
      assert.deepEqual(
        (await store.claimDueFleets(10_000, { owner: "b", leaseMs: 60_000, limit: 10 })).map((f) => f.fleetId),
        [later.fleetId],
      );
      // Writing the fleet with release ends a's claim; b may then take it.
      await store.appendEvents(scope, [], [{ ...due, nextDueMs: 7_000 }], { releaseClaimOf: "a" });
      assert.deepEqual(
        (await store.claimDueFleets(8_000, { owner: "b", leaseMs: 0, limit: 10 })).map((f) => f.nextDueMs),
        [7_000],
      );
      // b's lease of 0 ms has run out: a takes it back.
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await store.claimDueFleets(8_000, { owner: "a", leaseMs: 60_000, limit: 10 })).length, 1);
      await store.updateFleet({ ...due, nextDueMs: undefined });
      await store.updateFleet({ ...later, nextDueMs: undefined });
      assert.equal(await store.nextDueMs(), undefined);
      const { nextDueMs: _due, ...settled } = due;
      // Written twice (the append above, the update here): version 2.
      assert.deepEqual(await store.getFleet(scope, due.fleetId), { ...settled, version: 2 });
    });

    it("keeps resources by type and ID, in creation order, scoped", async () => {
      const other: Scope = { ...scope, region: "eu-west-1" };
      for (const id of ["b-1", "b-2", "b-3"]) await store.putResource(scope, { type: "build", id, body: { Name: id } });
      await store.putResource(scope, { type: "location", id: "b-1", body: { other: true } });
      await store.putResource(scope, { type: "build", id: "b-1", body: { Name: "renamed" } });
      assert.deepEqual(await store.getResource(scope, "build", "b-1"), { type: "build", id: "b-1", body: { Name: "renamed" } });
      assert.equal(await store.getResource(other, "build", "b-1"), undefined);
      assert.deepEqual(
        (await store.listResources(scope, "build", { limit: 2 })).map((r) => r.id),
        ["b-1", "b-2"],
        "a replaced body keeps its place",
      );
      assert.deepEqual(
        (await store.listResources(scope, "build", { afterId: "b-2", limit: 5 })).map((r) => r.id),
        ["b-3"],
      );
      assert.equal(await store.deleteResource(scope, "build", "b-2"), true);
      assert.equal(await store.deleteResource(scope, "build", "b-2"), false);
      assert.deepEqual(
        (await store.listResources(scope, "build", { afterId: "b-2", limit: 5 })).map((r) => r.id),
        [],
        "a vanished cursor ends the listing",
      );
    });

    it("keeps the clock's high-water mark: it only rises", async () => {
      assert.equal(await store.readClock(), undefined);
      assert.equal(await store.advanceClock(2_000), 2_000);
      assert.equal(await store.advanceClock(1_000), 2_000);
      assert.equal(await store.readClock(), 2_000);
    });
  });
}
