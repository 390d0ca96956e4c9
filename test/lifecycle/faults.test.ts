/**
 * Fault injection through POST /_liftlog/fleets/{FleetId}/faults on the manual clock: Count
 * coalescing at 1, 100, 101 and 102 repeats, the fleet's reactions (a lost Spot instance is
 * replaced, an expired fleet stops), and every bad request answered with an AWS error shape.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetCapacityCommand } from "@aws-sdk/client-gamelift";
import { admin, registerFleet } from "../helpers/server.js";
import { advance, allEvents, chronological, CREATION, ec2Fleet, fleetStatus, manualFixture } from "./helpers.js";

const CREATION_SECONDS = 460;

describe("fault injection", () => {
  const f = manualFixture();

  const fault = (fleetRef: string, body: unknown) =>
    admin(f.server.endpoint, `/_liftlog/fleets/${encodeURIComponent(fleetRef)}/faults`, body);

  async function activeFleet(scenario?: string, extra = {}) {
    const attributes = (await ec2Fleet(f.client, f.buildId, scenario, extra)).FleetAttributes!;
    await advance(f.server.endpoint, CREATION_SECONDS);
    return attributes;
  }

  const runtimeEvents = async (fleetId: string) => chronological(await allEvents(f.client, fleetId)).slice(CREATION.length);

  it("Count: 1, 100 and 101 repeats are one event each; 102 are two (101, then 1)", async () => {
    const { FleetId, FleetArn } = await activeFleet();
    const ids: Record<number, string[]> = {};
    for (const repeat of [1, 100, 101, 102]) {
      const res = await fault(FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", Repeat: repeat, ResourceId: `i-repeat${repeat}` });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids[repeat] = res.body.EventIds!;
    }
    const events = await runtimeEvents(FleetId!);
    assert.deepEqual(
      events.map((e) => [e.ResourceId, e.Count]),
      [
        ["i-repeat1", 1],
        ["i-repeat100", 100],
        ["i-repeat101", 101],
        ["i-repeat102", 101],
        ["i-repeat102", 1],
      ],
    );
    assert.deepEqual(
      [ids[1], ids[100], ids[101], ids[102]],
      [[events[0]!.EventId], [events[1]!.EventId], [events[2]!.EventId], [events[3]!.EventId, events[4]!.EventId]],
    );
    // A later repeat within the window raises the open event's Count.
    await advance(f.server.endpoint, 60);
    await fault(FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", ResourceId: "i-repeat1" });
    assert.equal((await runtimeEvents(FleetId!))[0]!.Count, 2);
    // Past the window (15 minutes from the first occurrence) the same fault is a new event.
    await advance(f.server.endpoint, 900);
    await fault(FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", ResourceId: "i-repeat1" });
    const after = (await runtimeEvents(FleetId!)).filter((e) => e.ResourceId === "i-repeat1");
    assert.deepEqual(
      after.map((e) => e.Count),
      [2, 1],
    );
  });

  it("every runtime fault of an EC2 fleet lands with its message, on the fleet's instance, process failures with a log", async () => {
    const { FleetId, FleetArn } = await activeFleet();
    const codes = [
      "SERVER_PROCESS_INVALID_PATH",
      "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT",
      "SERVER_PROCESS_PROCESS_READY_TIMEOUT",
      "SERVER_PROCESS_CRASHED",
      "SERVER_PROCESS_TERMINATED_UNHEALTHY",
      "SERVER_PROCESS_FORCE_TERMINATED",
      "SERVER_PROCESS_PROCESS_EXIT_TIMEOUT",
      "SERVER_PROCESS_SDK_INITIALIZATION_FAILED",
      "GAME_SESSION_ACTIVATION_TIMEOUT",
      "COMPUTE_LOG_UPLOAD_FAILED",
      "GENERIC_EVENT",
    ];
    for (const code of codes) assert.equal((await fault(FleetId!, { EventCode: code, Region: "us-west-2" })).status, 200, code);
    const generic = await fault(FleetArn!, { EventCode: "GENERIC_EVENT", Message: "Maintenance window starts in 10 minutes." });
    assert.equal(generic.status, 200);
    // The instance is replaced last: its replacement is PENDING, so nothing runs that could fail.
    assert.equal((await fault(FleetArn!, { EventCode: "INSTANCE_REPLACED_UNHEALTHY" })).status, 200);
    const events = await runtimeEvents(FleetId!);
    assert.deepEqual(
      events.map((e) => e.EventCode),
      [...codes, "GENERIC_EVENT", "INSTANCE_REPLACED_UNHEALTHY"],
    );
    for (const e of events) {
      assert.match(e.ResourceId!, /^i-[0-9a-f]{17}$/);
      assert.equal(e.ResourceId, events[0]!.ResourceId, "every fault is on the fleet's one running instance");
      if (e.Message === "Maintenance window starts in 10 minutes.") continue;
      assert.ok(e.Message!.includes(FleetId!) && e.Message!.includes(e.ResourceId!), e.Message);
      assert.equal(e.Message!.split(FleetId!).length, 2, `names the fleet once: ${e.Message}`);
      assert.equal(!!e.PreSignedLogUrl, e.EventCode!.startsWith("SERVER_PROCESS_"), `${e.EventCode} log`);
    }
    assert.equal(
      events.find((e) => e.EventCode === "GENERIC_EVENT")!.Message,
      `An unspecified event (GENERIC_EVENT) occurred on instance ${events[0]!.ResourceId} of fleet ${FleetId}.`,
    );
    const log = await (await fetch(events[3]!.PreSignedLogUrl!)).text();
    assert.match(log, /Segmentation fault/);
  });

  it("a Spot interruption takes an instance away: PENDING until the replacement is ACTIVE", async () => {
    const { FleetId, FleetArn } = await activeFleet(undefined, { FleetType: "SPOT" });
    const counts = async () =>
      (await f.client.send(new DescribeFleetCapacityCommand({ FleetIds: [FleetId!] }))).FleetCapacity![0]!.InstanceCounts;
    const before = (await fault(FleetArn!, { EventCode: "INSTANCE_INTERRUPTED" })).body.EventIds!;
    assert.equal(before.length, 1);
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 1, ACTIVE: 0, IDLE: 0, TERMINATING: 0 });
    await advance(f.server.endpoint, 60);
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 0, ACTIVE: 1, IDLE: 1, TERMINATING: 0 });
    // The next fault names the replacement.
    await fault(FleetArn!, { EventCode: "INSTANCE_RECYCLED" });
    const [interrupted, recycled] = await runtimeEvents(FleetId!);
    assert.notEqual(recycled!.ResourceId, interrupted!.ResourceId);
  });

  it("FLEET_EXPIRED ends the fleet's activity: status EXPIRED, the crash loop stops", async () => {
    const { FleetId, FleetArn } = await activeFleet("crash-loop");
    await advance(f.server.endpoint, 20);
    assert.equal((await fault(FleetArn!, { EventCode: "FLEET_EXPIRED" })).status, 200);
    assert.equal(await fleetStatus(f.client, FleetId!), "EXPIRED");
    await advance(f.server.endpoint, 600);
    const events = await runtimeEvents(FleetId!);
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Count]),
      [
        ["SERVER_PROCESS_CRASHED", 4],
        ["FLEET_EXPIRED", 1],
      ],
    );
    assert.equal(events[1]!.Message, `Fleet ${FleetId} expired; it changed state from ACTIVE to EXPIRED.`);
    const again = await fault(FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED" });
    assert.deepEqual([again.status, again.body.__type], [400, "InvalidFleetStatusException"]);
  });

  it("bad requests get the AWS error shape naming what to fix, and store nothing", async () => {
    const { FleetArn } = await activeFleet();
    const creating = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    const external = await registerFleet(f.server.endpoint, "us-west-2");
    const cases: [string, unknown, number, string, RegExp][] = [
      [
        FleetArn!,
        { EventCode: "NO_SUCH_FAULT" },
        400,
        "InvalidRequestException",
        /is not a runtime fault\. Valid values: SERVER_PROCESS_INVALID_PATH, .*FLEET_EXPIRED\./,
      ],
      [FleetArn!, { EventCode: "FLEET_CREATED" }, 400, "InvalidRequestException", /is not a runtime fault/],
      [FleetArn!, {}, 400, "InvalidRequestException", /EventCode null is not a runtime fault/],
      [FleetArn!, [], 400, "InvalidRequestException", /Body must be/],
      [
        FleetArn!,
        { EventCode: "SERVER_PROCESS_CRASHED", Repeat: 0 },
        400,
        "InvalidRequestException",
        /Repeat must be an integer from 1 to 10000/,
      ],
      [FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", Repeat: 1.5 }, 400, "InvalidRequestException", /Repeat must be an integer/],
      [
        FleetArn!,
        { EventCode: "SERVER_PROCESS_CRASHED", ResourceId: "" },
        400,
        "InvalidRequestException",
        /at 'resourceId' failed to satisfy constraint/,
      ],
      [FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", ResourceId: 7 }, 400, "InvalidRequestException", /ResourceId must be a string/],
      [FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", Extra: 1 }, 400, "InvalidRequestException", /Unknown field 'Extra'/],
      [
        FleetArn!,
        { EventCode: "INSTANCE_INTERRUPTED" },
        400,
        "InvalidRequestException",
        /happens to Spot instances; fleet .* is ON_DEMAND/,
      ],
      [
        FleetArn!,
        { EventCode: "GAME_SERVER_CONTAINER_GROUP_CRASHED" },
        400,
        "InvalidRequestException",
        /applies to CONTAINER fleets; fleet .* is EC2/,
      ],
      [
        creating.FleetArn!,
        { EventCode: "SERVER_PROCESS_CRASHED" },
        400,
        "InvalidFleetStatusException",
        /is NEW; runtime faults apply to a running \(ACTIVE\) fleet/,
      ],
      [external.FleetArn, { EventCode: "SERVER_PROCESS_CRASHED" }, 400, "InvalidRequestException", /registered through the admin API/],
      [
        "fleet-00000000-0000-4000-8000-000000000000",
        { EventCode: "SERVER_PROCESS_CRASHED", Region: "us-west-2" },
        400,
        "NotFoundException",
        /not found/,
      ],
      [
        creating.FleetId!,
        { EventCode: "SERVER_PROCESS_CRASHED" },
        400,
        "NotFoundException",
        /not found in account 000000000000, region us-east-1/,
      ],
      ["not-a-fleet", { EventCode: "SERVER_PROCESS_CRASHED" }, 400, "InvalidRequestException", /is not a fleet ID/],
      [FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED", Region: "mars-1" }, 400, "UnsupportedRegionException", /not a GameLift region/],
    ];
    for (const [ref, body, status, type, message] of cases) {
      const res = await fault(ref, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.__type, type, JSON.stringify(res.body));
      assert.match(res.body.message as string, message);
    }
    const bad = await admin(f.server.endpoint, `/_liftlog/fleets/${encodeURIComponent(FleetArn!)}/faults`, "{not json");
    assert.deepEqual([bad.status, bad.body.__type], [400, "SerializationException"]);
    const badPath = await admin(f.server.endpoint, "/_liftlog/fleets/%E0%A4%A/faults", { EventCode: "SERVER_PROCESS_CRASHED" });
    assert.deepEqual([badPath.status, badPath.body.__type], [400, "InvalidRequestException"]);
    assert.deepEqual(await runtimeEvents(FleetArn!), []);
  });
});
