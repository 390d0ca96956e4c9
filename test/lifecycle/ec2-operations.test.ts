/**
 * The EC2 fleet operations on the manual clock, through the JS SDK v3: builds, capacity (with
 * FLEET_SCALING_EVENT), attributes (with the protection policy event), fleet actions, runtime
 * configuration, VPC peering, tags, and deletion (DELETING, then FLEET_DELETED).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateBuildCommand,
  CreateVpcPeeringAuthorizationCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteBuildCommand,
  DeleteFleetCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeBuildCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetCapacityCommand,
  DescribeRuntimeConfigurationCommand,
  DescribeVpcPeeringConnectionsCommand,
  ListBuildsCommand,
  ListFleetsCommand,
  ListTagsForResourceCommand,
  StartFleetActionsCommand,
  StopFleetActionsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFleetAttributesCommand,
  UpdateFleetCapacityCommand,
  UpdateRuntimeConfigurationCommand,
  paginateListBuilds,
} from "@aws-sdk/client-gamelift";
import { gamelift } from "../helpers/server.js";
import { advance, allEvents, chronological, CREATION, ec2Fleet, fleetStatus, manualFixture } from "./helpers.js";
import { STAGES } from "../../src/fleets/scenarios.js";

const CREATION_SECONDS = 460;
const rejects = (call: Promise<unknown>, name: string, message: RegExp) =>
  assert.rejects(call, (err: Error) => {
    assert.equal(err.name, name, err.message);
    assert.match(err.message, message);
    return true;
  });

describe("EC2 fleet operations", () => {
  const f = manualFixture();

  /** The codes of a fleet's events after its creation sequence, oldest first. */
  const laterCodes = async (fleetId: string) =>
    chronological(await allEvents(f.client, fleetId))
      .slice(CREATION.length)
      .map((e) => e.EventCode);

  async function activeFleet(extra = {}) {
    const fleetId = (await ec2Fleet(f.client, f.buildId, undefined, extra)).FleetAttributes!.FleetId!;
    await advance(f.server.endpoint, CREATION_SECONDS);
    assert.equal(await fleetStatus(f.client, fleetId), "ACTIVE");
    return fleetId;
  }

  it("builds: READY with a storage location, INITIALIZED without; listed, filtered, paged, deleted", async () => {
    const ready = await f.client.send(new DescribeBuildCommand({ BuildId: f.buildId }));
    assert.deepEqual(
      { ...ready.Build, CreationTime: undefined },
      {
        BuildId: f.buildId,
        BuildArn: `arn:aws:gamelift:us-west-2:000000000000:build/${f.buildId}`,
        Name: "game",
        Version: "1.0",
        Status: "READY",
        SizeOnDisk: 0,
        OperatingSystem: "AMAZON_LINUX_2023",
        ServerSdkVersion: "5.0.0",
        CreationTime: undefined,
      },
    );
    const pending = await f.client.send(new CreateBuildCommand({ Name: "upload-me", OperatingSystem: "WINDOWS_2022" }));
    assert.equal(pending.Build!.Status, "INITIALIZED");
    assert.ok(pending.UploadCredentials?.AccessKeyId && pending.StorageLocation?.Bucket);
    const byArn = await f.client.send(new DescribeBuildCommand({ BuildId: pending.Build!.BuildArn }));
    assert.equal(byArn.Build!.BuildId, pending.Build!.BuildId);
    const initialized = await f.client.send(new ListBuildsCommand({ Status: "INITIALIZED" }));
    assert.deepEqual(
      initialized.Builds!.map((b) => b.BuildId),
      [pending.Build!.BuildId],
    );
    const paged: string[] = [];
    for await (const page of paginateListBuilds({ client: f.client, pageSize: 1 }, {})) paged.push(...page.Builds!.map((b) => b.BuildId!));
    assert.deepEqual(paged, [f.buildId, pending.Build!.BuildId]);
    // A fleet needs a READY build: the error AWS gives for one that is not, and for one that does not exist.
    await rejects(
      ec2Fleet(f.client, pending.Build!.BuildId!),
      "InvalidRequestException",
      /is in INITIALIZED status; a fleet can only be created from a build in READY status/,
    );
    await f.client.send(new DeleteBuildCommand({ BuildId: pending.Build!.BuildId }));
    await rejects(f.client.send(new DescribeBuildCommand({ BuildId: pending.Build!.BuildId })), "NotFoundException", /not found/);
    await rejects(
      ec2Fleet(f.client, pending.Build!.BuildId!),
      "NotFoundException",
      new RegExp(`Build ${pending.Build!.BuildId} not found`),
    );
    await rejects(f.client.send(new DeleteBuildCommand({ BuildId: pending.Build!.BuildId })), "NotFoundException", /not found/);
  });

  it("capacity: refused until ACTIVE; a change emits FLEET_SCALING_EVENT, new instances start PENDING, removed ones drain TERMINATING; no change, no event", async () => {
    const fleetId = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!.FleetId!;
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 2 })),
      "InvalidFleetStatusException",
      /is NEW in us-west-2/,
    );
    const counts = async () =>
      (await f.client.send(new DescribeFleetCapacityCommand({ FleetIds: [fleetId] }))).FleetCapacity![0]!.InstanceCounts;
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 1, ACTIVE: 0, IDLE: 0, TERMINATING: 0 });
    await advance(f.server.endpoint, CREATION_SECONDS);
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 0, MAXIMUM: 1, PENDING: 0, ACTIVE: 1, IDLE: 1, TERMINATING: 0 });

    const out = await f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 3, MaxSize: 5 }));
    assert.deepEqual({ FleetId: out.FleetId, Location: out.Location }, { FleetId: fleetId, Location: "us-west-2" });
    assert.deepEqual(await counts(), { DESIRED: 3, MINIMUM: 0, MAXIMUM: 5, PENDING: 2, ACTIVE: 1, IDLE: 1, TERMINATING: 0 });
    await advance(f.server.endpoint, 60);
    assert.deepEqual(await counts(), { DESIRED: 3, MINIMUM: 0, MAXIMUM: 5, PENDING: 0, ACTIVE: 3, IDLE: 3, TERMINATING: 0 });
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 1, MinSize: 1 }));
    // Scale-in: the two removed instances drain for the terminating stage, then are gone.
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 1, MAXIMUM: 5, PENDING: 0, ACTIVE: 1, IDLE: 1, TERMINATING: 2 });
    await advance(f.server.endpoint, STAGES.terminating - 1);
    assert.equal((await counts())!.TERMINATING, 2);
    await advance(f.server.endpoint, 1);
    assert.deepEqual(await counts(), { DESIRED: 1, MINIMUM: 1, MAXIMUM: 5, PENDING: 0, ACTIVE: 1, IDLE: 1, TERMINATING: 0 });
    // Asking for what the fleet already has changes nothing: no event.
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 1, MinSize: 1, MaxSize: 5 }));
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId }));

    const events = chronological(await allEvents(f.client, fleetId)).slice(CREATION.length);
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Message]),
      [
        [
          "FLEET_SCALING_EVENT",
          `Fleet ${fleetId} capacity in us-west-2 updated: desired instances 3, minimum 0, maximum 5 (was desired 1, minimum 0, maximum 1).`,
        ],
        [
          "FLEET_SCALING_EVENT",
          `Fleet ${fleetId} capacity in us-west-2 updated: desired instances 1, minimum 1, maximum 5 (was desired 3, minimum 0, maximum 5).`,
        ],
      ],
    );
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 6 })),
      "InvalidRequestException",
      /DesiredInstances \(6\) must be between MinSize \(1\) and MaxSize \(5\)/,
    );
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, MinSize: 4, MaxSize: 2 })),
      "InvalidRequestException",
      /MinSize \(4\) must not be greater than MaxSize \(2\)/,
    );
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 101, MaxSize: 500 })),
      "LimitExceededException",
      /DesiredInstances \(101\) exceeds the limit of 100 instances per fleet location/,
    );
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, Location: "eu-west-1", DesiredInstances: 1 })),
      "NotFoundException",
      /has no location eu-west-1/,
    );
    // Without FleetIds: every managed fleet of the caller, paged.
    const all = await f.client.send(new DescribeFleetCapacityCommand({}));
    assert.ok(all.FleetCapacity!.some((c) => c.FleetId === fleetId));
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("attributes: a new protection policy emits its event naming old and new; other changes emit none", async () => {
    const fleetId = await activeFleet();
    await f.client.send(new UpdateFleetAttributesCommand({ FleetId: fleetId, Name: "renamed", Description: "d", MetricGroups: ["mine"] }));
    await f.client.send(new UpdateFleetAttributesCommand({ FleetId: fleetId, NewGameSessionProtectionPolicy: "FullProtection" }));
    await f.client.send(new UpdateFleetAttributesCommand({ FleetId: fleetId, NewGameSessionProtectionPolicy: "FullProtection" }));
    await f.client.send(new UpdateFleetAttributesCommand({ FleetId: fleetId, NewGameSessionProtectionPolicy: "NoProtection" }));
    const events = chronological(await allEvents(f.client, fleetId)).slice(CREATION.length);
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Message]),
      [
        [
          "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED",
          `Fleet ${fleetId} new game session protection policy changed from NoProtection to FullProtection.`,
        ],
        [
          "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED",
          `Fleet ${fleetId} new game session protection policy changed from FullProtection to NoProtection.`,
        ],
      ],
    );
    const attributes = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes![0]!;
    assert.deepEqual([attributes.Name, attributes.Description, attributes.MetricGroups], ["renamed", "d", ["mine"]]);
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("fleet actions: StopFleetActions / StartFleetActions show in StoppedActions, each change logged once", async () => {
    const fleetId = await activeFleet();
    await f.client.send(new StopFleetActionsCommand({ FleetId: fleetId, Actions: ["AUTO_SCALING"] }));
    await f.client.send(new StopFleetActionsCommand({ FleetId: fleetId, Actions: ["AUTO_SCALING"] }));
    const stopped = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes![0]!;
    assert.deepEqual(stopped.StoppedActions, ["AUTO_SCALING"]);
    await f.client.send(new StartFleetActionsCommand({ FleetId: fleetId, Actions: ["AUTO_SCALING"] }));
    const started = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes![0]!;
    assert.equal(started.StoppedActions, undefined);
    const events = chronological(await allEvents(f.client, fleetId)).slice(CREATION.length);
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Message]),
      [
        ["GENERIC_EVENT", `Fleet ${fleetId}: fleet actions AUTO_SCALING stopped in us-west-2.`],
        ["GENERIC_EVENT", `Fleet ${fleetId}: fleet actions AUTO_SCALING started in us-west-2.`],
      ],
    );
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("runtime configuration: described as created, replaced by an update; launch paths must be under the game root", async () => {
    const fleetId = await activeFleet();
    const described = await f.client.send(new DescribeRuntimeConfigurationCommand({ FleetId: fleetId }));
    assert.deepEqual(described.RuntimeConfiguration, {
      ServerProcesses: [{ LaunchPath: "/local/game/bin/server", ConcurrentExecutions: 1, Parameters: "-port 7777" }],
    });
    const next = {
      ServerProcesses: [{ LaunchPath: "/local/game/bin/server2", ConcurrentExecutions: 2 }],
      MaxConcurrentGameSessionActivations: 2,
    };
    const updated = await f.client.send(new UpdateRuntimeConfigurationCommand({ FleetId: fleetId, RuntimeConfiguration: next }));
    assert.deepEqual(updated.RuntimeConfiguration, next);
    assert.deepEqual((await f.client.send(new DescribeRuntimeConfigurationCommand({ FleetId: fleetId }))).RuntimeConfiguration, next);
    await rejects(
      f.client.send(
        new UpdateRuntimeConfigurationCommand({
          FleetId: fleetId,
          RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: "/usr/bin/game", ConcurrentExecutions: 1 }] },
        }),
      ),
      "InvalidRequestException",
      /Launch path \/usr\/bin\/game must be under \/local\/game\//,
    );
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("VPC peering: the connection settles after the peering stage, and is deleted with its event", async () => {
    const fleetId = await activeFleet();
    // The VPC's owner authorizes the fleet's account first, as on AWS.
    const owner = gamelift(f.server.endpoint, "us-west-2", "111122223333");
    await owner.send(new CreateVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "000000000000", PeerVpcId: "vpc-0peer" }));
    owner.destroy();
    await f.client.send(
      new CreateVpcPeeringConnectionCommand({ FleetId: fleetId, PeerVpcId: "vpc-0peer", PeerVpcAwsAccountId: "111122223333" }),
    );
    const describe = async () =>
      (await f.client.send(new DescribeVpcPeeringConnectionsCommand({ FleetId: fleetId }))).VpcPeeringConnections!;
    const [pending] = await describe();
    assert.equal(pending!.Status!.Code, "initiating-request");
    assert.equal(pending!.IpV4CidrBlock, undefined);
    await rejects(
      f.client.send(
        new CreateVpcPeeringConnectionCommand({ FleetId: fleetId, PeerVpcId: "vpc-0peer", PeerVpcAwsAccountId: "111122223333" }),
      ),
      "InvalidRequestException",
      /already has VPC peering connection/,
    );
    await advance(f.server.endpoint, 30);
    const [active] = await describe();
    assert.deepEqual(
      { ...active, VpcPeeringConnectionId: undefined, GameLiftVpcId: undefined },
      {
        FleetId: fleetId,
        FleetArn: `arn:aws:gamelift:us-west-2:000000000000:fleet/${fleetId}`,
        PeerVpcId: "vpc-0peer",
        IpV4CidrBlock: active!.IpV4CidrBlock,
        Status: { Code: "active", Message: "Active" },
        VpcPeeringConnectionId: undefined,
        GameLiftVpcId: undefined,
      },
    );
    assert.match(active!.VpcPeeringConnectionId!, /^pcx-[0-9a-f]{17}$/);
    await f.client.send(
      new DeleteVpcPeeringConnectionCommand({ FleetId: fleetId, VpcPeeringConnectionId: active!.VpcPeeringConnectionId }),
    );
    assert.equal((await describe())[0]!.Status!.Code, "deleting");
    await advance(f.server.endpoint, 60);
    assert.deepEqual(await describe(), []);
    assert.deepEqual(await laterCodes(fleetId), ["FLEET_VPC_PEERING_SUCCEEDED", "FLEET_VPC_PEERING_DELETED"]);
    await rejects(
      f.client.send(new DeleteVpcPeeringConnectionCommand({ FleetId: fleetId, VpcPeeringConnectionId: active!.VpcPeeringConnectionId })),
      "NotFoundException",
      /has no VPC peering connection/,
    );
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });

  it("tags: on fleets (the scenario tag among them), builds, by ARN, scoped to the caller", async () => {
    const created = await ec2Fleet(f.client, f.buildId, "success");
    const arn = created.FleetAttributes!.FleetArn!;
    const tags = async (resource: string) => (await f.client.send(new ListTagsForResourceCommand({ ResourceARN: resource }))).Tags;
    assert.deepEqual(await tags(arn), [{ Key: "liftlog:scenario", Value: "success" }]);
    await f.client.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: "team", Value: "ops" },
          { Key: "liftlog:scenario", Value: "crash-loop" },
        ],
      }),
    );
    assert.deepEqual(await tags(arn), [
      { Key: "liftlog:scenario", Value: "crash-loop" },
      { Key: "team", Value: "ops" },
    ]);
    await f.client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["liftlog:scenario", "absent"] }));
    assert.deepEqual(await tags(arn), [{ Key: "team", Value: "ops" }]);
    const buildArn = `arn:aws:gamelift:us-west-2:000000000000:build/${f.buildId}`;
    await f.client.send(new TagResourceCommand({ ResourceARN: buildArn, Tags: [{ Key: "v", Value: "1" }] }));
    assert.deepEqual(await tags(buildArn), [{ Key: "v", Value: "1" }]);
    await rejects(
      f.client.send(new ListTagsForResourceCommand({ ResourceARN: arn.replace(":000000000000:", ":111111111111:") })),
      "NotFoundException",
      /not found in account 000000000000/,
    );
    await rejects(
      f.client.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:s3:::bucket" })),
      "InvalidRequestException",
      /is not a GameLift resource ARN/,
    );
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await rejects(
      f.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: many })),
      "TaggingFailedException",
      /at most 50 tags; it would have 51/,
    );
    await rejects(
      f.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "aws:x", Value: "v" }] })),
      "TaggingFailedException",
      /reserved prefix aws:/,
    );
    // Changing the scenario tag later does not change what the fleet goes through.
    await advance(f.server.endpoint, CREATION_SECONDS + 60);
    assert.deepEqual(await laterCodes(created.FleetAttributes!.FleetId!), []);
    await f.client.send(new DeleteFleetCommand({ FleetId: arn }));
  });

  it("delete: DELETING at once, FLEET_DELETED and TERMINATED after the deleting stage, then gone from the listings", async () => {
    const fleetId = await activeFleet();
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
    const attributes = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes!;
    assert.deepEqual(
      attributes.map((a) => a.Status),
      ["DELETING"],
    );
    await rejects(f.client.send(new DeleteFleetCommand({ FleetId: fleetId })), "InvalidFleetStatusException", /it is DELETING/);
    await rejects(
      f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleetId, DesiredInstances: 1 })),
      "InvalidFleetStatusException",
      /it is DELETING/,
    );
    await advance(f.server.endpoint, 59);
    assert.deepEqual(await laterCodes(fleetId), []);
    await advance(f.server.endpoint, 1);
    const events = chronological(await allEvents(f.client, fleetId)).slice(CREATION.length);
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Message]),
      [["FLEET_DELETED", `Fleet ${fleetId} deleted; it changed state from DELETING to TERMINATED.`]],
    );
    assert.deepEqual((await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes, []);
    assert.ok(!(await f.client.send(new ListFleetsCommand({ Limit: 1000 }))).FleetIds!.includes(fleetId));
    await rejects(f.client.send(new DeleteFleetCommand({ FleetId: fleetId })), "NotFoundException", /was deleted/);
  });

  it("a fleet deleted mid-creation stops where it was: no further creation events", async () => {
    const fleetId = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!.FleetId!;
    await advance(f.server.endpoint, 100);
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
    await advance(f.server.endpoint, CREATION_SECONDS);
    const codes = chronological(await allEvents(f.client, fleetId)).map((e) => e.EventCode);
    assert.deepEqual(codes, [...CREATION.slice(0, 3), "FLEET_DELETED"]);
  });
});
