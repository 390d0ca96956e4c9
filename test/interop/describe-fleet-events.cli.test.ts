/**
 * DescribeFleetEvents through the AWS CLI (`aws gamelift describe-fleet-events`, v1) against the
 * real server: the FULL log of 10,000 events, newest first, none twice, none missing, read in
 * chunks with --max-items and resumed with --starting-token as a script would.
 *
 * The CLI costs about 8 ms a request here, so a page-size-1 walk of all 10,000 events would take
 * over a minute: page size 1 is checked over a 300-event prefix (resumed once), and the full log at
 * page sizes 7, 100 and the default.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pythonToolsMissing } from "../helpers/server.js";
import { REGION, assertSameEvents, describeEvent, startWithFleetLog, type FleetLog } from "./fleet-log.js";

const run = promisify(execFile);
const EVENTS = 10_000;

interface CliEvent {
  EventId: string;
  EventCode: string;
  ResourceId: string;
  Message: string;
  EventTime: number | string;
  Count?: number;
  PreSignedLogUrl?: string;
}

const missing = pythonToolsMissing();
if (missing) console.log(`# skipping AWS CLI interop: ${missing}`);

describe("DescribeFleetEvents: aws gamelift describe-fleet-events over 10,000 events", { skip: missing }, () => {
  let log: FleetLog;

  before(async () => {
    log = await startWithFleetLog(EVENTS);
  });
  after(async () => {
    await log?.server.dispose();
  });

  /** `aws gamelift describe-fleet-events` pointed at the server, with credentials and region from the environment only. */
  const describeFleetEvents = (args: string[]) =>
    run("aws", ["gamelift", "describe-fleet-events", "--endpoint-url", log.server.endpoint, "--output", "json", ...args], {
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: "AKIDLIFTLOGTEST",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_DEFAULT_REGION: REGION,
        // Whatever the machine's ~/.aws holds stays out of it.
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
    });

  /** One CLI invocation on the test fleet; returns its events as lines and the NextToken it printed, if any. */
  async function cli(args: string[]) {
    const { stdout } = await describeFleetEvents(["--fleet-id", log.fleetId, ...args]);
    const out = JSON.parse(stdout) as { Events: CliEvent[]; NextToken?: string };
    const lines = out.Events.map((e) =>
      describeEvent({
        ...e,
        timeMs: typeof e.EventTime === "number" ? Math.round(e.EventTime * 1000) : Date.parse(e.EventTime),
        hasLog: e.PreSignedLogUrl !== undefined,
      }),
    );
    return { lines, nextToken: out.NextToken };
  }

  /** Reads `maxItems` at a time, resuming with --starting-token until the CLI prints no NextToken. */
  async function resumedWalk(maxItems: number, pageArgs: string[], stopAfter = Infinity) {
    const lines: string[] = [];
    let token: string | undefined;
    let invocations = 0;
    do {
      const out = await cli([...pageArgs, "--max-items", String(maxItems), ...(token ? ["--starting-token", token] : [])]);
      assert.ok(out.lines.length <= maxItems, `--max-items ${maxItems} printed ${out.lines.length} events`);
      lines.push(...out.lines);
      token = out.nextToken;
      invocations++;
    } while (token && invocations < stopAfter);
    return { lines, invocations, token };
  }

  it("--page-size 100, --max-items 2500 resumed with --starting-token: every event once, newest first", async () => {
    const { lines, invocations } = await resumedWalk(2500, ["--page-size", "100"]);
    assertSameEvents(lines, log.expected, "--page-size 100 --max-items 2500");
    assert.equal(invocations, 4);
  });

  it("--page-size 7, --max-items 3333 (ends inside a page) resumed: every event once, newest first", async () => {
    const { lines, invocations } = await resumedWalk(3333, ["--page-size", "7"]);
    assertSameEvents(lines, log.expected, "--page-size 7 --max-items 3333");
    assert.equal(invocations, 4);
  });

  it("no --page-size (server default), one invocation: every event once, newest first", async () => {
    const { lines, nextToken } = await cli([]);
    assertSameEvents(lines, log.expected, "default page size");
    assert.equal(nextToken, undefined);
  });

  it("--page-size 1 over the newest 300 events, resumed once", async () => {
    const { lines, invocations, token } = await resumedWalk(150, ["--page-size", "1"], 2);
    assert.equal(invocations, 2);
    assert.ok(token, "the CLI offers a token to go on from event 300");
    assertSameEvents(lines, log.expected.slice(0, 300), "--page-size 1 prefix");
  });

  it("errors reach the CLI user as the AWS error, with the server's message", async () => {
    const unknown = "fleet-00000000-0000-4000-8000-000000000000";
    const cases: [string[], string][] = [
      [
        ["--fleet-id", unknown],
        `An error occurred (NotFoundException) when calling the DescribeFleetEvents operation: Fleet ${unknown} not found in account 000000000000, region ${REGION}.`,
      ],
      [
        ["--fleet-id", "not-a-fleet"],
        "An error occurred (InvalidRequestException) when calling the DescribeFleetEvents operation: 1 validation error detected: Value 'not-a-fleet' at 'fleetId'",
      ],
      // botocore passes a token it cannot decode on as the service's own NextToken.
      [
        ["--fleet-id", log.fleetId, "--starting-token", "garbage"],
        "An error occurred (InvalidRequestException) when calling the DescribeFleetEvents operation: Invalid NextToken: it is not a token this service issued.",
      ],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(describeFleetEvents(args), (err: Error & { code?: number; stderr?: string }) => {
        assert.ok(err.code === 255 || err.code === 254, `exit ${err.code}: ${err.stderr}`); // CLI v1 255, v2 254
        assert.ok(err.stderr?.includes(message), err.stderr);
        return true;
      });
    }
  });
});
