/**
 * PostgreSQL appends go in with COPY's text format, which gives tabs, line breaks and backslashes
 * a meaning of their own: events holding them must come back exactly as sent, and a reused event
 * ID must fail the whole batch with a unique violation and leave the store usable.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PostgresStore } from "../../src/store/postgres.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import type { Scope, StoredEvent } from "../../src/store/types.js";
import { PG_ADMIN_URL, pgUnavailable, runSql } from "../helpers/postgres.js";
import { fleetRecord, newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;
const scope: Scope = { accountId: "111122223333", region: "us-west-2" };

describe("postgres appends through COPY", { skip }, () => {
  let store: PostgresStore;
  before(async () => {
    store = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 1 });
  });
  after(async () => {
    await store?.close();
    await runSql(PG_ADMIN_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it("stores text with tabs, line breaks, backslashes and COPY's own markers exactly", async () => {
    const fleet = fleetRecord(scope);
    await store.createFleet(fleet);
    const awkward = ["tab\there", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "\\.", "ends with \\", "é ✓ 🚀", " "];
    const events = awkward.map((text, i) =>
      newEvent(fleet.fleetId, 1_000 + i, { eventId: `id ${text}`, resourceId: `r ${text}`, message: text, log: `log ${text}` }),
    );
    const stored = await store.appendEvents(scope, events);
    assert.deepEqual(
      stored.map(({ seq: _seq, ...e }) => e),
      events.map((e) => ({ ...e, count: 1, hasLog: true })),
    );
    const read = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 100 });
    const expected: StoredEvent[] = stored.map(({ log: _log, ...e }) => e).reverse();
    assert.deepEqual(read, expected);
    for (const e of events) assert.deepEqual(await store.getEventLog(scope, e.eventId), { fleetId: fleet.fleetId, log: e.log });
  });

  it("refuses a batch reusing a stored event ID as a unique violation, stores none of it, and appends afterwards", async () => {
    const fleet = fleetRecord(scope);
    await store.createFleet(fleet);
    const [first] = await store.appendEvents(scope, [newEvent(fleet.fleetId, 1)]);
    for (const batch of [
      [newEvent(fleet.fleetId, 2), newEvent(fleet.fleetId, 3, { eventId: first!.eventId })],
      [newEvent(fleet.fleetId, 4, { eventId: "twice" }), newEvent(fleet.fleetId, 5, { eventId: "twice" })],
      // Rows go out a chunk at a time: the refusal comes while later chunks are still being sent.
      Array.from({ length: 3_000 }, (_, i) => newEvent(fleet.fleetId, 10 + i, i === 3 ? { eventId: first!.eventId } : {})),
    ]) {
      await assert.rejects(store.appendEvents(scope, batch), (err) => isUniqueViolation(err));
    }
    // poolSize 1: the same connection that failed the COPY takes the next append.
    const [next] = await store.appendEvents(scope, [newEvent(fleet.fleetId, 6)]);
    const read = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 100 });
    assert.deepEqual(
      read,
      [next, first].map(({ log: _log, ...e }) => e),
    );
    assert.ok(next!.seq > first!.seq);
  });
});
