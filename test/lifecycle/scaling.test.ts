/**
 * Scaling policies evaluated on the manual clock, through the JS SDK v3 and boto3: a target-tracking
 * policy scales an idle fleet in, a rule-based one scales it out after its evaluation periods, and
 * StopFleetActions suspends them; every change is a FLEET_SCALING_EVENT naming the policy and why.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  DeleteScalingPolicyCommand,
  DescribeFleetCapacityCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  StartFleetActionsCommand,
  StopFleetActionsCommand,
  UpdateFleetCapacityCommand,
} from "@aws-sdk/client-gamelift";
import { pythonToolsMissing } from "../helpers/server.js";
import { advance, allEvents, BOTO3_PRELUDE, chronological, clockNow, CREATION, ec2Fleet, manualFixture, rejectsWith } from "./helpers.js";

const CREATION_SECONDS = 460;
const scaled = (id: string, to: [number, number, number], from: [number, number, number], why = "") =>
  `Fleet ${id} capacity in us-west-2 updated: desired instances ${to[0]}, minimum ${to[1]}, maximum ${to[2]}` +
  ` (was desired ${from[0]}, minimum ${from[1]}, maximum ${from[2]}).${why}`;
const TARGET_WHY = " Scaling policy keep-20: target 20% PercentAvailableGameSessions, now 100% with 0 active game sessions.";

const BOTO3_TARGET = `${BOTO3_PRELUDE}
fleet_id = sys.argv[2]
client.put_scaling_policy(Name="keep-20", FleetId=fleet_id, MetricName="PercentAvailableGameSessions",
                          PolicyType="TargetBased", TargetConfiguration={"TargetValue": 20})
policies = client.describe_scaling_policies(FleetId=fleet_id)["ScalingPolicies"]
advance(60)
events = [e for page in client.get_paginator("describe_fleet_events").paginate(FleetId=fleet_id) for e in page["Events"]]
desired = client.describe_fleet_capacity(FleetIds=[fleet_id])["FleetCapacity"][0]["InstanceCounts"]["DESIRED"]
print(json.dumps({"policies": policies, "newest": [e["EventCode"] + " " + e["Message"] for e in events[:2]], "desired": desired}))
`;

describe("scaling policies", () => {
  const f = manualFixture();

  async function busyFleet() {
    const { FleetId } = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    await advance(f.server.endpoint, CREATION_SECONDS);
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId, MinSize: 1, MaxSize: 4, DesiredInstances: 4 }));
    await advance(f.server.endpoint, 60);
    return FleetId!;
  }
  const desired = async (FleetId: string) =>
    (await f.client.send(new DescribeFleetCapacityCommand({ FleetIds: [FleetId] }))).FleetCapacity![0]!.InstanceCounts!.DESIRED;
  const runtime = async (FleetId: string) =>
    chronological(await allEvents(f.client, FleetId))
      .slice(CREATION.length)
      .map((e) => [e.EventCode, e.Message, e.EventTime!.getTime()]);

  it("JS SDK: target tracking scales an idle fleet in; a rule scales it out after its periods; StopFleetActions suspends both", async () => {
    const id = await busyFleet();
    const put = await clockNow(f.server.endpoint);
    await f.client.send(
      new PutScalingPolicyCommand({
        Name: "keep-20",
        FleetId: id,
        MetricName: "PercentAvailableGameSessions",
        PolicyType: "TargetBased",
        TargetConfiguration: { TargetValue: 20 },
      }),
    );
    assert.deepEqual((await f.client.send(new DescribeScalingPoliciesCommand({ FleetId: id }))).ScalingPolicies, [
      {
        FleetId: id,
        FleetArn: `arn:aws:gamelift:us-west-2:000000000000:fleet/${id}`,
        Name: "keep-20",
        Status: "ACTIVE",
        PolicyType: "TargetBased",
        MetricName: "PercentAvailableGameSessions",
        TargetConfiguration: { TargetValue: 20 },
        Location: "us-west-2",
      },
    ]);
    await advance(f.server.endpoint, 59);
    assert.equal(await desired(id), 4, "nothing before the first evaluation, a minute after the policy");
    await advance(f.server.endpoint, 1);
    assert.equal(await desired(id), 1);

    // Out again by rule: fewer than 3 active instances for 2 minutes sets capacity to exactly 3.
    await f.client.send(new DeleteScalingPolicyCommand({ FleetId: id, Name: "keep-20" }));
    const rulePut = await clockNow(f.server.endpoint);
    await f.client.send(
      new PutScalingPolicyCommand({
        Name: "at-least-3",
        FleetId: id,
        MetricName: "ActiveInstances",
        ComparisonOperator: "LessThanThreshold",
        Threshold: 3,
        EvaluationPeriods: 2,
        ScalingAdjustment: 3,
        ScalingAdjustmentType: "ExactCapacity",
      }),
    );
    await advance(f.server.endpoint, 60);
    assert.equal(await desired(id), 1, "one period is not enough");
    await advance(f.server.endpoint, 60);
    assert.equal(await desired(id), 3);

    // Suspended: a manual scale-in stays while AUTO_SCALING is stopped, and is undone once it starts again.
    await f.client.send(new StopFleetActionsCommand({ FleetId: id, Actions: ["AUTO_SCALING"] }));
    await advance(f.server.endpoint, 60);
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: id, DesiredInstances: 1 }));
    const stoppedAt = await clockNow(f.server.endpoint);
    await advance(f.server.endpoint, 300);
    assert.equal(await desired(id), 1);
    await f.client.send(new StartFleetActionsCommand({ FleetId: id, Actions: ["AUTO_SCALING"] }));
    const startedAt = await clockNow(f.server.endpoint);
    await advance(f.server.endpoint, 120);
    assert.equal(await desired(id), 3);

    // Evaluations run each minute after the first policy was put; a rule needs 2 consecutive minutes
    // (an evaluation due at the very moment of a change ran before it).
    const evaluation = (after: number, n: number) => put + (Math.floor((after - put) / 60_000) + n) * 60_000;
    const created = (await runtime(id))[0]![2] as number;
    assert.deepEqual(await runtime(id), [
      ["FLEET_SCALING_EVENT", scaled(id, [4, 1, 4], [1, 0, 1]), created],
      ["FLEET_SCALING_EVENT", scaled(id, [1, 1, 4], [4, 1, 4], TARGET_WHY), put + 60_000],
      [
        "FLEET_SCALING_EVENT",
        scaled(id, [3, 1, 4], [1, 1, 4], " Scaling policy at-least-3: ActiveInstances 1 LessThanThreshold 3 for 2 minute(s)."),
        evaluation(rulePut, 2),
      ],
      // At the same moment as the scaling event before it: 1 ms later, so times alone give the order.
      ["GENERIC_EVENT", `Fleet ${id}: fleet actions AUTO_SCALING stopped in us-west-2.`, rulePut + 120_000 + 1],
      ["FLEET_SCALING_EVENT", scaled(id, [1, 1, 4], [3, 1, 4]), stoppedAt],
      ["GENERIC_EVENT", `Fleet ${id}: fleet actions AUTO_SCALING started in us-west-2.`, startedAt],
      [
        "FLEET_SCALING_EVENT",
        scaled(id, [3, 1, 4], [1, 1, 4], " Scaling policy at-least-3: ActiveInstances 1 LessThanThreshold 3 for 2 minute(s)."),
        evaluation(startedAt, 2),
      ],
    ]);
  });

  it("bad policies and names get the errors GameLift gives", async () => {
    const id = await busyFleet();
    const put = (input: object) =>
      f.client.send(new PutScalingPolicyCommand({ Name: "p", FleetId: id, MetricName: "ActiveInstances", ...input }));
    await rejectsWith(
      put({}),
      "InvalidRequestException",
      /A RuleBased policy needs ScalingAdjustment, ScalingAdjustmentType, Threshold, ComparisonOperator, EvaluationPeriods/,
    );
    await rejectsWith(
      put({ PolicyType: "TargetBased", TargetConfiguration: { TargetValue: 20 } }),
      "InvalidRequestException",
      /tracks PercentAvailableGameSessions, not ActiveInstances/,
    );
    await rejectsWith(
      put({ PolicyType: "TargetBased", MetricName: "PercentAvailableGameSessions", TargetConfiguration: { TargetValue: 100 } }),
      "InvalidRequestException",
      /TargetValue 100 must be a percentage from 0 to below 100/,
    );
    const target = { PolicyType: "TargetBased", MetricName: "PercentAvailableGameSessions", TargetConfiguration: { TargetValue: 10 } };
    await put({ ...target, Name: "t1" });
    await put({ ...target, Name: "t1", TargetConfiguration: { TargetValue: 30 } });
    await rejectsWith(put({ ...target, Name: "t2" }), "InvalidRequestException", /already has a TargetBased policy, t1/);
    const listed = (await f.client.send(new DescribeScalingPoliciesCommand({ FleetId: id }))).ScalingPolicies!;
    assert.deepEqual(
      listed.map((p) => [p.Name, p.TargetConfiguration?.TargetValue]),
      [["t1", 30]],
      "putting a policy by an existing name replaces it",
    );
    assert.deepEqual(
      (await f.client.send(new DescribeScalingPoliciesCommand({ FleetId: id, StatusFilter: "DELETED" }))).ScalingPolicies,
      [],
    );
    await rejectsWith(
      f.client.send(new DeleteScalingPolicyCommand({ FleetId: id, Name: "nope" })),
      "NotFoundException",
      /has no scaling policy named nope/,
    );
  });

  it(
    "boto3: put_scaling_policy with a target; the fleet scales in a minute later and the event says why",
    { skip: pythonToolsMissing() },
    async () => {
      const id = await busyFleet();
      const run = spawnSync("python3", ["-c", BOTO3_TARGET, f.server.endpoint, id], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout) as {
        policies: { Name: string; Status: string; TargetConfiguration: unknown }[];
        newest: string[];
        desired: number;
      };
      assert.deepEqual(
        out.policies.map((p) => [p.Name, p.Status, p.TargetConfiguration]),
        [["keep-20", "ACTIVE", { TargetValue: 20 }]],
      );
      assert.deepEqual(out.newest, [
        `FLEET_SCALING_EVENT ${scaled(id, [1, 1, 4], [4, 1, 4], TARGET_WHY)}`,
        `FLEET_SCALING_EVENT ${scaled(id, [4, 1, 4], [1, 0, 1])}`,
      ]);
      assert.equal(out.desired, 1);
    },
  );
});
