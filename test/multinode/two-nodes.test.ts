/**
 * Two liftlog nodes on one PostgreSQL database, each on its own port: clients cannot tell which
 * node answered. A paginated walk that alternates nodes page by page sees every event once, in
 * order; fleets created on one node are visible on the other.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  CreateBuildCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetEventsCommand,
  CreateFleetCommand,
} from "@aws-sdk/client-gamelift";
import {
  startServer,
  registerFleet,
  ingest,
  gamelift,
  expectedOrder,
  pythonToolsMissing,
  type RunningServer,
  type IngestedEvent,
} from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP two nodes: ${skip}`);

describe("two nodes on one PostgreSQL", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  let fleetId: string;
  let expected: string[];

  before(async () => {
    db = await createTestDatabase();
    // Both start at once: migrations must apply exactly once.
    [a, b] = await Promise.all([startServer({ args: ["--db", db.url] }), startServer({ args: ["--db", db.url] })]);
    const fleet = await registerFleet(a.endpoint);
    fleetId = fleet.FleetId;
    const base = 1_760_000_000;
    const events: IngestedEvent[] = Array.from({ length: 20_000 }, (_, i) => ({
      EventCode: i % 3 ? "SERVER_PROCESS_CRASHED" : "FLEET_SCALING_EVENT",
      Message: `event ${i}`,
      EventTime: base + Math.floor(i / 4) * 0.25 + (i % 7 === 0 ? 0 : 0.001), // many shared milliseconds
    }));
    // Ingest through node B, half the batches, and node A the other half.
    const ids: string[] = [];
    for (let i = 0; i < events.length; i += 5000)
      ids.push(...(await ingest((i / 5000) % 2 ? a.endpoint : b.endpoint, fleet.FleetArn, events.slice(i, i + 5000))));
    expected = expectedOrder(ids, events);
  });

  after(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await db?.drop();
  });

  it("walks 20,000 events with the JS SDK alternating nodes page by page", async () => {
    const clients = [gamelift(a.endpoint), gamelift(b.endpoint)];
    const seen: string[] = [];
    let NextToken: string | undefined;
    let page = 0;
    do {
      const out = await clients[page++ % 2]!.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: 100, NextToken }));
      seen.push(...out.Events!.map((e) => e.EventId!));
      NextToken = out.NextToken;
    } while (NextToken);
    assert.equal(page, 200);
    assert.deepEqual(seen, expected);
  });

  it("walks the same log with boto3's paginator alternating nodes", { skip: pythonToolsMissing() }, () => {
    const script = `
import boto3, json, sys
a, b, fleet = sys.argv[1:4]
clients = [boto3.client("gamelift", region_name="us-west-2", endpoint_url=u, aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="s") for u in (a, b)]
seen, token, page = [], None, 0
while True:
    cfg = {"MaxItems": 250, "PageSize": 100}
    if token: cfg["StartingToken"] = token
    result = clients[page % 2].get_paginator("describe_fleet_events").paginate(FleetId=fleet, PaginationConfig=cfg).build_full_result()
    page += 1
    seen.extend(e["EventId"] for e in result.get("Events", []))
    token = result.get("NextToken")
    if not token: break
print(json.dumps({"pages": page, "ids": seen}))
`;
    const run = spawnSync("python3", ["-c", script, a.endpoint, b.endpoint, fleetId], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr);
    const { pages, ids } = JSON.parse(run.stdout) as { pages: number; ids: string[] };
    assert.equal(pages, 80);
    assert.deepEqual(ids, expected);
  });

  it("shows a fleet created on one node on the other", async () => {
    const build = await gamelift(a.endpoint).send(
      new CreateBuildCommand({
        Name: "multi-node",
        StorageLocation: { Bucket: "b", Key: "k.zip", RoleArn: "arn:aws:iam::111122223333:role/r" },
      }),
    );
    const created = await gamelift(a.endpoint).send(
      new CreateFleetCommand({
        Name: "multi-node",
        BuildId: build.Build!.BuildId,
        EC2InstanceType: "c5.large",
        RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: "/local/game/server", ConcurrentExecutions: 1 }] },
      }),
    );
    const id = created.FleetAttributes!.FleetId!;
    const seen = await gamelift(b.endpoint).send(new DescribeFleetAttributesCommand({ FleetIds: [id] }));
    assert.deepEqual(
      seen.FleetAttributes!.map((f) => f.FleetId),
      [id],
    );
    const events = await gamelift(b.endpoint).send(new DescribeFleetEventsCommand({ FleetId: id }));
    assert.deepEqual(
      events.Events!.map((e) => e.EventCode),
      ["FLEET_CREATED"],
    );
  });
});
