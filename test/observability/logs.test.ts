/**
 * Request logs on a real server: one JSON line per request on stdout carrying the request ID the
 * client saw, the operation, status and duration; --log-level filters them; the ready line stays.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DescribeFleetEventsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { BIN, gamelift, registerFleet, startServer, type RunningServer } from "../helpers/server.js";

const REGION = "us-west-2";

/** The output's JSON log lines (the ready line and other plain text are skipped). */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Waits for the server to write the line of a request (it is written when the response is done). */
async function lineOf(server: RunningServer, requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 50; i++) {
    const line = logLines(server.output()).find((l) => l.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no log line for request ${requestId}:\n${server.output()}`);
}

describe("request logs", () => {
  let server: RunningServer;
  let client: GameLiftClient;
  before(async () => {
    server = await startServer();
    client = gamelift(server.endpoint, REGION);
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
  });

  it("writes one JSON line per request under the request ID the client saw", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const ok = await client.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId }));
    const line = await lineOf(server, ok.$metadata.requestId!);
    const { time, durationMs, protocol, ...rest } = line;
    assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(typeof durationMs === "number" && durationMs > 0 && durationMs < 10_000);
    assert.ok(protocol === "awsJson1_1" || protocol === "rpcv2Cbor");
    assert.deepEqual(rest, {
      level: "info",
      service: "liftlog",
      requestId: ok.$metadata.requestId,
      method: "POST",
      path: protocol === "awsJson1_1" ? "/" : "/service/GameLift/operation/DescribeFleetEvents",
      operation: "DescribeFleetEvents",
      status: 200,
      msg: "request",
    });

    const missing = await client
      .send(new DescribeFleetEventsCommand({ FleetId: "fleet-00000000-0000-4000-8000-000000000000" }))
      .catch((e) => e);
    const failed = await lineOf(server, missing.$metadata.requestId);
    assert.deepEqual([failed.status, failed.errorType, failed.operation], [400, "NotFoundException", "DescribeFleetEvents"]);

    const health = await fetch(`${server.endpoint}/_liftlog/health`);
    const admin = await lineOf(server, health.headers.get("x-amzn-requestid")!);
    assert.deepEqual([admin.protocol, admin.operation, admin.status], ["admin", "GET /_liftlog/health", 200]);
  });

  it("--log-level warn keeps request lines out; the ready line is still printed", async () => {
    const quiet = await startServer({ args: ["--log-level", "warn"] });
    try {
      assert.match(quiet.output(), /^liftlog listening on http:\/\/127\.0\.0\.1:\d+ /m);
      const res = await fetch(`${quiet.endpoint}/_liftlog/health`);
      assert.equal(res.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(logLines(quiet.output()), []);
    } finally {
      await quiet.dispose();
    }
  });

  it("refuses an unknown --log-level", () => {
    const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", "--log-level", "loud"], {
      encoding: "utf8",
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/);
  });
});
