/**
 * Two liftlog nodes on one PostgreSQL database share one outbox: every event is delivered once
 * (not once per node), each fleet's events in order, whichever node stored them.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { eventIds, startReceiver, subscribe, type Receiver } from "./receiver.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP two-node deliveries: ${skip}`);

/** This node's liftlog_deliveries_total{result="delivered"}. */
async function deliveredBy(node: RunningServer): Promise<number> {
  const text = await (await fetch(`${node.endpoint}/_liftlog/metrics`)).text();
  return Number(/^liftlog_deliveries_total\{result="delivered"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe("deliveries from two PostgreSQL nodes", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let nodes: RunningServer[] = [];
  let receiver: Receiver;

  before(async () => {
    db = await createTestDatabase();
    receiver = await startReceiver();
    nodes = await Promise.all([startServer({ args: ["--db", db.url] }), startServer({ args: ["--db", db.url] })]);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.dispose()));
    await receiver?.close();
    await db?.drop();
  });

  it("delivers each event once, in order per fleet", async () => {
    const fleets = await Promise.all([0, 1, 2, 3].map(() => registerFleet(nodes[0]!.endpoint)));
    await subscribe(nodes[1]!.endpoint, { Url: receiver.url, Region: "us-west-2" });
    const perFleet = new Map<string, string[]>(fleets.map((f) => [f.FleetId, []]));
    // Batches of every fleet through both nodes, concurrently.
    await Promise.all(
      fleets.map(async (fleet, f) => {
        for (let batch = 0; batch < 5; batch++) {
          const node = nodes[(batch + f) % 2]!;
          const events = Array.from({ length: 10 }, (_, i) => ({
            EventCode: "SERVER_PROCESS_CRASHED",
            Message: `fleet ${f} batch ${batch} event ${i}`,
            EventTime: 1_800_000_000 + batch * 10 + i,
          }));
          perFleet.get(fleet.FleetId)!.push(...(await ingest(node.endpoint, fleet.FleetId, events)));
        }
      }),
    );
    const total = fleets.length * 50;
    await receiver.until(() => receiver.requests.length >= total, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const got = eventIds(receiver.delivered());
    assert.equal(receiver.requests.length, total, "no event delivered twice");
    for (const [fleetId, ids] of perFleet) {
      assert.deepEqual(
        receiver
          .delivered()
          .filter((r) => r.envelope.detail.FleetId === fleetId)
          .map((r) => r.envelope.id),
        ids,
      );
    }
    assert.equal(new Set(got).size, total);
    const byNode = await Promise.all(nodes.map(deliveredBy));
    assert.equal(byNode[0]! + byNode[1]!, total, `deliveries by node: ${byNode.join(", ")}`);
  });
});
