/**
 * The newest-page cache (src/operations/page-cache.ts) never serves a page that misses a committed
 * write. Each case reads a fleet's newest page through one node, writes through a writer, and reads
 * again: the second page must be exactly the store's newest events (every event, in order, with its
 * Count). Writers: the reading node itself and a second SQLite connection on the same file (as another
 * process would be); on PostgreSQL, a second node on the same database.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DescribeFleetEventsOutput } from "@aws-sdk/client-gamelift";
import { defaultConfig } from "../../src/config.js";
import { ManualClock } from "../../src/fleets/clock.js";
import { describeFleetEvents } from "../../src/operations/fleet-events.js";
import { PageCache } from "../../src/operations/page-cache.js";
import type { RequestContext, Services } from "../../src/operations/context.js";
import { createServices } from "../../src/server.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { NewEvent, Store } from "../../src/store/types.js";
import { fleetRecord, newEvent } from "../contract/store-contract.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";

const ctx: RequestContext = { scope: { accountId: "000000000000", region: "us-west-2" }, baseUrl: "http://127.0.0.1:1", requestId: "r" };
const T0 = 1_700_000_000_000;
const LIMIT = 5;

interface Setup {
  /** The node that reads. */
  reader: Services;
  clock: ManualClock;
  /** Who writes: the reader's own store, or another connection or node on the same data. */
  writers: Record<string, Store>;
  close(): Promise<void>;
}

/** What the newest page must be: the store's newest events, read without any cache. */
async function truth(store: Store, fleetId: string) {
  const rows = await store.queryEvents(ctx.scope, { fleetId, limit: LIMIT });
  return rows.map((e) => ({ id: e.eventId, count: e.count, message: e.message }));
}

const shown = (out: DescribeFleetEventsOutput) => out.Events!.map((e) => ({ id: e.EventId!, count: e.Count!, message: e.Message! }));

function cacheCases(name: string, setup: () => Promise<Setup>, skip?: string) {
  describe(`newest page after writes: ${name}`, { skip }, () => {
    let s: Setup;
    before(async () => {
      s = await setup();
    });
    after(async () => s?.close());

    for (const writer of name === "sqlite" ? ["same connection", "another connection"] : ["same node", "another node"]) {
      it(`shows an append, a Count raised in place and a retention delete made through ${writer}`, async () => {
        const store = s.writers[writer]!;
        const fleet = fleetRecord(ctx.scope);
        await s.reader.store.createFleet(fleet);
        const read = async () => shown(await describeFleetEvents(s.reader, ctx, { FleetId: fleet.fleetId, Limit: LIMIT }));
        const append = (events: NewEvent[]) => store.appendEvents(ctx.scope, events, [], { coalesceWithinMs: 60_000 });
        // Far in the past: retention below deletes them; no other fleet's events are that old.
        const old = [newEvent(fleet.fleetId, -5_000_000), newEvent(fleet.fleetId, -5_000_000 + 1)];
        await append([...old, ...[1, 2, 3].map((i) => newEvent(fleet.fleetId, T0 + i))]);
        assert.deepEqual(await read(), await truth(store, fleet.fleetId));

        await append([newEvent(fleet.fleetId, T0 + 10, { message: "appended" })]);
        const afterAppend = await read();
        assert.equal(afterAppend[0]!.message, "appended");
        assert.deepEqual(afterAppend, await truth(store, fleet.fleetId));

        const crash = () => newEvent(fleet.fleetId, T0 + 20, { eventCode: "SERVER_PROCESS_CRASHED", message: "crash", coalesce: true });
        await append([crash()]);
        assert.deepEqual((await read())[0], { id: (await truth(store, fleet.fleetId))[0]!.id, count: 1, message: "crash" });
        await append([crash()]);
        const raised = await read();
        assert.equal(raised[0]!.count, 2);
        assert.deepEqual(raised, await truth(store, fleet.fleetId));

        // Retention: with five newer events the old two were not on the page; with a small fleet they are.
        const small = fleetRecord(ctx.scope);
        await s.reader.store.createFleet(small);
        await store.appendEvents(ctx.scope, [newEvent(small.fleetId, -5_000_000 + 2), newEvent(small.fleetId, T0)]);
        const readSmall = async () => shown(await describeFleetEvents(s.reader, ctx, { FleetId: small.fleetId, Limit: LIMIT }));
        assert.equal((await readSmall()).length, 2);
        assert.equal(await store.deleteEventsBefore(-4_000_000, 100), 3);
        const afterDelete = await readSmall();
        assert.equal(afterDelete.length, 1);
        assert.deepEqual(afterDelete, await truth(store, small.fleetId));
      });
    }

    it("mints log URLs at each call, even for a page it served before", async () => {
      const fleet = fleetRecord(ctx.scope);
      await s.reader.store.createFleet(fleet);
      await s.reader.store.appendEvents(ctx.scope, [newEvent(fleet.fleetId, T0, { log: "a log" }), newEvent(fleet.fleetId, T0 + 1)]);
      const urlAt = async (ms: number) => {
        s.clock.set(ms);
        const out = await describeFleetEvents(s.reader, ctx, { FleetId: fleet.fleetId });
        assert.equal(out.Events![0]!.PreSignedLogUrl, undefined);
        return out.Events![1]!.PreSignedLogUrl!;
      };
      const first = await urlAt(T0 + 60_000);
      const later = await urlAt(T0 + 120_000);
      assert.match(first, new RegExp(`Expires=${(T0 + 60_000) / 1000 + 900}&`));
      assert.match(later, new RegExp(`Expires=${(T0 + 120_000) / 1000 + 900}&`));
    });

    it(`${name === "sqlite" ? "serves" : "does not keep"} an unchanged newest page again`, async () => {
      const fleet = fleetRecord(ctx.scope);
      await s.reader.store.createFleet(fleet);
      await s.reader.store.appendEvents(ctx.scope, [newEvent(fleet.fleetId, T0)]);
      const first = await describeFleetEvents(s.reader, ctx, { FleetId: fleet.fleetId });
      const second = await describeFleetEvents(s.reader, ctx, { FleetId: fleet.fleetId });
      assert.deepEqual(second, first);
      // The same event object is the cache at work (so the cases above exercise it); PostgreSQL keeps nothing.
      assert.equal(second.Events![0] === first.Events![0], name === "sqlite");
    });
  });
}

async function servicesOn(store: Store, clock: ManualClock): Promise<Services> {
  return createServices(defaultConfig({}), store, clock);
}

cacheCases("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liftlog-page-cache-"));
  const file = join(dir, "liftlog.db");
  const clock = new ManualClock(T0);
  const reader = await servicesOn(new SqliteStore(file), clock);
  const other = new SqliteStore(file);
  return {
    reader,
    clock,
    writers: { "same connection": reader.store, "another connection": other },
    close: async () => {
      await other.close();
      await reader.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const pgSkip = await pgUnavailable();
cacheCases(
  "postgres",
  async () => {
    const db = await createTestDatabase(undefined, `liftlog_cache_${randomUUID().slice(0, 8)}_`);
    const clock = new ManualClock(T0);
    const reader = await servicesOn(await PostgresStore.open({ connectionString: db.url, poolSize: 2 }), clock);
    const other = await PostgresStore.open({ connectionString: db.url, poolSize: 2 });
    return {
      reader,
      clock,
      writers: { "same node": reader.store, "another node": other },
      close: async () => {
        await other.close();
        await reader.store.close();
        await db.drop();
      },
    };
  },
  pgSkip,
);

describe("PageCache", () => {
  it("holds at most its bound, dropping the least recently used page, and nothing larger than the bound", () => {
    const cache = new PageCache<string>(100);
    cache.set("a", "m", "page a", 40);
    cache.set("b", "m", "page b", 40);
    assert.equal(cache.get("a", "m"), "page a"); // a is now the most recently used
    cache.set("c", "m", "page c", 40);
    assert.equal(cache.get("b", "m"), undefined);
    assert.equal(cache.get("a", "m"), "page a");
    assert.equal(cache.get("c", "m"), "page c");
    assert.equal(cache.size, 80);
    cache.set("huge", "m", "page", 101);
    assert.equal(cache.get("huge", "m"), undefined);
    assert.equal(cache.get("a", "other mark"), undefined, "a page read at another mark is stale");
    assert.equal(cache.get("a", "m"), undefined, "and dropped");
    assert.equal(cache.size, 40);
  });
});
