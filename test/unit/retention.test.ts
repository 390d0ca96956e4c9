/** Retention on a real SQLite file: old events go in batches, recent ones and fleets stay. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.js";
import { RetentionJob, RETENTION_BATCH } from "../../src/jobs/retention.js";
import { fleetRecord, newEvent } from "../contract/store-contract.js";

it("deletes exactly the events older than the retention period, across several batches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liftlog-retention-"));
  const store = new SqliteStore(join(dir, "liftlog.db"));
  try {
    const now = Date.UTC(2026, 10, 25);
    const day = 86_400_000;
    const scope = { accountId: "000000000000", region: "us-west-2" };
    const fleet = fleetRecord(scope);
    await store.createFleet(fleet);
    const old = Array.from({ length: RETENTION_BATCH * 2 + 500 }, (_, i) => newEvent(fleet.fleetId, now - 3 * day + i));
    const boundary = newEvent(fleet.fleetId, now - day); // exactly at the cutoff: kept
    const recent = Array.from({ length: 10 }, (_, i) => newEvent(fleet.fleetId, now - i * 1000, { log: "kept" }));
    await store.appendEvents(scope, [...old, boundary, ...recent]);

    const job = new RetentionJob(store, { now: () => now }, 1);
    assert.equal(await job.runOnce(), old.length);
    assert.equal(await job.runOnce(), 0);
    const left = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 100 });
    assert.deepEqual(
      left.map((e) => e.eventId),
      [...recent.map((e) => e.eventId), boundary.eventId],
    );
    assert.ok(await store.getFleet(scope, fleet.fleetId));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
