/**
 * boto3 forced to Smithy RPC v2 CBOR (the model override the newest SDKs follow) against the real
 * server: the paginator walks a whole fleet log, a JSON 1.1 NextToken resumes the CBOR walk and
 * the CBOR NextToken resumes over JSON 1.1, fleets are created, described and deleted, and errors
 * arrive as boto3's typed exceptions.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { DescribeFleetEventsCommand } from "@aws-sdk/client-gamelift";
import { cborBoto3 } from "../helpers/cbor-boto3.js";
import { advance } from "../lifecycle/helpers.js";
import { REPO_ROOT, gamelift } from "../helpers/server.js";
import { REGION, assertSameEvents, sdkLine, startWithFleetLog, type FleetLog } from "./fleet-log.js";

const SCRIPT = join(REPO_ROOT, "test", "interop", "python", "boto3_cbor.py");
const boto3 = cborBoto3();
if (typeof boto3 === "string") console.log(`# skipping boto3 over rpc-v2-cbor: ${boto3}`);

interface Boto3Result {
  protocol: string;
  walk: string[];
  resumed: { lines: string[]; NextToken: string };
  fleet: { FleetId: string; Status: string; Name: string; CreationTimeIsDatetime: boolean; codes: string[] };
  errors: { raised: string | null; code: string; message: string; status: number }[];
  sent: string[];
}

function run(args: string[]): Promise<Boto3Result> {
  const { python, dataPath } = boto3 as Exclude<typeof boto3, string>;
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, ...args], { env: { ...process.env, AWS_DATA_PATH: dataPath }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as Boto3Result) : reject(new Error(`boto3_cbor.py exited ${code}:\n${stderr}`)),
    );
  });
}

describe("boto3 over RPC v2 CBOR", { skip: typeof boto3 === "string" ? boto3 : false }, () => {
  let log: FleetLog;
  let result: Boto3Result;
  let firstJsonPage: string[];
  before(async () => {
    log = await startWithFleetLog(400, { args: ["--clock", "manual"] });
    const client = gamelift(log.server.endpoint);
    const first = await client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 30 }));
    client.destroy();
    firstJsonPage = first.Events!.map(sdkLine);
    result = await run([log.server.endpoint, REGION, log.fleetArn, first.NextToken!]);
  });
  after(async () => {
    await log?.server.dispose();
  });

  it("speaks rpc-v2-cbor on every request", () => {
    assert.equal(result.protocol, "smithy-rpc-v2-cbor");
    for (const line of result.sent) assert.match(line, /^\/service\/GameLift\/operation\/\w+ application\/cbor rpc-v2-cbor$/);
    assert.ok(result.sent.length >= 5, result.sent.join("\n"));
  });

  it("walks DescribeFleetEvents with the paginator: every event, newest first, none twice", () => {
    assertSameEvents(result.walk, log.expected, "boto3 CBOR paginator, PageSize 9");
  });

  it("resumes a JSON 1.1 NextToken over CBOR, and its CBOR NextToken over JSON 1.1", async () => {
    const client = gamelift(log.server.endpoint);
    const next = await client.send(
      new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 45, NextToken: result.resumed.NextToken }),
    );
    client.destroy();
    assertSameEvents(
      [...firstJsonPage, ...result.resumed.lines, ...next.Events!.map(sdkLine)],
      log.expected.slice(0, 100),
      "JSON, CBOR, JSON pages",
    );
  });

  it("creates, describes and deletes a fleet", async () => {
    assert.match(result.fleet.FleetId, /^fleet-[0-9a-f-]{36}$/);
    assert.equal(result.fleet.Name, "cbor-fleet");
    assert.equal(result.fleet.Status, "NEW");
    assert.equal(result.fleet.CreationTimeIsDatetime, true);
    assert.deepEqual(result.fleet.codes, ["FLEET_CREATED"]);
    // The deletion runs on the service clock: move it on, then read the fleet's log over JSON 1.1.
    await advance(log.server.endpoint, 3600);
    const client = gamelift(log.server.endpoint);
    const events = await client.send(new DescribeFleetEventsCommand({ FleetId: result.fleet.FleetId }));
    client.destroy();
    assert.deepEqual(
      events.Events!.map((e) => e.EventCode),
      ["FLEET_DELETED", "FLEET_CREATED"],
    );
  });

  it("raises boto3's typed exceptions with the server's messages", () => {
    assert.deepEqual(result.errors, [
      {
        raised: "NotFoundException",
        code: "NotFoundException",
        message: result.errors[0]!.message,
        status: 400,
      },
      {
        raised: "InvalidRequestException",
        code: "InvalidRequestException",
        message: result.errors[1]!.message,
        status: 400,
      },
    ]);
    assert.match(result.errors[0]!.message, /fleet-00000000-0000-0000-0000-000000000000/);
    assert.match(result.errors[1]!.message, /^1 validation error detected: Value 'not a fleet' at 'fleetId'/);
  });
});
