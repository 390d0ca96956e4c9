/**
 * PostgreSQL stores event codes as numbers (schema version 7) that each node keeps in memory. Two
 * stores on one database stand for two nodes: events with codes one node numbered must read back
 * with their codes on the other (pages, the feed, history replay, deliveries), and two nodes
 * storing the same new code at once must both succeed (they would pick the same number for it if
 * they did not take turns) and read it back alike.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PostgresStore } from "../../src/store/postgres.js";
import type { Scope } from "../../src/store/types.js";
import { PG_ADMIN_URL, pgUnavailable, runSql } from "../helpers/postgres.js";
import { fleetRecord, newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;
const scope: Scope = { accountId: "111122223333", region: "us-west-2" };

describe("postgres event codes across nodes", { skip }, () => {
  let writer: PostgresStore;
  let reader: PostgresStore;
  before(async () => {
    writer = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });
    reader = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });
  });
  after(async () => {
    await writer?.close();
    await reader?.close();
    await runSql(PG_ADMIN_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it("reads back on one node the codes another node numbered, everywhere events are read", async () => {
    const fleet = fleetRecord(scope);
    await writer.createFleet(fleet);
    await reader.createSubscription({ subscriptionId: "sub-codes", ...scope, url: "http://127.0.0.1:9/", createdMs: 1 });
    const head = await reader.appendHead();
    const codes = ["FLEET_STATE_ACTIVE", "SERVER_PROCESS_CRASHED", "NOT_A_MODEL_CODE"];
    const stored = await writer.appendEvents(
      scope,
      codes.map((eventCode, i) => newEvent(fleet.fleetId, 1_000 + i, { eventCode, ...(i === 1 ? { resourceId: "i-1" } : {}) })),
    );
    const expected = [...stored].reverse();

    assert.deepEqual(await reader.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 }), expected);
    // The feed reads only below the oldest transaction still running on the server, anyone's: wait
    // for one that another client of this PostgreSQL may be running to end.
    let appended = (await reader.readAppended(scope, { after: head, limit: 10 })).events;
    for (let tries = 0; appended.length < stored.length && tries < 100; tries++) {
      await sleep(50);
      appended = (await reader.readAppended(scope, { after: head, limit: 10 })).events;
    }
    assert.deepEqual(
      appended.map(({ position: _position, ...e }) => e),
      stored,
    );
    const replayed = await reader.replayEvents(scope, { sinceMs: 0, head: await reader.appendHead(), limit: 10 });
    assert.deepEqual(replayed, stored);
    const deliveries = await reader.listDeliveries("sub-codes", { parked: false, limit: 10 });
    assert.deepEqual(
      deliveries.map((d) => d.event),
      stored,
    );
  });

  it("stores a new code from two nodes at once, one number read alike on both", async () => {
    const fleet = fleetRecord(scope);
    await writer.createFleet(fleet);
    const [a, b] = await Promise.all(
      [writer, reader].map((store, i) => store.appendEvents(scope, [newEvent(fleet.fleetId, 2_000 + i, { eventCode: "BRAND_NEW_CODE" })])),
    );
    const page = await writer.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 });
    assert.deepEqual(page, [...b!, ...a!]);
    assert.deepEqual(await reader.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 }), page);
  });
});
