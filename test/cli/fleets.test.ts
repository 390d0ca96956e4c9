/**
 * `liftlog fleets` through the real binary against a real server holding seeded fleets: every
 * fleet with its status, type, locations and last event, as JSON equal to what the API says and
 * as a table; no escape codes when piped.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeFleetAttributesCommand, DescribeFleetEventsCommand } from "@aws-sdk/client-gamelift";
import { gamelift, startServer, type RunningServer } from "../helpers/server.js";
import { hasEscapes, liftlogOk } from "./support.js";

const REGION = "us-east-1";

describe("liftlog fleets", () => {
  let server: RunningServer;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "liftlog-fleets-"));
    await liftlogOk(["seed", "--data-dir", dataDir, "--fleets", "5", "--days", "2", "--random-seed", "11"]);
    server = await startServer({ dataDir });
  });
  after(async () => {
    await server?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("--output json: each fleet's attributes and newest event, as the API gives them", async () => {
    const out = JSON.parse(await liftlogOk(["fleets", "--endpoint-url", server.endpoint, "--region", REGION, "--output", "json"])) as {
      Fleets: {
        FleetId: string;
        FleetArn: string;
        Name: string;
        Status: string;
        Locations: string[];
        LastEvent: { EventId: string; EventCode: string };
      }[];
    };
    const sdk = gamelift(server.endpoint, REGION);
    const { FleetAttributes = [] } = await sdk.send(new DescribeFleetAttributesCommand({}));
    // The seeded fleet that was deleted is no longer listed, as in GameLift.
    assert.equal(FleetAttributes.length, 4);
    assert.deepEqual(
      out.Fleets.map((f) => [f.FleetId, f.FleetArn, f.Name, f.Status]),
      FleetAttributes.map((f) => [f.FleetId, f.FleetArn, f.Name, f.Status]),
    );
    for (const fleet of out.Fleets) {
      const { Events = [] } = await sdk.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId, Limit: 1 }));
      assert.equal(fleet.LastEvent.EventId, Events[0]!.EventId);
      assert.equal(fleet.LastEvent.EventCode, Events[0]!.EventCode);
      assert.equal(fleet.Locations[0], REGION);
    }
    const errors = JSON.parse(
      await liftlogOk(["fleets", "--endpoint-url", server.endpoint, "--region", REGION, "--query", "Fleets[?Status=='ERROR'].FleetId"]),
    ) as string[];
    assert.deepEqual(
      errors,
      out.Fleets.filter((f) => f.Status === "ERROR").map((f) => f.FleetId),
    );
  });

  it("--output table: a row per fleet, no escape codes when piped", async () => {
    const table = await liftlogOk(["fleets", "--endpoint-url", server.endpoint, "--region", REGION, "--output", "table"]);
    const rows = table.trimEnd().split("\n");
    assert.match(rows[0]!, /^FLEET ID\s+NAME\s+STATUS\s+TYPE\s+LOCATIONS\s+LAST EVENT \(UTC\)$/);
    const { FleetAttributes = [] } = await gamelift(server.endpoint, REGION).send(new DescribeFleetAttributesCommand({}));
    assert.equal(rows.length, 1 + FleetAttributes.length);
    FleetAttributes.forEach((f, i) =>
      assert.ok(rows[i + 1]!.startsWith(`${f.FleetId}  `) && rows[i + 1]!.includes(` ${f.Status} `), rows[i + 1]),
    );
    assert.ok(!hasEscapes(table));
  });
});
