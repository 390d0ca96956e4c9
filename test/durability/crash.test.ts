/**
 * Crash safety: a server killed with SIGKILL in the middle of a stream of ingest batches loses
 * none of the batches it acknowledged, on SQLite and on PostgreSQL. A batch in flight at the kill
 * is all there or not there at all.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { startServer, registerFleet, admin, gamelift } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";

async function killDuringIngest(args: string[], dataDir?: string) {
  const first = await startServer({ args, dataDir });
  const { FleetId } = await registerFleet(first.endpoint);
  const acked: string[] = [];
  const sent: string[][] = [];
  let batch = 0;
  // Keep sending until the kill lands; kill after a few acknowledged batches.
  const killer = setTimeout(() => first.process.kill("SIGKILL"), 400);
  try {
    for (; batch < 10_000; batch++) {
      const events = Array.from({ length: 200 }, (_, i) => ({ EventCode: "GENERIC_EVENT", Message: `batch ${batch} event ${i}` }));
      sent.push(events.map((e) => e.Message));
      const { status, body } = await admin(first.endpoint, "/_liftlog/events", { FleetId, Region: "us-west-2", Events: events });
      assert.equal(status, 200);
      acked.push(...body.EventIds!);
    }
  } catch {
    // the connection died with the server
  } finally {
    clearTimeout(killer);
  }
  await first.stop();
  assert.ok(acked.length >= 200, "at least one batch was acknowledged before the kill");

  const second = await startServer({ args, dataDir });
  try {
    const stored: { id: string; message: string }[] = [];
    for await (const page of paginateDescribeFleetEvents({ client: gamelift(second.endpoint), pageSize: 1000 }, { FleetId })) {
      stored.push(...page.Events!.map((e) => ({ id: e.EventId!, message: e.Message! })));
    }
    const storedIds = new Set(stored.map((e) => e.id));
    assert.deepEqual(
      acked.filter((id) => !storedIds.has(id)),
      [],
      "every acknowledged event survived",
    );
    // Whole batches only: the stored events are the first k batches sent, complete.
    const k = stored.length / 200;
    assert.ok(
      Number.isInteger(k) && k * 200 >= acked.length,
      `stored ${stored.length} events: whole batches, at least the acknowledged ones`,
    );
    assert.deepEqual(stored.map((e) => e.message).reverse(), sent.slice(0, k).flat());
  } finally {
    await second.dispose();
  }
}

describe("SIGKILL during ingest", () => {
  it("loses no acknowledged batch on SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "liftlog-crash-"));
    try {
      await killDuringIngest([], dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loses no acknowledged batch on PostgreSQL", async (t) => {
    const skip = await pgUnavailable();
    if (skip) return t.skip(skip);
    const db = await createTestDatabase();
    try {
      await killDuringIngest(["--db", db.url]);
    } finally {
      await db.drop();
    }
  });
});
