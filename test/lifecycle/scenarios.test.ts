/**
 * Every liftlog:scenario value, on a real server with the manual clock: one fleet per scenario,
 * its whole event log compared with the documented sequence (spelled out here, and as GET
 * /_liftlog/scenarios lists it), event times from the stage lengths, final status, log URLs.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeleteFleetCommand, DescribeFleetCapacityCommand, type Event } from "@aws-sdk/client-gamelift";
import { STAGES } from "../../src/fleets/scenarios.js";
import { adminGet, advance, allEvents, CREATION, chronological, ec2Fleet, fleetStatus, LAUNCH_PATH, manualFixture } from "./helpers.js";

const upTo = (code: string) => CREATION.slice(0, CREATION.indexOf(code) + 1);
const fails = (after: string, code: string) => [...upTo(after), code, "FLEET_STATE_ERROR"];

/** Seconds after creation of each success-path event, from the default stage lengths. */
const S = STAGES;
const OFFSETS = [
  0,
  S.new,
  S.downloading,
  S.extracting,
  S.installing,
  S.installed,
  S.validating,
  S["validating-runtime"],
  S.building,
  S.activating,
].map((_, i, all) => all.slice(0, i + 1).reduce((a, b) => a + b, 0));
const CREATION_SECONDS = OFFSETS[OFFSETS.length - 1]!;

const FAILURES: Record<string, string[]> = {
  "initialization-failed": fails("FLEET_CREATED", "FLEET_INITIALIZATION_FAILED"),
  "binary-download-failed": fails("FLEET_STATE_DOWNLOADING", "FLEET_BINARY_DOWNLOAD_FAILED"),
  "installer-failed": fails("FLEET_CREATION_RUNNING_INSTALLER", "FLEET_CREATION_FAILED_INSTALLER"),
  "launch-path-not-found": fails("FLEET_CREATION_VALIDATING_RUNTIME_CONFIG", "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND"),
  "executable-runtime-failure": fails("FLEET_CREATION_VALIDATING_RUNTIME_CONFIG", "FLEET_VALIDATION_EXECUTABLE_RUNTIME_FAILURE"),
  "validation-timed-out": fails("FLEET_CREATION_VALIDATING_RUNTIME_CONFIG", "FLEET_VALIDATION_TIMED_OUT"),
  "activation-failed": fails("FLEET_STATE_ACTIVATING", "FLEET_ACTIVATION_FAILED"),
  // No instance could be obtained: nothing was downloaded, installed or validated on one.
  "activation-failed-no-instances": fails("FLEET_CREATED", "FLEET_ACTIVATION_FAILED_NO_INSTANCES"),
};
/** Scenarios in which the fleet never gets an instance: no event or log may name one. */
const NO_INSTANCE = new Set(["initialization-failed", "activation-failed-no-instances"]);
const WITH_LOG = new Set([
  "FLEET_CREATION_EXTRACTING_BUILD",
  "FLEET_CREATION_RUNNING_INSTALLER",
  "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
]);

describe("scenarios on the manual clock", () => {
  const f = manualFixture();
  let listed: Record<string, { EventCodes: string[]; FinalStatus: string }>;

  before(async () => {
    const { body } = await adminGet(f.server.endpoint, "/_liftlog/scenarios");
    listed = Object.fromEntries((body.Scenarios as { Name: string; EventCodes: string[]; FinalStatus: string }[]).map((s) => [s.Name, s]));
  });

  /** Creates the fleet, lets `seconds` pass, returns its log oldest first (and deletes cycling fleets' future). */
  async function live(scenario: string | undefined, seconds: number, extra = {}) {
    const created = await ec2Fleet(f.client, f.buildId, scenario, extra);
    const fleetId = created.FleetAttributes!.FleetId!;
    const t0 = created.FleetAttributes!.CreationTime!.getTime();
    await advance(f.server.endpoint, seconds);
    const events = chronological(await allEvents(f.client, fleetId));
    const status = await fleetStatus(f.client, fleetId);
    return { fleetId, t0, events, status, created };
  }

  const codes = (events: Event[]) => events.map((e) => e.EventCode);

  it("success: the documented EC2 sequence at the stage lengths, Status in step, one message per state", async () => {
    const created = await ec2Fleet(f.client, f.buildId);
    const fleetId = created.FleetAttributes!.FleetId!;
    assert.equal(created.FleetAttributes!.Status, "NEW");
    assert.deepEqual(created.LocationStates, [{ Location: "us-west-2", Status: "NEW" }]);
    const t0 = created.FleetAttributes!.CreationTime!.getTime();
    // Walk the clock stage by stage: after each, exactly the events due so far, and the status they set.
    let expectedStatus = "NEW";
    for (let i = 1; i < OFFSETS.length; i++) {
      await advance(f.server.endpoint, OFFSETS[i]! - OFFSETS[i - 1]! - 1);
      assert.equal((await allEvents(f.client, fleetId)).length, i, `one second before event ${i}`);
      await advance(f.server.endpoint, 1);
      const events = chronological(await allEvents(f.client, fleetId));
      assert.deepEqual(codes(events), CREATION.slice(0, i + 1));
      if (CREATION[i]!.startsWith("FLEET_STATE_")) expectedStatus = CREATION[i]!.slice("FLEET_STATE_".length);
      assert.equal(await fleetStatus(f.client, fleetId), expectedStatus, `status after ${CREATION[i]}`);
    }
    const events = chronological(await allEvents(f.client, fleetId));
    assert.deepEqual(
      events.map((e) => e.EventTime!.getTime() - t0),
      OFFSETS.map((s) => s * 1000),
    );
    for (const e of events) {
      assert.equal(e.ResourceId, fleetId);
      assert.equal(e.Count, 1);
      assert.ok(e.Message!.includes(fleetId), `${e.EventCode} message names the fleet: ${e.Message}`);
      if (e.EventCode!.startsWith("FLEET_STATE_")) assert.equal(e.Message, `Fleet ${fleetId} changed state to ${e.EventCode!.slice(12)}`);
      assert.equal(!!e.PreSignedLogUrl, WITH_LOG.has(e.EventCode!), `${e.EventCode} log URL`);
    }
    assert.deepEqual(codes(events), listed.success!.EventCodes);
    // Nothing more happens to a healthy ACTIVE fleet.
    await advance(f.server.endpoint, 86_400);
    assert.equal((await allEvents(f.client, fleetId)).length, CREATION.length);
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  for (const [scenario, expected] of Object.entries(FAILURES)) {
    it(`${scenario}: fails at its documented stage with a logged failure event, then ERROR`, async () => {
      const { fleetId, events, status } = await live(scenario, CREATION_SECONDS + 60);
      assert.deepEqual(codes(events), expected);
      assert.deepEqual(codes(events), listed[scenario]!.EventCodes);
      assert.equal(status, "ERROR");
      assert.equal(listed[scenario]!.FinalStatus, "ERROR");
      const failure = events[events.length - 2]!;
      const error = events[events.length - 1]!;
      assert.ok(failure.PreSignedLogUrl, "the failure event carries a log URL");
      assert.ok(failure.Message!.includes(fleetId));
      // The failure comes after the length of the stage the fleet was in; ERROR follows 1 ms later,
      // so the order shows in the times alone.
      const before = events[events.length - 3]!;
      const stage = OFFSETS[CREATION.indexOf(before.EventCode!) + 1]! - OFFSETS[CREATION.indexOf(before.EventCode!)]!;
      assert.equal(failure.EventTime!.getTime() - before.EventTime!.getTime(), stage * 1000);
      assert.equal(error.EventTime!.getTime(), failure.EventTime!.getTime() + 1);
      assert.equal(error.Message, `Fleet ${fleetId} changed state to ERROR`);
      const log = await (await fetch(failure.PreSignedLogUrl!)).text();
      assert.ok(log.includes(fleetId), `the log names the fleet:\n${log}`);
      if (scenario === "launch-path-not-found") assert.match(log, new RegExp(`Launch path ${LAUNCH_PATH} .*NOT FOUND`));
      if (NO_INSTANCE.has(scenario)) {
        for (const text of [...events.map((e) => e.Message!), log]) assert.doesNotMatch(text, /\bi-[0-9a-f]{17}\b/, "names no instance");
        const capacity = await f.client.send(new DescribeFleetCapacityCommand({ FleetIds: [fleetId] }));
        assert.deepEqual(
          { ...capacity.FleetCapacity![0]!.InstanceCounts },
          { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 0, ACTIVE: 0, IDLE: 0, TERMINATING: 0 },
        );
      }
      // An ERROR fleet stays as it is.
      await advance(f.server.endpoint, 3600);
      assert.equal((await allEvents(f.client, fleetId)).length, expected.length);
    });
  }

  it("vpc-peering-failed: peering fails after BUILDING, the fleet still becomes ACTIVE", async () => {
    const { fleetId, events, status } = await live("vpc-peering-failed", CREATION_SECONDS, {
      PeerVpcId: "vpc-0abc",
      PeerVpcAwsAccountId: "111122223333",
    });
    const expected = [
      ...upTo("FLEET_STATE_BUILDING"),
      "FLEET_VPC_PEERING_FAILED",
      ...CREATION.slice(CREATION.indexOf("FLEET_STATE_ACTIVATING")),
    ];
    assert.deepEqual(codes(events), expected);
    assert.deepEqual(codes(events), listed["vpc-peering-failed"]!.EventCodes);
    assert.equal(status, "ACTIVE");
    assert.match(
      events[8]!.Message!,
      new RegExp(`fleet ${fleetId} .*VPC vpc-0abc of account 111122223333 failed: the VPCs have overlapping CIDR blocks`),
    );
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("crash-loop: one SERVER_PROCESS_CRASHED event counts to 101, the 102nd crash starts a new event", async () => {
    const { fleetId, t0, events } = await live("crash-loop", CREATION_SECONDS + 5 * 102);
    assert.deepEqual(codes(events), [...CREATION, "SERVER_PROCESS_CRASHED", "SERVER_PROCESS_CRASHED"]);
    const [first, second] = events.slice(CREATION.length);
    assert.equal(first!.Count, 101);
    assert.equal(second!.Count, 1);
    assert.equal(first!.EventTime!.getTime(), t0 + (CREATION_SECONDS + 5) * 1000);
    assert.equal(second!.EventTime!.getTime(), t0 + (CREATION_SECONDS + 5 * 102) * 1000);
    assert.match(first!.ResourceId!, /^i-[0-9a-f]{17}$/);
    assert.equal(second!.ResourceId, first!.ResourceId);
    assert.equal(second!.Message, first!.Message);
    assert.ok(first!.Message!.includes(fleetId) && first!.Message!.includes(LAUNCH_PATH));
    assert.ok(first!.PreSignedLogUrl, "a process failure carries the process log");
    assert.deepEqual(listed["crash-loop"]!.EventCodes, CREATION);
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("unhealthy-processes: three unhealthy terminations (one event, Count 3), then the instance is replaced", async () => {
    const { fleetId, events } = await live("unhealthy-processes", CREATION_SECONDS + 60 * 3 + 30 + 60);
    const runtime = events.slice(CREATION.length);
    assert.deepEqual(codes(events), [
      ...CREATION,
      "SERVER_PROCESS_TERMINATED_UNHEALTHY",
      "INSTANCE_REPLACED_UNHEALTHY",
      "SERVER_PROCESS_TERMINATED_UNHEALTHY",
    ]);
    assert.deepEqual(
      runtime.map((e) => e.Count),
      [3, 1, 1],
    );
    assert.equal(runtime[1]!.ResourceId, runtime[0]!.ResourceId, "the replaced instance is the unhealthy one");
    assert.notEqual(runtime[2]!.ResourceId, runtime[0]!.ResourceId, "the next failure is on the replacement");
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("spot-interruptions: a Spot fleet gets INSTANCE_RECYCLED then INSTANCE_INTERRUPTED, each on the instance of the day", async () => {
    const { fleetId, t0, events } = await live("spot-interruptions", CREATION_SECONDS + 900, { FleetType: "SPOT" });
    assert.deepEqual(codes(events), [...CREATION, "INSTANCE_RECYCLED", "INSTANCE_INTERRUPTED"]);
    const [recycled, interrupted] = events.slice(CREATION.length);
    assert.equal(recycled!.EventTime!.getTime(), t0 + (CREATION_SECONDS + 600) * 1000);
    assert.equal(interrupted!.EventTime!.getTime(), t0 + (CREATION_SECONDS + 900) * 1000);
    assert.notEqual(recycled!.ResourceId, interrupted!.ResourceId, "the recycled instance was replaced before the interruption");
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("rejects an unknown scenario, and one the fleet does not qualify for, naming the valid values", async () => {
    await assert.rejects(ec2Fleet(f.client, f.buildId, "no-such-scenario"), (err: Error) => {
      assert.equal(err.name, "InvalidRequestException");
      assert.match(
        err.message,
        /liftlog:scenario="no-such-scenario" is not a liftlog scenario\. Valid values for EC2 fleets: success, initialization-failed, /,
      );
      assert.match(err.message, /launch-path-not-found/);
      return true;
    });
    await assert.rejects(ec2Fleet(f.client, f.buildId, "container-crash"), /applies to CONTAINER fleets, not EC2/);
    await assert.rejects(ec2Fleet(f.client, f.buildId, "spot-interruptions"), /needs a Spot fleet: set FleetType SPOT/);
    await assert.rejects(ec2Fleet(f.client, f.buildId, "vpc-peering-failed"), /needs a VPC peering/);
  });

  it("lists every scenario with its description", async () => {
    assert.deepEqual(
      Object.keys(listed).sort(),
      [
        ...Object.keys(FAILURES),
        "container-crash",
        "crash-loop",
        "spot-interruptions",
        "success",
        "unhealthy-processes",
        "vpc-peering-failed",
      ].sort(),
    );
    for (const s of Object.values(listed)) assert.ok((s as unknown as { Description: string }).Description.length > 20);
  });
});
