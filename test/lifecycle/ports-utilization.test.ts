/**
 * Port settings, utilization, location capacity and instance limits through the JS SDK v3 on the
 * manual clock, in an account of their own so that counts are exact.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DescribeEC2InstanceLimitsCommand,
  DescribeFleetLocationCapacityCommand,
  DescribeFleetLocationUtilizationCommand,
  DescribeFleetPortSettingsCommand,
  DescribeFleetUtilizationCommand,
  UpdateFleetCapacityCommand,
  UpdateFleetPortSettingsCommand,
  type IpPermission,
} from "@aws-sdk/client-gamelift";
import { enumValues } from "../../src/model/service-model.js";
import { gamelift } from "../helpers/server.js";
import { advance, ec2Fleet, manualFixture, readyBuild, rejectsWith } from "./helpers.js";

const GAME_PORTS: IpPermission = { FromPort: 7777, ToPort: 7780, IpRange: "0.0.0.0/0", Protocol: "UDP" };
const ADMIN_PORT: IpPermission = { FromPort: 443, ToPort: 443, IpRange: "203.0.113.0/24", Protocol: "TCP" };

describe("ports, utilization and limits", () => {
  const f = manualFixture();

  it("port settings start as created, change by authorization and revocation, and refuse what GameLift refuses", async () => {
    const { FleetId, FleetArn } = (await ec2Fleet(f.client, f.buildId, undefined, { EC2InboundPermissions: [GAME_PORTS] }))
      .FleetAttributes!;
    const settings = (extra = {}) => f.client.send(new DescribeFleetPortSettingsCommand({ FleetId, ...extra }));
    const { $metadata: _m, ...first } = await settings();
    assert.deepEqual(first, { FleetId, FleetArn, InboundPermissions: [GAME_PORTS], Location: "us-west-2" });

    await f.client.send(
      new UpdateFleetPortSettingsCommand({
        FleetId: FleetArn,
        InboundPermissionAuthorizations: [ADMIN_PORT],
        InboundPermissionRevocations: [GAME_PORTS],
      }),
    );
    assert.deepEqual((await settings()).InboundPermissions, [ADMIN_PORT]);
    await f.client.send(new UpdateFleetPortSettingsCommand({ FleetId, InboundPermissionAuthorizations: [ADMIN_PORT, GAME_PORTS] }));
    assert.deepEqual((await settings()).InboundPermissions, [ADMIN_PORT, GAME_PORTS], "authorizing one already there changes nothing");

    const update = (input: object) => f.client.send(new UpdateFleetPortSettingsCommand({ FleetId, ...input }));
    await rejectsWith(update({}), "InvalidRequestException", /Give InboundPermissionAuthorizations, InboundPermissionRevocations or both/);
    await rejectsWith(
      update({ InboundPermissionRevocations: [{ ...ADMIN_PORT, FromPort: 444, ToPort: 444 }] }),
      "InvalidRequestException",
      /has no inbound permission TCP 444-444 from 203.0.113.0\/24 to revoke/,
    );
    await rejectsWith(
      update({ InboundPermissionAuthorizations: [{ ...ADMIN_PORT, FromPort: 500, ToPort: 400 }] }),
      "InvalidRequestException",
      /FromPort \(500\) must not be greater than ToPort \(400\)/,
    );
    await rejectsWith(
      update({ InboundPermissionAuthorizations: [{ ...ADMIN_PORT, IpRange: "10.0.0.300/8" }] }),
      "InvalidRequestException",
      /IpRange 10.0.0.300\/8 is not an IPv4 range in CIDR notation/,
    );
    await rejectsWith(settings({ Location: "eu-west-1" }), "NotFoundException", /has no location eu-west-1/);
    assert.deepEqual((await settings()).InboundPermissions, [ADMIN_PORT, GAME_PORTS], "refused changes change nothing");
  });

  it("utilization counts the server processes of ACTIVE instances; location capacity and instance limits follow the fleets", async () => {
    const client = gamelift(f.server.endpoint, "us-west-2", "333333333333");
    try {
      const buildId = await readyBuild(client);
      const { FleetId, FleetArn } = (
        await ec2Fleet(client, buildId, undefined, {
          RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: "/local/game/server", ConcurrentExecutions: 3 }] },
          Locations: [{ Location: "eu-west-1" }],
        })
      ).FleetAttributes!;
      const util = async () => (await client.send(new DescribeFleetUtilizationCommand({ FleetIds: [FleetId!] }))).FleetUtilization;
      const none = { ActiveGameSessionCount: 0, CurrentPlayerSessionCount: 0, MaximumPlayerSessionCount: 0 };
      assert.deepEqual(await util(), [{ FleetId, FleetArn, ActiveServerProcessCount: 0, ...none, Location: "us-west-2" }]);
      await advance(f.server.endpoint, 460);
      assert.deepEqual(await util(), [{ FleetId, FleetArn, ActiveServerProcessCount: 3, ...none, Location: "us-west-2" }]);
      await client.send(new UpdateFleetCapacityCommand({ FleetId, MaxSize: 2, DesiredInstances: 2 }));
      assert.equal((await util())![0]!.ActiveServerProcessCount, 3, "a new instance runs nothing until it is ACTIVE");
      await advance(f.server.endpoint, 60);
      assert.equal((await util())![0]!.ActiveServerProcessCount, 6);
      assert.deepEqual(
        (await client.send(new DescribeFleetUtilizationCommand({}))).FleetUtilization!.map((u) => u.FleetId),
        [FleetId],
      );

      await advance(f.server.endpoint, 600);
      const remote = await client.send(new DescribeFleetLocationUtilizationCommand({ FleetId, Location: "eu-west-1" }));
      assert.deepEqual(remote.FleetUtilization, { FleetId, FleetArn, ActiveServerProcessCount: 3, ...none, Location: "eu-west-1" });
      const capacity = await client.send(new DescribeFleetLocationCapacityCommand({ FleetId: FleetArn, Location: "eu-west-1" }));
      assert.deepEqual(capacity.FleetCapacity, {
        FleetId,
        FleetArn,
        InstanceType: "c5.large",
        Location: "eu-west-1",
        InstanceCounts: { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 0, ACTIVE: 1, IDLE: 1, TERMINATING: 0 },
      });
      await rejectsWith(
        client.send(new DescribeFleetLocationCapacityCommand({ FleetId, Location: "ap-south-1" })),
        "NotFoundException",
        /has no location ap-south-1/,
      );

      const limits = async (input = {}) => (await client.send(new DescribeEC2InstanceLimitsCommand(input))).EC2InstanceLimits!;
      assert.deepEqual(await limits({ EC2InstanceType: "c5.large" }), [
        { EC2InstanceType: "c5.large", CurrentInstances: 2, InstanceLimit: 100, Location: "us-west-2" },
      ]);
      assert.deepEqual(await limits({ EC2InstanceType: "c5.large", Location: "eu-west-1" }), [
        { EC2InstanceType: "c5.large", CurrentInstances: 1, InstanceLimit: 100, Location: "eu-west-1" },
      ]);
      const every = await limits();
      assert.deepEqual(
        every.map((l) => l.EC2InstanceType),
        enumValues("EC2InstanceType"),
      );
      assert.deepEqual(
        every.filter((l) => l.CurrentInstances! > 0).map((l) => l.EC2InstanceType),
        ["c5.large"],
      );
      await rejectsWith(limits({ Location: "custom-rack" }), "InvalidRequestException", /Location custom-rack is not an AWS Region/);
    } finally {
      client.destroy();
    }
  });
});
