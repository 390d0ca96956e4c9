/**
 * Container group definitions and container fleets on the manual clock: the PENDING ... ACTIVE
 * path with DescribeContainerFleet's Status in step, UPDATING deployments, a fleet without a game
 * server group stopping at CREATED, the container-crash scenario, deletion.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateContainerFleetCommand,
  CreateContainerGroupDefinitionCommand,
  DeleteContainerFleetCommand,
  DeleteContainerGroupDefinitionCommand,
  DescribeContainerFleetCommand,
  DescribeContainerGroupDefinitionCommand,
  DescribeFleetCapacityCommand,
  DescribeFleetEventsCommand,
  ListContainerFleetsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateContainerFleetCommand,
  type CreateContainerFleetCommandInput,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { gamelift, type RunningServer } from "../helpers/server.js";
import { adminGet, advance, allEvents, chronological, gameContainerGroup, manualServer, SIDECAR } from "./helpers.js";

const ROLE = "arn:aws:iam::111122223333:role/gamelift-containers";
const CONTAINER_PATH = [
  "FLEET_CREATED",
  "FLEET_STATE_PENDING",
  "FLEET_STATE_CREATING",
  "FLEET_STATE_CREATED",
  "FLEET_STATE_ACTIVATING",
  "FLEET_STATE_ACTIVE",
];

describe("containers", () => {
  let server: RunningServer;
  let client: GameLiftClient;

  before(async () => {
    server = await manualServer();
    client = gamelift(server.endpoint);
    await gameContainerGroup(client);
    await client.send(new CreateContainerGroupDefinitionCommand(SIDECAR));
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
  });

  const fleet = (input: Partial<CreateContainerFleetCommandInput> = {}) =>
    client.send(new CreateContainerFleetCommand({ FleetRoleArn: ROLE, GameServerContainerGroupDefinitionName: "game", ...input }));
  const status = async (fleetId: string) =>
    (await client.send(new DescribeContainerFleetCommand({ FleetId: fleetId }))).ContainerFleet!.Status;
  const codes = async (fleetId: string) => chronological(await allEvents(client, fleetId)).map((e) => e.EventCode);

  it("definitions: READY at once, described by name, ARN and version; one name once; in-use ones are kept", async () => {
    const { ContainerGroupDefinition: d } = await client.send(new DescribeContainerGroupDefinitionCommand({ Name: "game" }));
    assert.equal(d!.Status, "READY");
    assert.equal(d!.VersionNumber, 1);
    assert.equal(d!.ContainerGroupType, "GAME_SERVER");
    assert.equal(d!.ContainerGroupDefinitionArn, "arn:aws:gamelift:us-west-2:000000000000:containergroupdefinition/game:1");
    assert.match(d!.GameServerContainerDefinition!.ResolvedImageDigest!, /^sha256:[0-9a-f]{64}$/);
    for (const ref of [{ Name: d!.ContainerGroupDefinitionArn }, { Name: "game", VersionNumber: 1 }]) {
      assert.deepEqual((await client.send(new DescribeContainerGroupDefinitionCommand(ref))).ContainerGroupDefinition, d);
    }
    await assert.rejects(client.send(new DescribeContainerGroupDefinitionCommand({ Name: "game", VersionNumber: 2 })), {
      name: "NotFoundException",
    });
    await assert.rejects(
      client.send(
        new CreateContainerGroupDefinitionCommand({
          Name: "game",
          OperatingSystem: "AMAZON_LINUX_2023",
          TotalMemoryLimitMebibytes: 4,
          TotalVcpuLimit: 1,
          ContainerGroupType: "PER_INSTANCE",
          SupportContainerDefinitions: [{ ContainerName: "a", ImageUri: "a" }],
        }),
      ),
      { name: "ConflictException" },
    );
    const fleetId = (await fleet()).ContainerFleet!.FleetId!;
    await assert.rejects(client.send(new DeleteContainerGroupDefinitionCommand({ Name: "game" })), /in use by fleet/);
    await assert.rejects(
      fleet({ GameServerContainerGroupDefinitionName: "sidecar" }),
      /sidecar is PER_INSTANCE; this setting needs a GAME_SERVER definition/,
    );
    await assert.rejects(fleet({ GameServerContainerGroupDefinitionName: "missing" }), { name: "NotFoundException" });
    await advance(server.endpoint, 300);
    await client.send(new DeleteContainerFleetCommand({ FleetId: fleetId }));
  });

  it("a container fleet goes PENDING, CREATING, CREATED, ACTIVATING, ACTIVE, DescribeContainerFleet in step", async () => {
    const created = (await fleet({ PerInstanceContainerGroupDefinitionName: "sidecar", Locations: [{ Location: "us-west-2" }] }))
      .ContainerFleet!;
    const fleetId = created.FleetId!;
    assert.equal(created.Status, "PENDING");
    assert.deepEqual(created.LocationAttributes, [{ Location: "us-west-2", Status: "PENDING" }]);
    assert.deepEqual(
      [
        created.GameServerContainerGroupsPerInstance,
        created.MaximumGameServerContainerGroupsPerInstance,
        created.InstanceType,
        created.BillingType,
      ],
      [4, 4, "c5.large", "ON_DEMAND"],
    );
    assert.equal(
      created.PerInstanceContainerGroupDefinitionArn,
      "arn:aws:gamelift:us-west-2:000000000000:containergroupdefinition/sidecar:1",
    );
    for (const [seconds, expected] of [
      [10, "CREATING"],
      [60, "CREATED"],
      [10, "ACTIVATING"],
      [90, "ACTIVE"],
    ] as const) {
      await advance(server.endpoint, seconds - 1);
      assert.notEqual(await status(fleetId), expected);
      await advance(server.endpoint, 1);
      assert.equal(await status(fleetId), expected);
    }
    assert.deepEqual(await codes(fleetId), CONTAINER_PATH);
    const capacity = (await client.send(new DescribeFleetCapacityCommand({ FleetIds: [fleetId] }))).FleetCapacity![0]!;
    assert.deepEqual(capacity.GameServerContainerGroupCounts, { PENDING: 0, ACTIVE: 4, IDLE: 4, TERMINATING: 0 });
    const listed = await client.send(new ListContainerFleetsCommand({ ContainerGroupDefinitionName: "sidecar" }));
    assert.deepEqual(
      listed.ContainerFleets!.map((f) => f.FleetId),
      [fleetId],
    );

    // A deployment: UPDATING, then ACTIVE again, each its own event (state changes never coalesce).
    const deploymentId = created.DeploymentDetails!.LatestDeploymentId;
    const updated = await client.send(
      new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupsPerInstance: 2, Description: "two per instance" }),
    );
    assert.equal(updated.ContainerFleet!.Status, "UPDATING");
    assert.notEqual(updated.ContainerFleet!.DeploymentDetails!.LatestDeploymentId, deploymentId);
    await advance(server.endpoint, 120);
    assert.equal(await status(fleetId), "ACTIVE");
    const events = chronological(await allEvents(client, fleetId));
    assert.deepEqual(
      events.map((e) => e.EventCode),
      [...CONTAINER_PATH, "FLEET_STATE_UPDATING", "FLEET_STATE_ACTIVE"],
    );
    assert.deepEqual(
      events.map((e) => e.Count),
      events.map(() => 1),
    );
    // Settings that need no deployment change nothing else.
    await client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, MetricGroups: ["m"] }));
    assert.equal(await status(fleetId), "ACTIVE");
    await assert.rejects(
      client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupsPerInstance: 5 })),
      /exceeds the 4 that fit on a c5.large/,
    );

    await client.send(new DeleteContainerFleetCommand({ FleetId: fleetId }));
    assert.equal(await status(fleetId), "DELETING");
    await advance(server.endpoint, 60);
    await assert.rejects(client.send(new DescribeContainerFleetCommand({ FleetId: fleetId })), { name: "NotFoundException" });
    assert.equal((await codes(fleetId)).at(-1), "FLEET_DELETED");
  });

  it("a container fleet is named containerfleet-<uuid>, its ARN containerfleet/…; both reach its events and its tags", async () => {
    const created = (await fleet({ Description: "named" })).ContainerFleet!;
    const fleetId = created.FleetId!;
    assert.match(fleetId, /^containerfleet-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const arn = `arn:aws:gamelift:us-west-2:000000000000:containerfleet/${fleetId}`;
    assert.equal(created.FleetArn, arn);
    const { ContainerFleet: described } = await client.send(new DescribeContainerFleetCommand({ FleetId: arn }));
    assert.equal(described!.FleetId, fleetId);
    const byId = (await client.send(new DescribeFleetEventsCommand({ FleetId: fleetId }))).Events!;
    const byArn = (await client.send(new DescribeFleetEventsCommand({ FleetId: arn }))).Events!;
    assert.deepEqual(byArn, byId);
    assert.deepEqual(
      byId.map((e) => [e.EventCode, e.ResourceId]),
      [
        ["FLEET_STATE_PENDING", fleetId],
        ["FLEET_CREATED", fleetId],
      ],
    );
    await client.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "team", Value: "ops" }] }));
    const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(Tags, [{ Key: "team", Value: "ops" }]);
    await advance(server.endpoint, 170);
    assert.equal(await status(arn), "ACTIVE");
    await client.send(new DeleteContainerFleetCommand({ FleetId: arn }));
    await advance(server.endpoint, 60);
    await assert.rejects(client.send(new DescribeContainerFleetCommand({ FleetId: fleetId })), { name: "NotFoundException" });
    assert.equal((await codes(arn)).at(-1), "FLEET_DELETED");
  });

  it("without a game server group a fleet stops at CREATED; adding one deploys it on to ACTIVE", async () => {
    const fleetId = (await client.send(new CreateContainerFleetCommand({ FleetRoleArn: ROLE }))).ContainerFleet!.FleetId!;
    await advance(server.endpoint, 3600);
    assert.equal(await status(fleetId), "CREATED");
    assert.deepEqual(await codes(fleetId), CONTAINER_PATH.slice(0, 4));
    await client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupDefinitionName: "game" }));
    await advance(server.endpoint, 100);
    assert.equal(await status(fleetId), "ACTIVE");
    assert.deepEqual(await codes(fleetId), CONTAINER_PATH);
    await client.send(new DeleteContainerFleetCommand({ FleetId: fleetId }));
  });

  it("container-crash: after ACTIVE the game server container group crashes every 30 s, coalesced into one event", async () => {
    const created = (await fleet({ Tags: [{ Key: "liftlog:scenario", Value: "container-crash" }] })).ContainerFleet!;
    await advance(server.endpoint, 170 + 30 * 4);
    const events = chronological(await allEvents(client, created.FleetId!));
    assert.deepEqual(
      events.map((e) => e.EventCode),
      [...CONTAINER_PATH, "GAME_SERVER_CONTAINER_GROUP_CRASHED"],
    );
    assert.equal(events.at(-1)!.Count, 4);
    assert.match(
      events.at(-1)!.Message!,
      new RegExp(`Game server container group game on instance i-[0-9a-f]{17} of fleet ${created.FleetId} crashed`),
    );
    const { body } = await adminGet(server.endpoint, "/_liftlog/scenarios");
    const listed = (body.Scenarios as { Name: string; EventCodes: string[] }[]).find((s) => s.Name === "container-crash")!;
    assert.deepEqual(listed.EventCodes, CONTAINER_PATH);
    await client.send(new DeleteContainerFleetCommand({ FleetId: created.FleetId }));
  });
});
