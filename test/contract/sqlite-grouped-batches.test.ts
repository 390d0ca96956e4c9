/**
 * The SQLite store stores a batch that names several fleets fleet by fleet: each fleet's events
 * get consecutive sequence numbers (so they lie together in the table), in the order given, and
 * the batch still answers in the order given, pages as before, and refuses a reused ID.
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
import type { NewEvent, Scope, StoredEvent } from "../../src/store/types.js";
import { fleetRecord } from "./store-contract.js";

const scope: Scope = { accountId: "333333333333", region: "eu-west-1" };
const fleetIds = ["a", "b", "c"].map((x) => `fleet-${x.repeat(8)}-0000-4000-8000-000000000000`);
const fleet = (fleetId: string) => fleetRecord(scope, { fleetId, fleetArn: fleetArn(scope, fleetId), name: fleetId.slice(6, 14) });

// Fleets c, a, b in turn; every third pair shares an EventTime within its fleet, so order breaks ties.
const batch: NewEvent[] = Array.from({ length: 30 }, (_, i) => {
  const fleetId = fleetIds[[2, 0, 1][i % 3]!]!;
  return {
    eventId: newEventId(),
    fleetId,
    resourceId: i % 4 === 0 ? "i-0123456789abcdef0" : fleetId,
    eventCode: i % 2 ? "SERVER_PROCESS_CRASHED" : "FLEET_SCALING_EVENT",
    message: `event ${i}`,
    eventTimeMs: 10_000 + Math.floor(i / 6) * 1_000,
    ...(i % 5 === 0 ? { log: `log ${i}` } : {}),
  };
});

/** An event as a page holds it: no log text, only whether there is one. */
const asPaged = ({ log, ...rest }: StoredEvent) => (void log, rest);

describe("SQLite batches that name several fleets", () => {
  const dir = mkdtempSync(join(tmpdir(), "liftlog-grouped-"));
  let store: SqliteStore;
  let stored: StoredEvent[];
  let head: Awaited<ReturnType<SqliteStore["appendHead"]>>;

  before(async () => {
    store = new SqliteStore(join(dir, "liftlog.db"));
    for (const id of fleetIds) await store.createFleet(fleet(id));
    head = await store.appendHead();
    stored = await store.appendEvents(scope, batch);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers in the order given, every event as sent", () => {
    assert.deepEqual(
      stored.map(({ seq, ...e }) => {
        assert.equal(typeof seq, "number");
        return e;
      }),
      batch.map((e) => ({ ...e, count: 1, hasLog: e.log !== undefined })),
    );
  });

  it("numbers each fleet's events consecutively, in the order given, fleets in order of first appearance", () => {
    const seqsOf = (fleetId: string) => stored.filter((e) => e.fleetId === fleetId).map((e) => e.seq);
    const runs = [fleetIds[2]!, fleetIds[0]!, fleetIds[1]!].map(seqsOf);
    let next = runs[0]![0]!;
    for (const run of runs) {
      assert.deepEqual(
        run,
        run.map((_, k) => next + k),
        "consecutive and ascending",
      );
      next += run.length;
    }
  });

  it("pages each fleet's log newest first, ties by the order given, as if stored one by one", async () => {
    for (const fleetId of fleetIds) {
      const expected = stored
        .filter((e) => e.fleetId === fleetId)
        .sort((x, y) => y.eventTimeMs - x.eventTimeMs || y.seq - x.seq)
        .map(asPaged);
      const firstPage = await store.queryEvents(scope, { fleetId, limit: 4 });
      const rest = await store.queryEvents(scope, {
        fleetId,
        limit: 100,
        after: { eventTimeMs: firstPage[3]!.eventTimeMs, seq: firstPage[3]!.seq },
      });
      assert.deepEqual([...firstPage, ...rest], expected);
      // Within a fleet, a later event of the same EventTime comes first (it was given later).
      const sameTime = expected.filter((e) => e.eventTimeMs === expected[0]!.eventTimeMs);
      assert.deepEqual(
        sameTime.map((e) => e.eventId),
        batch
          .filter((e) => e.fleetId === fleetId && e.eventTimeMs === expected[0]!.eventTimeMs)
          .map((e) => e.eventId)
          .reverse(),
      );
    }
  });

  it("feeds the batch fleet by fleet, in sequence-number order", async () => {
    const { events } = await store.readAppended(scope, { after: head, limit: 100 });
    assert.deepEqual(
      events.map((e) => e.eventId),
      [...stored].sort((x, y) => x.seq - y.seq).map((e) => e.eventId),
    );
    assert.deepEqual(
      events.map((e) => e.fleetId),
      [...Array(10).fill(fleetIds[2]), ...Array(10).fill(fleetIds[0]), ...Array(10).fill(fleetIds[1])],
    );
  });

  it("keeps every log with its event", async () => {
    for (const e of batch.filter((x) => x.log !== undefined)) {
      assert.deepEqual(await store.getEventLog(scope, e.eventId), { fleetId: e.fleetId, log: e.log });
    }
  });

  it("refuses a mixed batch that reuses a stored ID, or repeats one of its own, and keeps none of it", async () => {
    const fresh = (fleetId: string, i: number): NewEvent => ({
      ...batch[0]!,
      fleetId,
      resourceId: fleetId,
      eventId: newEventId(),
      message: `late ${i}`,
    });
    const reusing = [fresh(fleetIds[1]!, 0), fresh(fleetIds[0]!, 1), { ...fresh(fleetIds[1]!, 2), eventId: batch[7]!.eventId }];
    const repeating = [fresh(fleetIds[0]!, 3), fresh(fleetIds[2]!, 4)];
    repeating.push({ ...fresh(fleetIds[1]!, 5), eventId: repeating[0]!.eventId });
    for (const bad of [reusing, repeating]) {
      const before = await store.appendHead();
      await assert.rejects(store.appendEvents(scope, bad), (err: unknown) => isUniqueViolation(err));
      assert.deepEqual(await store.appendHead(), before);
      for (const e of bad.slice(0, 2)) assert.equal(await store.getEventLog(scope, e.eventId), undefined);
      for (const fleetId of fleetIds) {
        const newest = await store.queryEvents(scope, { fleetId, limit: 1 });
        assert.ok(!newest[0]!.message.startsWith("late"), "nothing of the refused batch is stored");
      }
    }
  });
});
