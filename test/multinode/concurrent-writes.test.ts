/**
 * Two nodes on one PostgreSQL database changing the same fleet at the same moment: capacity and
 * attribute updates sent to both nodes at once are all applied, each exactly once, in one order;
 * the events form an unbroken chain (each change starts from the state the previous one left) and
 * the fleet's final state is the last change's. Two deletes at once delete it once.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DeleteFleetCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetCapacityCommand,
  UpdateFleetAttributesCommand,
  UpdateFleetCapacityCommand,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { startServer, gamelift, until, type RunningServer } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { allEvents, chronological, ec2Fleet, fleetStatus, readyBuild } from "../lifecycle/helpers.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP concurrent writes on two nodes: ${skip}`);

const RACERS = 40;

describe("concurrent writes to one fleet from two PostgreSQL nodes", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let nodes: RunningServer[] = [];
  let clients: GameLiftClient[] = [];
  let fleetId: string;

  before(async () => {
    db = await createTestDatabase();
    // 100 service seconds per wall second: the fleet is ACTIVE within seconds, and the schedulers
    // keep writing its due steps while the requests race.
    nodes = await Promise.all([0, 1].map(() => startServer({ args: ["--db", db.url, "--clock-speed", "100"] })));
    clients = nodes.map((n) => gamelift(n.endpoint));
    fleetId = (await ec2Fleet(clients[0]!, await readyBuild(clients[0]!))).FleetAttributes!.FleetId!;
    await until("ACTIVE", async () => ((await fleetStatus(clients[1]!, fleetId)) === "ACTIVE" ? true : undefined), 60_000);
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(nodes.map((n) => n.dispose()));
    await db?.drop();
  });

  it(`${RACERS} capacity and ${RACERS / 4} protection-policy updates at once, half on each node: every one applied once, in one order`, async () => {
    const policies = ["FullProtection", "NoProtection"] as const;
    const calls = [
      ...Array.from({ length: RACERS }, (_, i) =>
        clients[i % 2]!.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: i + 1, MinSize: 0, MaxSize: 100 })),
      ),
      ...Array.from({ length: RACERS / 4 }, (_, i) =>
        clients[(i + 1) % 2]!.send(new UpdateFleetAttributesCommand({ FleetId: fleetId, NewGameSessionProtectionPolicy: policies[i % 2] })),
      ),
    ];
    await Promise.all(calls);

    const life = chronological(await allEvents(clients[0]!, fleetId));
    const scaling = life
      .filter((e) => e.EventCode === "FLEET_SCALING_EVENT")
      .map((e) => {
        const m = /desired instances (\d+), minimum (\d+), maximum (\d+) \(was desired (\d+), minimum (\d+), maximum (\d+)\)/.exec(
          e.Message!,
        );
        assert.ok(m, e.Message);
        return { now: m.slice(1, 4).map(Number), was: m.slice(4, 7).map(Number) };
      });
    assert.equal(scaling.length, RACERS, "one scaling event per call");
    assert.deepEqual(
      scaling.map((s) => s.now[0]).sort((x, y) => x! - y!),
      Array.from({ length: RACERS }, (_, i) => i + 1),
      "every requested capacity applied once",
    );
    assert.deepEqual(scaling[0]!.was, [1, 0, 1], "the first change starts from the created fleet's capacity");
    for (let i = 1; i < scaling.length; i++) {
      assert.deepEqual(scaling[i]!.was, scaling[i - 1]!.now, `change ${i} starts where change ${i - 1} left the fleet`);
    }
    for (const client of clients) {
      const capacity = await client.send(new DescribeFleetCapacityCommand({ FleetIds: [fleetId] }));
      const counts = capacity.FleetCapacity![0]!.InstanceCounts!;
      assert.deepEqual([counts.DESIRED, counts.MINIMUM, counts.MAXIMUM], scaling.at(-1)!.now, "the final capacity is the last change's");
    }

    const protection = life
      .filter((e) => e.EventCode === "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED")
      .map((e) => /changed from (\w+) to (\w+)/.exec(e.Message!)!.slice(1, 3));
    assert.ok(protection.length >= 1);
    assert.equal(protection[0]![0], "NoProtection");
    for (let i = 1; i < protection.length; i++)
      assert.equal(protection[i]![0], protection[i - 1]![1], "an unbroken chain of policy changes");
    const attributes = await clients[1]!.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }));
    assert.equal(attributes.FleetAttributes![0]!.NewGameSessionProtectionPolicy, protection.at(-1)![1]);
  });

  it("two deletes at once: the fleet is deleted once", async () => {
    const results = await Promise.allSettled(clients.map((c) => c.send(new DeleteFleetCommand({ FleetId: fleetId }))));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => (r.reason as Error).name);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, "exactly one delete succeeds");
    // The other finds the fleet DELETING (or, were it that late, already deleted).
    for (const name of refused) assert.ok(["InvalidFleetStatusException", "NotFoundException"].includes(name), name);
    await until(
      "FLEET_DELETED",
      async () => ((await allEvents(clients[1]!, fleetId)).some((e) => e.EventCode === "FLEET_DELETED") ? true : undefined),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // time for a second deletion to show, were there one
    const codes = (await allEvents(clients[0]!, fleetId)).map((e) => e.EventCode);
    assert.equal(codes.filter((c) => c === "FLEET_DELETED").length, 1, codes.join(" "));
  });
});
