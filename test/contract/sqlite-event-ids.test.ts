/**
 * The SQLite store indexes only the first 8 bytes of a UUID event ID (schema version 6) and refuses
 * a reused ID itself: IDs that share those bytes are distinct events, found by ID, and a reused one
 * fails its whole batch as a unique violation, as the unique index did.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import { fleetArn } from "../../src/fleets/ids.js";
import { newEventId } from "../../src/store/event-ids.js";
import type { FleetRecord, NewEvent, Scope, StoredEvent } from "../../src/store/types.js";

const scope: Scope = { accountId: "222222222222", region: "us-east-2" };
const fleetId = "fleet-11111111-2222-3333-4444-555555555555";
const fleet: FleetRecord = {
  ...scope,
  fleetId,
  fleetArn: fleetArn(scope, fleetId),
  name: "ids",
  kind: "external",
  status: "ACTIVE",
  creationTimeMs: 0,
  deleted: false,
  attributes: {},
};
const prefix = "0190a1b2-c3d4-7e5f";
// Three UUIDs sharing their first 8 bytes, one spelled upper-case (stored as text), text IDs sharing a start.
const ids = [
  `${prefix}-8000-000000000001`,
  `${prefix}-8000-000000000002`,
  `${prefix}-9fff-ffffffffffff`,
  `${prefix}-8000-000000000001`.toUpperCase(),
  "evt-1",
  "evt-10",
  "evt-1 ",
];

const event = (eventId: string, i: number): NewEvent => ({
  eventId,
  fleetId,
  resourceId: fleetId,
  eventCode: "GENERIC_EVENT",
  message: `event ${i}`,
  eventTimeMs: 1_000 + i,
  log: `log of ${eventId}`,
});

describe("SQLite event IDs that share the indexed prefix", () => {
  const dir = mkdtempSync(join(tmpdir(), "liftlog-ids-"));
  let store: SqliteStore;
  let stored: Omit<StoredEvent, "log">[];

  before(async () => {
    store = new SqliteStore(join(dir, "liftlog.db"));
    await store.createFleet(fleet);
    // As pages return them: newest first, without the log.
    stored = (await store.appendEvents(scope, ids.map(event))).map(({ log: _log, ...e }) => e).reverse();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = () => store.queryEvents(scope, { fleetId, limit: 100 });

  it("stores each as its own event and finds each one's log by its ID", async () => {
    assert.deepEqual(await all(), stored);
    assert.deepEqual(
      stored.map((e) => e.eventId),
      [...ids].reverse(),
    );
    for (const id of ids) assert.deepEqual(await store.getEventLog(scope, id), { fleetId, log: `log of ${id}` });
    assert.equal(await store.getEventLog(scope, `${prefix}-8000-000000000003`), undefined);
    assert.equal(await store.getEventLog(scope, "evt-"), undefined);
  });

  it("refuses any of them again, failing the whole batch and keeping nothing of it", async () => {
    for (const [i, id] of ids.entries()) {
      const batch = [event(`${prefix}-a000-00000000000${i}`, 100 + i), event(id, 200 + i)];
      await assert.rejects(store.appendEvents(scope, batch), isUniqueViolation, id);
      await assert.rejects(store.appendEvents(scope, [event(id, 300 + i)], [{ ...fleet, status: "ERROR" }]), isUniqueViolation, id);
    }
    assert.deepEqual(await all(), stored);
    assert.equal((await store.getFleet(scope, fleetId))!.status, "ACTIVE");
  });

  it("refuses a batch that holds one new ID twice", async () => {
    const id = `${prefix}-b000-000000000000`;
    await assert.rejects(store.appendEvents(scope, [event(id, 400), event(id, 401)]), isUniqueViolation);
    await assert.rejects(store.createFleet({ ...fleet, fleetId: "fleet-other" }, [event(id, 402), event(id, 403)]), isUniqueViolation);
    assert.equal(await store.getFleet(scope, "fleet-other"), undefined);
    assert.deepEqual(await all(), stored);
  });

  // liftlog's own IDs sort after every stored one, so the store skips its check for them: a repeat
  // must still be refused, whatever comes before it in the batch.
  it("refuses liftlog's own IDs again: twice in one batch, after newer ones, or alone", async () => {
    const own = [newEventId(), newEventId()];
    const kept = await store.appendEvents(
      scope,
      own.map((id, i) => event(id, 500 + i)),
    );
    const before = await all();
    for (const batch of [[newEventId(), own[0]!], [own[1]!], [own[0]!, newEventId()]]) {
      await assert.rejects(
        store.appendEvents(
          scope,
          batch.map((id, i) => event(id, 600 + i)),
        ),
        isUniqueViolation,
        batch.join(", "),
      );
    }
    const twice = newEventId();
    await assert.rejects(store.appendEvents(scope, [event(twice, 700), event(twice, 701)]), isUniqueViolation);
    assert.deepEqual(await all(), before);
    assert.deepEqual(
      before.slice(0, 2).map((e) => e.eventId),
      kept.map((e) => e.eventId).reverse(),
    );
  });
});
