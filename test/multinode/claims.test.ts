/**
 * Due-step claims under contention: several store connections (as several nodes would hold)
 * claiming the same due fleets at the same moment never get the same fleet twice.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { PostgresStore } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/types.js";
import { fleetRecord } from "../contract/store-contract.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";

const skip = await pgUnavailable();

it("PostgreSQL: concurrent claims from four nodes are disjoint and cover every due fleet", { skip }, async () => {
  const db = await createTestDatabase();
  const nodes: Store[] = [];
  try {
    for (let i = 0; i < 4; i++) nodes.push(await PostgresStore.open({ connectionString: db.url, poolSize: 3 }));
    const scope = { accountId: "000000000000", region: "us-west-2" };
    const fleets = Array.from({ length: 200 }, (_, i) => fleetRecord(scope, { kind: "simulated", nextDueMs: 1_000 + i }));
    for (const f of fleets) await nodes[0]!.createFleet(f);
    // Each node, like a server's scheduler, claims a batch, runs it (here: settles the fleets, no step
    // left) and writes it back releasing its claim; all four at once, until no due fleet is left.
    const claimed = await Promise.all(
      nodes.map(async (store, n) => {
        const owner = `node-${n}`;
        const mine: string[] = [];
        for (;;) {
          const batch = await store.claimDueFleets(10_000, { owner, leaseMs: 60_000, limit: 7 });
          if (batch.length === 0) return mine;
          mine.push(...batch.map((f) => f.fleetId));
          await store.appendEvents(
            scope,
            [],
            batch.map((f) => ({ ...f, nextDueMs: undefined })),
            { releaseClaimOf: owner },
          );
        }
      }),
    );
    const all = claimed.flat();
    assert.equal(new Set(all).size, all.length, "no fleet claimed twice");
    assert.deepEqual([...all].sort(), fleets.map((f) => f.fleetId).sort(), "every due fleet claimed");
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await db.drop();
  }
});
