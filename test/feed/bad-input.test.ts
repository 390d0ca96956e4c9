/**
 * Bad requests to GET /_liftlog/events/stream get an AWS-shaped 4xx naming the problem, before any
 * stream opens: unknown or malformed fleets, forged, garbled or foreign positions, bad filters,
 * times, scopes and parameters. Never a 500; the server keeps streaming to everyone else.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BIN, ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { eventOf, mustOpen, openStream } from "../helpers/sse.js";

const REGION = "us-west-2";

describe("event stream: bad input", () => {
  let server: RunningServer;
  let fleet: { FleetId: string; FleetArn: string };
  let other: { FleetId: string; FleetArn: string };
  /** A position the server issued for `fleet`. */
  let position: string;

  const url = (query: string) => `${server.endpoint}/_liftlog/events/stream?${query}`;
  async function assertRejected(query: string, type: string, message: RegExp, headers: Record<string, string> = {}) {
    const answer = await openStream(url(query), headers);
    assert.ok("error" in answer, `${query}: expected an error, got a stream`);
    assert.ok(answer.status >= 400 && answer.status < 500, `${query}: status ${answer.status}`);
    assert.equal(answer.error.__type, type, `${query}: ${JSON.stringify(answer.error)}`);
    assert.match(answer.error.message, message, query);
  }

  before(async () => {
    server = await startServer();
    fleet = await registerFleet(server.endpoint, REGION);
    other = await registerFleet(server.endpoint, REGION);
    await ingest(server.endpoint, fleet.FleetArn, [{ EventCode: "FLEET_CREATED", Message: "m" }]);
    const stream = await mustOpen(url(`FleetId=${fleet.FleetArn}&since=0`));
    position = (await stream.waitFor(1))[0]!.id!;
    stream.close();
  });
  after(() => server?.dispose());

  it("unknown, malformed or out-of-scope fleets", async () => {
    await assertRejected(
      `FleetId=fleet-00000000-0000-0000-0000-000000000000&Region=${REGION}`,
      "NotFoundException",
      /not found in account/,
    );
    await assertRejected(`FleetId=${fleet.FleetId}`, "NotFoundException", /region us-east-1/); // the default region
    await assertRejected(`FleetId=${fleet.FleetId}&Region=${REGION}&AccountId=111111111111`, "NotFoundException", /111111111111/);
    await assertRejected("FleetId=not-a-fleet", "InvalidRequestException", /fleet ID \(fleet-\.\.\.\) or fleet ARN/);
    await assertRejected(`FleetId=${fleet.FleetArn}&Region=eu-west-1`, "InvalidRequestException", /is in 000000000000\/us-west-2/);
  });

  it("forged, garbled and foreign positions", async () => {
    const [payload, mac] = position.split(".") as [string, string];
    const forged = `${Buffer.from(JSON.stringify(["L", 0, 0])).toString("base64url")}.${mac}`;
    const flipped = `${payload}.${mac.slice(0, -2)}${mac.endsWith("AA") ? "AB" : "AA"}`;
    for (const bad of [forged, flipped, "garbage", "a.b", ".", `${payload}.`, "x".repeat(5000)]) {
      await assertRejected(`FleetId=${fleet.FleetArn}`, "InvalidRequestException", /not a position this service issued/, {
        "Last-Event-ID": bad,
      });
      await assertRejected(`FleetId=${fleet.FleetArn}&after=${encodeURIComponent(bad)}`, "InvalidRequestException", /not a position/);
    }
    // A real position, but of another fleet's stream or of the whole scope's.
    await assertRejected(`FleetId=${other.FleetArn}`, "InvalidRequestException", /same fleet/, { "Last-Event-ID": position });
    await assertRejected(`Region=${REGION}`, "InvalidRequestException", /same fleet/, { "Last-Event-ID": position });
  });

  it("bad filters, times, scopes and parameters", async () => {
    const f = `FleetId=${fleet.FleetArn}`;
    await assertRejected(`${f}&EventCodes=FLEET_EXPLODED`, "InvalidRequestException", /FLEET_EXPLODED.*not a GameLift event code/);
    await assertRejected(`${f}&EventCodes=FLEET_CREATED,,`, "InvalidRequestException", /not a GameLift event code/);
    await assertRejected(`${f}&EventCodes=`, "InvalidRequestException", /not a GameLift event code/);
    for (const since of ["yesterday", "-5", "1e99", "", "99999999999999"]) {
      await assertRejected(`${f}&since=${since}`, "InvalidRequestException", /since must be epoch seconds/);
    }
    await assertRejected(`${f}&Fleet=x`, "InvalidRequestException", /Unknown parameter 'Fleet'/);
    await assertRejected(`${f}&FleetId=${other.FleetArn}`, "InvalidRequestException", /'FleetId' is given more than once/);
    await assertRejected("Region=mars-north-1", "UnsupportedRegionException", /mars-north-1/);
    await assertRejected("AccountId=12345", "InvalidRequestException", /12-digit/);
  });

  it("keeps serving after all that", async () => {
    const stream = await mustOpen(url(`FleetId=${fleet.FleetArn}`), { "Last-Event-ID": position });
    const [id] = await ingest(server.endpoint, fleet.FleetArn, [{ EventCode: "FLEET_STATE_ACTIVE", Message: "still here" }]);
    assert.equal(eventOf((await stream.waitFor(1))[0]!).EventId, id);
    stream.close();
    assert.doesNotMatch(server.output(), /InternalServiceException|Error:/);
  });

  it("serve refuses bad feed timings, from flags and from the environment, in one line naming the setting", () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--feed-heartbeat", "0"], {}, /^--feed-heartbeat must be a number of seconds from 0\.1 to 86400, got '0'$/],
      [["--feed-heartbeat", "0.01"], {}, /^--feed-heartbeat must be a number of seconds from 0\.1 to 86400, got '0\.01'$/],
      [["--feed-recheck", "soon"], {}, /^--feed-recheck must be a number of seconds from 0\.1 to 86400, got 'soon'$/],
      [["--feed-recheck="], {}, /^--feed-recheck must be a number of seconds from 0\.1 to 86400, got ''$/],
      [["--feed-stall", "1e9"], {}, /^--feed-stall must be a number of seconds from 0\.1 to 86400, got '1e9'$/],
      [["--feed-stall=-5"], {}, /^--feed-stall must be a number of seconds from 0\.1 to 86400, got '-5'$/],
      [
        [],
        { LIFTLOG_FEED_HEARTBEAT_SECONDS: "NaN" },
        /^LIFTLOG_FEED_HEARTBEAT_SECONDS must be a number of seconds from 0\.1 to 86400, got 'NaN'$/,
      ],
      [[], { LIFTLOG_FEED_RECHECK_SECONDS: "0" }, /^LIFTLOG_FEED_RECHECK_SECONDS must be a number of seconds from 0\.1 to 86400, got '0'$/],
      [
        [],
        { LIFTLOG_FEED_STALL_SECONDS: "3000000" },
        /^LIFTLOG_FEED_STALL_SECONDS must be a number of seconds from 0\.1 to 86400, got '3000000'$/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const what = `${args.join(" ")} ${JSON.stringify(env)}`;
      const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], {
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 30_000,
      });
      assert.equal(run.status, 1, `${what}: ${run.stdout}${run.stderr}`);
      assert.equal(run.stdout, "", what);
      assert.match(run.stderr.trimEnd(), message, what);
    }
  });
});
