/**
 * PostgreSQL appends of batches still arriving (AppendOptions.arriving): the store COPYs events as
 * they come in. Stored whole and in order once complete; nothing stored when dropped or when an
 * event ID is reused, and the connection serves the next append; past the appends it takes at once,
 * a batch waits and is stored whole.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PostgresStore } from "../../src/store/postgres.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import type { Arrival, ArrivingEvents, FleetRecord, NewEvent, Scope } from "../../src/store/types.js";
import pg from "pg";
import { PG_ADMIN_URL, pgUnavailable, runSql } from "../helpers/postgres.js";
import { fleetRecord, newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;
const scope: Scope = { accountId: "111122223333", region: "us-west-2" };

/** A batch the test feeds by hand. */
class Feed implements ArrivingEvents {
  readonly events: NewEvent[] = [];
  readonly limit = 10_000;
  private settled: Arrival | undefined;
  private waiter: { count: number; resolve: (a: Arrival) => void } | undefined;

  wait(count: number): Promise<Arrival> {
    if (this.settled) return Promise.resolve(this.settled);
    if (this.events.length > count) return Promise.resolve({ state: "more" });
    return new Promise((resolve) => (this.waiter = { count, resolve }));
  }

  add(events: NewEvent[]): void {
    this.events.push(...events);
    if (this.waiter && this.events.length > this.waiter.count) this.wake({ state: "more" });
  }

  settle(arrival: Arrival): void {
    this.settled = arrival;
    this.wake(arrival);
  }

  private wake(arrival: Arrival): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(arrival);
  }
}

async function runSqlRows(sql: string): Promise<{ n: number }[]> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<{ n: number }>(sql)).rows;
  } finally {
    await client.end();
  }
}

const batch = (fleetId: string, n: number, from: number) => Array.from({ length: n }, (_, i) => newEvent(fleetId, from + i));

describe("postgres appends of batches still arriving", { skip }, () => {
  let store: PostgresStore;
  let fleet: FleetRecord;
  before(async () => {
    // Two connections, one of them for arriving appends: a dropped or refused one must leave it usable.
    store = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });
    fleet = fleetRecord(scope);
    await store.createFleet(fleet);
    // The code gets its number here: an arriving append meeting a code without one is stored whole (last test).
    const other = fleetRecord(scope);
    await store.createFleet(other, [newEvent(other.fleetId, 0)]);
  });
  after(async () => {
    await store?.close();
    await runSql(PG_ADMIN_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  const readAll = async () => (await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10_000 })).reverse();

  it("stores a batch fed in pieces whole, in order, with the fleet record given at the end", async () => {
    const feed = new Feed();
    feed.add(batch(fleet.fleetId, 1, 0));
    const appending = store.appendEvents(scope, feed.events, [], { eventsStorable: true, arriving: feed });
    for (let from = 1; from < 1_700; from += 300) {
      await sleep(5);
      feed.add(batch(fleet.fleetId, 300, from).map((e, i) => (i === 7 ? { ...e, log: "a\tlog\n" } : e)));
    }
    // Under way before the batch is complete: its COPY is running.
    const copying = await runSqlRows(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY events %' AND state = 'active'",
    );
    assert.ok(copying[0]!.n >= 1);
    const updated = { ...(await store.getFleet(scope, fleet.fleetId))!, status: "ACTIVE" };
    feed.settle({ state: "complete", fleets: [updated] });
    const stored = await appending;
    assert.deepEqual(
      stored.map((e) => e.eventId),
      feed.events.map((e) => e.eventId),
    );
    for (let i = 1; i < stored.length; i++) assert.ok(stored[i]!.seq > stored[i - 1]!.seq);
    assert.deepEqual(
      (await readAll()).map((e) => e.eventId),
      feed.events.map((e) => e.eventId),
    );
    assert.equal((await store.getFleet(scope, fleet.fleetId))!.status, "ACTIVE");
    assert.equal((await store.getEventLog(scope, feed.events[8]!.eventId))?.log, "a\tlog\n");
  });

  it("stores nothing of a dropped batch or of one reusing a stored event ID, and appends afterwards", async () => {
    const before = await readAll();
    const dropped = new Feed();
    dropped.add(batch(fleet.fleetId, 1_200, 10_000));
    const droppedAppend = store.appendEvents(scope, dropped.events, [], { eventsStorable: true, arriving: dropped });
    await sleep(20);
    dropped.settle({ state: "dropped" });
    await assert.rejects(droppedAppend, /dropped/);

    const reused = new Feed();
    reused.add(batch(fleet.fleetId, 600, 20_000));
    const reusedAppend = store.appendEvents(scope, reused.events, [], { eventsStorable: true, arriving: reused });
    reused.add([newEvent(fleet.fleetId, 30_000, { eventId: before[0]!.eventId }), ...batch(fleet.fleetId, 600, 30_001)]);
    await sleep(20);
    reused.settle({ state: "complete", fleets: [] });
    await assert.rejects(reusedAppend, (err) => isUniqueViolation(err));

    assert.deepEqual(await readAll(), before);
    const [next] = await store.appendEvents(scope, [newEvent(fleet.fleetId, 40_000)]);
    assert.deepEqual(await readAll(), [...before, next]);
  });

  it("stores a batch whole once complete when it holds a code without a number yet", async () => {
    const before = await readAll();
    const feed = new Feed();
    feed.add(batch(fleet.fleetId, 600, 60_000));
    const appending = store.appendEvents(scope, feed.events, [], { eventsStorable: true, arriving: feed });
    await sleep(20);
    feed.add([
      newEvent(fleet.fleetId, 61_000, { eventCode: `CODE_${randomBytes(4).toString("hex")}` }),
      ...batch(fleet.fleetId, 600, 61_001),
    ]);
    await sleep(20);
    feed.settle({ state: "complete", fleets: [] });
    assert.deepEqual(
      (await appending).map((e) => e.eventId),
      feed.events.map((e) => e.eventId),
    );
    assert.deepEqual(
      (await readAll()).slice(before.length).map((e) => [e.eventId, e.eventCode]),
      feed.events.map((e) => [e.eventId, e.eventCode]),
    );
  });

  it("stores a batch whole once complete when more are arriving than it takes at once", async () => {
    const wide = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 8 });
    try {
      const feeds = Array.from({ length: 6 }, () => new Feed());
      const appends = feeds.map((feed, k) => {
        feed.add(batch(fleet.fleetId, 1, 50_000 + k * 1_000));
        return wide.appendEvents(scope, feed.events, [], { eventsStorable: true, arriving: feed });
      });
      await sleep(20);
      // Appends of one fleet serialize on its row lock: complete them all before awaiting any.
      feeds.forEach((feed, k) => {
        feed.add(batch(fleet.fleetId, 700, 50_001 + k * 1_000));
        feed.settle({ state: "complete", fleets: [] });
      });
      const stored = await Promise.all(appends);
      stored.forEach((events, k) =>
        assert.deepEqual(
          events.map((e) => e.eventId),
          feeds[k]!.events.map((e) => e.eventId),
        ),
      );
    } finally {
      await wide.close();
    }
  });
});
