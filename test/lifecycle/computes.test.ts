/**
 * Instances and computes on the manual clock, through the JS SDK v3: a managed fleet's instances are
 * the ones its events name (PENDING until ready, replaced after a fault, more after scaling); an
 * Anywhere fleet's computes are registered by the caller and its runtime faults name them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFleetCommand,
  CreateLocationCommand,
  DeregisterComputeCommand,
  DescribeComputeCommand,
  DescribeInstancesCommand,
  GetComputeAccessCommand,
  GetComputeAuthTokenCommand,
  GetInstanceAccessCommand,
  ListComputeCommand,
  RegisterComputeCommand,
  UpdateFleetCapacityCommand,
  type Instance,
} from "@aws-sdk/client-gamelift";
import { admin } from "../helpers/server.js";
import { advance, allEvents, clockNow, ec2Fleet, manualFixture, rejectsWith } from "./helpers.js";

const CREATION_SECONDS = 460;
const INSTANCE_ID = /i-[0-9a-f]{17}/;

describe("instances and computes", () => {
  const f = manualFixture();
  const fault = (fleetArn: string, body: unknown) =>
    admin(f.server.endpoint, `/_liftlog/fleets/${encodeURIComponent(fleetArn)}/faults`, body);
  const instances = async (FleetId: string, extra = {}) =>
    (await f.client.send(new DescribeInstancesCommand({ FleetId, ...extra }))).Instances!;

  it("DescribeInstances: the instance the creation events name, PENDING until ACTIVE; scaling and replacement follow", async () => {
    const created = await clockNow(f.server.endpoint);
    const { FleetId, FleetArn } = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    await advance(f.server.endpoint, 100);
    const named = (await allEvents(f.client, FleetId!)).find((e) => e.EventCode === "FLEET_CREATION_EXTRACTING_BUILD")!.Message!;
    const first = named.match(INSTANCE_ID)![0];
    const [pending] = await instances(FleetId!);
    assert.match(pending!.IpAddress!, /^198\.1[89]\.\d+\.\d+$/);
    assert.deepEqual(pending, {
      FleetId,
      FleetArn,
      InstanceId: first,
      IpAddress: pending!.IpAddress,
      DnsName: `ec2-${pending!.IpAddress!.replaceAll(".", "-")}.us-west-2.compute.amazonaws.com`,
      OperatingSystem: "AMAZON_LINUX_2023",
      Type: "c5.large",
      Status: "PENDING",
      CreationTime: new Date(created),
      Location: "us-west-2",
    } satisfies Instance);
    await advance(f.server.endpoint, CREATION_SECONDS);
    assert.deepEqual(await instances(FleetId!), [{ ...pending, Status: "ACTIVE" }]);

    await f.client.send(new UpdateFleetCapacityCommand({ FleetId, MaxSize: 3, DesiredInstances: 3 }));
    const scaled = await clockNow(f.server.endpoint);
    const more = await instances(FleetId!);
    assert.deepEqual(
      more.map((i) => [i.Status, i.CreationTime!.getTime()]),
      [
        ["ACTIVE", created],
        ["PENDING", scaled],
        ["PENDING", scaled],
      ],
    );
    assert.equal(new Set(more.map((i) => i.InstanceId)).size, 3);
    await advance(f.server.endpoint, 60);
    assert.deepEqual(
      (await instances(FleetId!)).map((i) => i.Status),
      ["ACTIVE", "ACTIVE", "ACTIVE"],
    );

    // An unhealthy instance is replaced: the one the event names leaves, a new one starts PENDING.
    const res = await fault(FleetArn!, { EventCode: "INSTANCE_REPLACED_UNHEALTHY" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [replacedEvent] = await allEvents(f.client, FleetId!);
    assert.equal(replacedEvent!.ResourceId, first);
    const after = await instances(FleetId!);
    assert.deepEqual(
      after.map((i) => i.InstanceId),
      [more[1]!.InstanceId, more[2]!.InstanceId, after[2]!.InstanceId],
    );
    assert.notEqual(after[2]!.InstanceId, first);
    assert.equal(after[2]!.Status, "PENDING");

    // Paging, one instance by ID, and the same instances as computes.
    const page = await f.client.send(new DescribeInstancesCommand({ FleetId, Limit: 2 }));
    const rest = await f.client.send(new DescribeInstancesCommand({ FleetId, Limit: 2, NextToken: page.NextToken }));
    assert.deepEqual([...page.Instances!, ...rest.Instances!], after);
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual(await instances(FleetArn!, { InstanceId: after[1]!.InstanceId }), [after[1]]);
    const computes = (await f.client.send(new ListComputeCommand({ FleetId }))).ComputeList!;
    assert.deepEqual(
      computes.map((c) => [c.ComputeName, c.InstanceId, c.ComputeStatus, c.IpAddress, c.ComputeArn]),
      after.map((i) => [
        i.InstanceId,
        i.InstanceId,
        i.Status,
        i.IpAddress,
        `arn:aws:gamelift:us-west-2:000000000000:compute/${i.InstanceId}`,
      ]),
    );
    assert.deepEqual(
      (await f.client.send(new DescribeComputeCommand({ FleetId, ComputeName: after[0]!.InstanceId }))).Compute,
      computes[0],
    );
    const access = await f.client.send(new GetInstanceAccessCommand({ FleetId, InstanceId: after[0]!.InstanceId }));
    assert.deepEqual(
      { ...access.InstanceAccess, Credentials: undefined },
      {
        FleetId,
        InstanceId: after[0]!.InstanceId,
        IpAddress: after[0]!.IpAddress,
        OperatingSystem: "AMAZON_LINUX_2023",
        Credentials: undefined,
      },
    );
    assert.equal(
      (await f.client.send(new GetComputeAccessCommand({ FleetId, ComputeName: after[0]!.InstanceId }))).Target,
      after[0]!.InstanceId,
    );

    await rejectsWith(
      f.client.send(new DescribeInstancesCommand({ FleetId, InstanceId: "i-00000000000000000" })),
      "NotFoundException",
      /has no instance i-00000000000000000/,
    );
    await rejectsWith(
      f.client.send(new DescribeInstancesCommand({ FleetId, Location: "eu-west-1" })),
      "NotFoundException",
      /has no location eu-west-1/,
    );
    await rejectsWith(
      f.client.send(new RegisterComputeCommand({ FleetId, ComputeName: "rack-1", IpAddress: "10.0.0.1" })),
      "InvalidRequestException",
      /RegisterCompute applies to ANYWHERE fleets; fleet .* is EC2/,
    );
  });

  it("Anywhere: registered computes are listed, described, tokened, deregistered; runtime faults name the first", async () => {
    await f.client.send(new CreateLocationCommand({ LocationName: "custom-rack-a" }));
    await f.client.send(new CreateLocationCommand({ LocationName: "custom-rack-b" }));
    const { FleetAttributes } = await f.client.send(
      new CreateFleetCommand({
        Name: "anywhere",
        ComputeType: "ANYWHERE",
        Locations: [{ Location: "custom-rack-a" }, { Location: "custom-rack-b" }],
      }),
    );
    const { FleetId, FleetArn } = FleetAttributes!;
    assert.deepEqual((await f.client.send(new ListComputeCommand({ FleetId }))).ComputeList, []);

    const crashed = async () => {
      const res = await fault(FleetArn!, { EventCode: "SERVER_PROCESS_CRASHED" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (await allEvents(f.client, FleetId!))[0]!;
    };
    const before = await crashed();
    // With no compute registered, the event names a compute (as Anywhere events do), never the fleet.
    assert.match(before.ResourceId!, /^compute-[0-9a-f]{17}$/);
    assert.equal(
      before.Message,
      `Server process on compute ${before.ResourceId} of fleet ${FleetId} crashed: it exited without calling ProcessEnding().`,
    );

    const registeredAt = await clockNow(f.server.endpoint);
    const { Compute: one } = await f.client.send(
      new RegisterComputeCommand({ FleetId, ComputeName: "box-1", IpAddress: "10.1.0.1", Location: "custom-rack-a" }),
    );
    assert.deepEqual(one, {
      FleetId,
      FleetArn,
      ComputeName: "box-1",
      ComputeArn: "arn:aws:gamelift:us-west-2:000000000000:compute/box-1",
      IpAddress: "10.1.0.1",
      ComputeStatus: "ACTIVE",
      Location: "custom-rack-a",
      CreationTime: new Date(registeredAt),
      GameLiftServiceSdkEndpoint: "wss://us-west-2.api.amazongamelift.com",
    });
    await advance(f.server.endpoint, 5);
    const { Compute: two } = await f.client.send(
      new RegisterComputeCommand({ FleetId: FleetArn, ComputeName: "box-2", DnsName: "box-2.example.net", Location: "custom-rack-b" }),
    );
    await rejectsWith(
      f.client.send(new RegisterComputeCommand({ FleetId, ComputeName: "box-1", IpAddress: "10.1.0.9", Location: "custom-rack-a" })),
      "ConflictException",
      /already has a compute named box-1/,
    );
    await rejectsWith(
      f.client.send(new RegisterComputeCommand({ FleetId, ComputeName: "box-3", IpAddress: "10.1.0.3" })),
      "InvalidRequestException",
      /Give the Location .* custom-rack-a, custom-rack-b/,
    );
    await rejectsWith(
      f.client.send(new RegisterComputeCommand({ FleetId, ComputeName: "box-3", Location: "custom-rack-a" })),
      "InvalidRequestException",
      /needs the compute's IpAddress or DnsName/,
    );

    assert.deepEqual((await f.client.send(new ListComputeCommand({ FleetId }))).ComputeList, [one, two]);
    assert.deepEqual((await f.client.send(new ListComputeCommand({ FleetId, Location: "custom-rack-b" }))).ComputeList, [two]);
    assert.deepEqual((await f.client.send(new DescribeComputeCommand({ FleetId, ComputeName: two!.ComputeArn }))).Compute, two);

    const crash = await crashed();
    assert.equal(crash.ResourceId, "box-1");
    assert.match(crash.Message!, /box-1/);

    const token = await f.client.send(new GetComputeAuthTokenCommand({ FleetId, ComputeName: "box-1" }));
    assert.match(token.AuthToken!, /^[a-z0-9]+-[0-9a-f]{48}$/);
    assert.equal(token.ExpirationTimestamp!.getTime(), (await clockNow(f.server.endpoint)) + 15 * 60 * 1000);
    assert.deepEqual([token.ComputeName, token.ComputeArn, token.FleetId], ["box-1", one!.ComputeArn, FleetId]);
    await rejectsWith(
      f.client.send(new GetComputeAccessCommand({ FleetId, ComputeName: "box-1" })),
      "InvalidRequestException",
      /GetComputeAccess applies to EC2 and container fleets/,
    );
    await rejectsWith(
      f.client.send(new DescribeInstancesCommand({ FleetId })),
      "InvalidRequestException",
      /list its computes with ListCompute/,
    );

    await f.client.send(new DeregisterComputeCommand({ FleetId, ComputeName: "box-1" }));
    await rejectsWith(
      f.client.send(new DescribeComputeCommand({ FleetId, ComputeName: "box-1" })),
      "NotFoundException",
      /has no compute box-1/,
    );
    assert.equal((await crashed()).ResourceId, "box-2", "the next compute is named once the first is gone");
  });
});
