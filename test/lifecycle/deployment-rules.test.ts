/**
 * The rules around container deploys, through the JS SDK on the manual clock: definition versions
 * (COPYING, READY, FAILED; sources; deleting versions), deployments that end IMPAIRED or CANCELLED,
 * MinimumHealthyPercentage, the computes and port mappings of a container fleet, and their scoping
 * by account and region.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateContainerFleetCommand,
  CreateContainerGroupDefinitionCommand,
  DeleteContainerGroupDefinitionCommand,
  DescribeContainerFleetCommand,
  DescribeContainerGroupPortMappingsCommand,
  DescribeFleetDeploymentCommand,
  DescribeInstancesCommand,
  ListComputeCommand,
  ListContainerGroupDefinitionsCommand,
  ListContainerGroupDefinitionVersionsCommand,
  ListFleetDeploymentsCommand,
  UpdateContainerFleetCommand,
  UpdateContainerGroupDefinitionCommand,
  type CreateContainerFleetCommandInput,
} from "@aws-sdk/client-gamelift";
import { admin, gamelift } from "../helpers/server.js";
import {
  advance,
  allEvents,
  chronological,
  ec2Fleet,
  gameContainerGroup,
  gameServerContainer,
  manualFixture,
  rejectsWith,
  SIDECAR,
} from "./helpers.js";

const ROLE = "arn:aws:iam::111122223333:role/gamelift-containers";
const arn = (name: string, v: number) => `arn:aws:gamelift:us-west-2:000000000000:containergroupdefinition/${name}:${v}`;

describe("container deploy rules", () => {
  const f = manualFixture();
  const fleet = async (input: Partial<CreateContainerFleetCommandInput>) =>
    (await f.client.send(new CreateContainerFleetCommand({ FleetRoleArn: ROLE, ...input }))).ContainerFleet!.FleetId!;
  const versions = async (Name: string) =>
    (await f.client.send(new ListContainerGroupDefinitionVersionsCommand({ Name }))).ContainerGroupDefinitions!.map((d) => [
      d.VersionNumber,
      d.Status,
    ]);
  const fault = async (fleetId: string, Repeat: number, EventCode = "GAME_SERVER_CONTAINER_GROUP_CRASHED") => {
    const res = await admin(f.server.endpoint, `/_liftlog/fleets/${fleetId}/faults`, {
      EventCode,
      Repeat,
      Region: "us-west-2",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const deployments = async (FleetId: string) =>
    (await f.client.send(new ListFleetDeploymentsCommand({ FleetId }))).FleetDeployments!.map((d) => [
      d.DeploymentStatus,
      d.GameServerBinaryArn,
      d.RollbackGameServerBinaryArn,
    ]);

  it("versions: COPYING for the copying stage, then READY or FAILED; built on a source version; deleted unless a fleet runs them", async () => {
    await gameContainerGroup(f.client, "versions");
    const { ContainerGroupDefinition: v2 } = await f.client.send(
      new UpdateContainerGroupDefinitionCommand({ Name: "versions", VersionDescription: "v2" }),
    );
    assert.deepEqual(
      [v2!.VersionNumber, v2!.Status, v2!.ContainerGroupDefinitionArn, v2!.VersionDescription],
      [2, "COPYING", arn("versions", 2), "v2"],
    );
    assert.deepEqual(v2!.GameServerContainerDefinition, {
      ...gameServerContainer(),
      ResolvedImageDigest: v2!.GameServerContainerDefinition!.ResolvedImageDigest,
    });
    await rejectsWith(
      fleet({ GameServerContainerGroupDefinitionName: "versions" }),
      "InvalidRequestException",
      "Container group definition versions version 2 is COPYING, not READY; try again once its images are copied.",
    );
    await advance(f.server.endpoint, 29);
    assert.deepEqual(await versions("versions"), [
      [2, "COPYING"],
      [1, "READY"],
    ]);
    await advance(f.server.endpoint, 1);
    assert.deepEqual(await versions("versions"), [
      [2, "READY"],
      [1, "READY"],
    ]);

    // From version 1 (by its ARN), changing only the memory; then an image another Region holds.
    const { ContainerGroupDefinition: v3 } = await f.client.send(
      new UpdateContainerGroupDefinitionCommand({ Name: arn("versions", 1), TotalMemoryLimitMebibytes: 4096 }),
    );
    assert.deepEqual(
      [v3!.VersionNumber, v3!.TotalMemoryLimitMebibytes, v3!.TotalVcpuLimit, v3!.VersionDescription],
      [3, 4096, 0.5, undefined],
    );
    const elsewhere = { ...gameServerContainer(), ImageUri: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/game:4" };
    await f.client.send(
      new UpdateContainerGroupDefinitionCommand({ Name: "versions", SourceVersionNumber: 2, GameServerContainerDefinition: elsewhere }),
    );
    await advance(f.server.endpoint, 30);
    const listed = (await f.client.send(new ListContainerGroupDefinitionVersionsCommand({ Name: "versions" }))).ContainerGroupDefinitions!;
    assert.deepEqual(
      listed.map((d) => [d.VersionNumber, d.Status, d.StatusReason]),
      [
        [
          4,
          "FAILED",
          "Image 111122223333.dkr.ecr.eu-west-1.amazonaws.com/game:4 is in an Amazon ECR repository in eu-west-1; a container group definition in us-west-2 needs images from us-west-2.",
        ],
        [3, "READY", undefined],
        [2, "READY", undefined],
        [1, "READY", undefined],
      ],
    );
    const latest = (await f.client.send(new ListContainerGroupDefinitionsCommand({}))).ContainerGroupDefinitions!.find(
      (d) => d.Name === "versions",
    );
    assert.deepEqual(latest, listed[0], "ListContainerGroupDefinitions shows each definition's latest version");
    await rejectsWith(
      fleet({ GameServerContainerGroupDefinitionName: "versions" }),
      "InvalidRequestException",
      /version 4 is FAILED, not READY/,
    );

    const fleetId = await fleet({ GameServerContainerGroupDefinitionName: arn("versions", 3) });
    assert.equal(
      (await f.client.send(new DescribeContainerFleetCommand({ FleetId: fleetId }))).ContainerFleet!.GameServerContainerGroupDefinitionArn,
      arn("versions", 3),
    );
    await rejectsWith(
      f.client.send(new DeleteContainerGroupDefinitionCommand({ Name: "versions", VersionNumber: 3 })),
      "InvalidRequestException",
      `Container group definition versions version 3 is in use by fleet ${fleetId}; delete or update those fleets first.`,
    );
    await rejectsWith(
      f.client.send(new DeleteContainerGroupDefinitionCommand({ Name: "versions", VersionCountToRetain: 1 })),
      "InvalidRequestException",
      /version 3 is in use/,
    );
    await f.client.send(new DeleteContainerGroupDefinitionCommand({ Name: "versions", VersionCountToRetain: 2 }));
    assert.deepEqual(await versions("versions"), [
      [4, "FAILED"],
      [3, "READY"],
    ]);
    await f.client.send(new DeleteContainerGroupDefinitionCommand({ Name: "versions", VersionNumber: 4 }));
    assert.deepEqual(await versions("versions"), [[3, "READY"]]);
    await rejectsWith(
      f.client.send(new UpdateContainerGroupDefinitionCommand({ Name: "versions", SourceVersionNumber: 1 })),
      "NotFoundException",
      "Container group definition versions version 1 not found in account 000000000000, region us-west-2.",
    );
    await f.client.send(new CreateContainerGroupDefinitionCommand({ ...SIDECAR, Name: "versions-sidecar" }));
    await rejectsWith(
      f.client.send(
        new UpdateContainerGroupDefinitionCommand({ Name: "versions-sidecar", GameServerContainerDefinition: gameServerContainer() }),
      ),
      "InvalidRequestException",
      "Container group definition versions-sidecar is PER_INSTANCE: it has no game server container; change its SupportContainerDefinitions.",
    );
    await rejectsWith(
      f.client.send(new UpdateContainerGroupDefinitionCommand({ Name: "versions-sidecar", SupportContainerDefinitions: [] })),
      "InvalidRequestException",
      "A PER_INSTANCE container group definition needs at least one SupportContainerDefinitions entry.",
    );
  });

  it("MAINTAIN: too many crashes leave the deployment IMPAIRED and the fleet on its last version; a replaced deployment is CANCELLED", async () => {
    await gameContainerGroup(f.client, "maint");
    const fleetId = await fleet({ GameServerContainerGroupDefinitionName: "maint" });
    await advance(f.server.endpoint, 170);
    await f.client.send(
      new UpdateContainerGroupDefinitionCommand({ Name: "maint", GameServerContainerDefinition: gameServerContainer(2) }),
    );
    await advance(f.server.endpoint, 30);
    const t1 = await advance(f.server.endpoint, 0);
    // 4 game server container groups: 2 crashed leave 50% healthy (enough), 3 leave 25% (below 30%).
    const config = { ImpairmentStrategy: "MAINTAIN", MinimumHealthyPercentage: 30 } as const;
    await f.client.send(
      new UpdateContainerFleetCommand({
        FleetId: fleetId,
        GameServerContainerGroupDefinitionName: arn("maint", 2),
        DeploymentConfiguration: config,
      }),
    );
    await fault(fleetId, 2);
    assert.equal(
      (await f.client.send(new DescribeFleetDeploymentCommand({ FleetId: fleetId }))).FleetDeployment!.DeploymentStatus,
      "IN_PROGRESS",
    );
    await advance(f.server.endpoint, 60);
    await fault(fleetId, 1);
    const impaired = await f.client.send(new DescribeFleetDeploymentCommand({ FleetId: fleetId }));
    assert.deepEqual(impaired.FleetDeployment!.DeploymentConfiguration, { ...config, ProtectionStrategy: "WITH_PROTECTION" });
    assert.deepEqual(
      [impaired.FleetDeployment!.DeploymentStatus, impaired.LocationalDeployments],
      ["IMPAIRED", { "us-west-2": { DeploymentStatus: "IMPAIRED" } }],
    );
    const during = (await f.client.send(new DescribeContainerFleetCommand({ FleetId: fleetId }))).ContainerFleet!;
    assert.deepEqual([during.Status, during.GameServerContainerGroupDefinitionArn], ["UPDATING", arn("maint", 1)]);
    await advance(f.server.endpoint, 120);
    assert.equal((await f.client.send(new DescribeContainerFleetCommand({ FleetId: fleetId }))).ContainerFleet!.Status, "ACTIVE");

    // Deploy version 2 again, and replace that deployment 60 s in with another.
    const t2 = await advance(f.server.endpoint, 0);
    await f.client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupDefinitionName: "maint" }));
    await advance(f.server.endpoint, 60);
    await f.client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupsPerInstance: 2 }));
    assert.deepEqual(await deployments(fleetId), [
      ["IN_PROGRESS", arn("maint", 2), arn("maint", 1)],
      ["CANCELLED", arn("maint", 2), arn("maint", 1)],
      ["IMPAIRED", arn("maint", 2), arn("maint", 1)],
      ["COMPLETE", arn("maint", 1), undefined],
    ]);
    await advance(f.server.endpoint, 120);
    assert.equal((await deployments(fleetId))[0]![0], "COMPLETE");

    const events = chronological(await allEvents(f.client, fleetId));
    const t0 = events[0]!.EventTime!.getTime();
    assert.deepEqual(
      events.map((e) => [e.EventCode, e.Count, e.EventTime!.getTime() - t0]),
      [
        ["FLEET_CREATED", 1, 0],
        ["FLEET_STATE_PENDING", 1, 1],
        ["FLEET_STATE_CREATING", 1, 10_000],
        ["FLEET_STATE_CREATED", 1, 70_000],
        ["FLEET_STATE_ACTIVATING", 1, 80_000],
        ["FLEET_STATE_ACTIVE", 1, 170_000],
        ["FLEET_STATE_UPDATING", 1, t1 - t0],
        ["GAME_SERVER_CONTAINER_GROUP_CRASHED", 3, t1 - t0 + 1],
        // Failed 60 s in: another updating stage from then to return to version 1.
        ["FLEET_STATE_ACTIVE", 1, t1 - t0 + 180_000],
        // Deployed at the moment the fleet was ACTIVE again: 1 ms after. The replacing deployment
        // does not start UPDATING again: the fleet is still UPDATING.
        ["FLEET_STATE_UPDATING", 1, t2 - t0 + 1],
        ["FLEET_STATE_ACTIVE", 1, t2 - t0 + 180_000],
      ],
    );
  });

  it("computes and port mappings: one compute per game server container group, each with its own connection ports from the fleet's range", async () => {
    await gameContainerGroup(f.client, "ports");
    const agent = [
      {
        ContainerName: "agent",
        ImageUri: "public.ecr.aws/metrics/agent:2",
        PortConfiguration: { ContainerPortRanges: [{ FromPort: 9000, ToPort: 9001, Protocol: "TCP" as const }] },
      },
    ];
    await f.client.send(new CreateContainerGroupDefinitionCommand({ ...SIDECAR, Name: "ports-agent", SupportContainerDefinitions: agent }));
    const input = { GameServerContainerGroupDefinitionName: "ports", PerInstanceContainerGroupDefinitionName: "ports-agent" };
    // 4 groups of 4 ports and the agent's 2: 18 ports an instance.
    await rejectsWith(
      fleet({ ...input, InstanceConnectionPortRange: { FromPort: 5000, ToPort: 5016 } }),
      "InvalidRequestException",
      "InstanceConnectionPortRange 5000-5016 has 17 ports; an instance needs 18: 4 game server container group(s) of 4 container port(s) each, and 2 for the per-instance container group.",
    );
    const fleetId = await fleet({ ...input, InstanceConnectionPortRange: { FromPort: 5000, ToPort: 5017 } });
    await advance(f.server.endpoint, 170);
    const [instance] = (await f.client.send(new DescribeInstancesCommand({ FleetId: fleetId }))).Instances!;
    const computes = (await f.client.send(new ListComputeCommand({ FleetId: fleetId }))).ComputeList!;
    assert.equal(computes.length, 4);
    for (const [i, c] of computes.entries()) {
      assert.deepEqual(
        [
          c.InstanceId,
          c.IpAddress,
          c.ComputeStatus,
          c.Location,
          c.GameServerContainerGroupDefinitionArn,
          c.ContainerAttributes!.map((a) => a.ContainerName),
        ],
        [instance!.InstanceId, instance!.IpAddress, "ACTIVE", "us-west-2", arn("ports", 1), ["server"]],
      );
      const mapped = await f.client.send(
        new DescribeContainerGroupPortMappingsCommand({ FleetId: fleetId, ContainerGroupType: "GAME_SERVER", ComputeName: c.ComputeArn }),
      );
      assert.deepEqual(
        { ...mapped, $metadata: undefined },
        {
          $metadata: undefined,
          FleetId: fleetId,
          Location: "us-west-2",
          ContainerGroupDefinitionArn: arn("ports", 1),
          ContainerGroupType: "GAME_SERVER",
          ComputeName: c.ComputeName,
          InstanceId: instance!.InstanceId,
          ContainerGroupPortMappings: [
            {
              ContainerName: "server",
              ContainerRuntimeId: c.ContainerAttributes![0]!.ContainerRuntimeId,
              ContainerPortMappings: [0, 1, 2, 3].map((k) => ({
                ContainerPort: 7777 + k,
                ConnectionPort: 5000 + 4 * i + k,
                Protocol: "UDP",
              })),
            },
          ],
        },
      );
    }
    const perInstance = await f.client.send(
      new DescribeContainerGroupPortMappingsCommand({
        FleetId: fleetId,
        ContainerGroupType: "PER_INSTANCE",
        InstanceId: instance!.InstanceId,
        ContainerName: "agent",
      }),
    );
    assert.deepEqual(
      [perInstance.ContainerGroupDefinitionArn, perInstance.ComputeName, perInstance.ContainerGroupPortMappings![0]!.ContainerPortMappings],
      [
        arn("ports-agent", 1),
        undefined,
        [
          { ContainerPort: 9000, ConnectionPort: 5016, Protocol: "TCP" },
          { ContainerPort: 9001, ConnectionPort: 5017, Protocol: "TCP" },
        ],
      ],
    );

    const ec2 = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!.FleetId!;
    const compute = computes[0]!.ComputeName!;
    const cases: [Record<string, unknown>, string, string | RegExp][] = [
      [{ ContainerGroupType: "GAME_SERVER" }, "InvalidRequestException", /ComputeName is required when ContainerGroupType is GAME_SERVER/],
      [
        { ContainerGroupType: "PER_INSTANCE", ComputeName: compute, InstanceId: instance!.InstanceId },
        "InvalidRequestException",
        /ComputeName applies to GAME_SERVER container groups/,
      ],
      [
        { ContainerGroupType: "PER_INSTANCE" },
        "InvalidRequestException",
        "InstanceId is required when ContainerGroupType is PER_INSTANCE.",
      ],
      [
        { ContainerGroupType: "PER_INSTANCE", InstanceId: "i-00000000000000000" },
        "NotFoundException",
        `Container fleet ${fleetId} has no instance i-00000000000000000.`,
      ],
      [
        { ContainerGroupType: "GAME_SERVER", ComputeName: "nothing" },
        "NotFoundException",
        `Container fleet ${fleetId} has no compute nothing.`,
      ],
      [
        { ContainerGroupType: "GAME_SERVER", ComputeName: compute, InstanceId: "i-00000000000000000" },
        "InvalidRequestException",
        `Compute ${compute} runs on instance ${instance!.InstanceId}, not i-00000000000000000.`,
      ],
      [
        { ContainerGroupType: "GAME_SERVER", ComputeName: compute, ContainerName: "agent" },
        "NotFoundException",
        "Container group definition ports version 1 has no container agent.",
      ],
      [
        { FleetId: ec2, ContainerGroupType: "GAME_SERVER", ComputeName: compute },
        "NotFoundException",
        /^Container fleet fleet-.* not found/,
      ],
    ];
    for (const [request, name, message] of cases) {
      await rejectsWith(
        f.client.send(new DescribeContainerGroupPortMappingsCommand({ FleetId: fleetId, ...request } as never)),
        name,
        message,
      );
    }
    const bare = await fleet({});
    await rejectsWith(
      f.client.send(
        new DescribeContainerGroupPortMappingsCommand({
          FleetId: bare,
          ContainerGroupType: "PER_INSTANCE",
          InstanceId: instance!.InstanceId,
        }),
      ),
      "InvalidRequestException",
      `Container fleet ${bare} runs no per-instance container group.`,
    );
  });
  it("scoped by account and region; a fleet that expires mid-deployment cancels it", async () => {
    await gameContainerGroup(f.client, "scoped");
    const fleetId = await fleet({ GameServerContainerGroupDefinitionName: "scoped" });
    await advance(f.server.endpoint, 170);
    const east = gamelift(f.server.endpoint, "us-east-1");
    try {
      await rejectsWith(
        east.send(new DescribeFleetDeploymentCommand({ FleetId: fleetId })),
        "NotFoundException",
        /not found in account 000000000000, region us-east-1/,
      );
      await rejectsWith(east.send(new UpdateContainerGroupDefinitionCommand({ Name: "scoped" })), "NotFoundException", /region us-east-1/);
      assert.deepEqual((await east.send(new ListFleetDeploymentsCommand({}))).FleetDeployments, []);
      const computes = (await f.client.send(new ListComputeCommand({ FleetId: fleetId }))).ComputeList!;
      await rejectsWith(
        east.send(
          new DescribeContainerGroupPortMappingsCommand({
            FleetId: fleetId,
            ContainerGroupType: "GAME_SERVER",
            ComputeName: computes[0]!.ComputeName,
          }),
        ),
        "NotFoundException",
        /region us-east-1/,
      );
    } finally {
      east.destroy();
    }
    const otherAccount = "arn:aws:gamelift:us-west-2:111122223333:containergroupdefinition/scoped:1";
    await rejectsWith(
      f.client.send(new UpdateContainerGroupDefinitionCommand({ Name: otherAccount })),
      "NotFoundException",
      /not found in account 000000000000/,
    );
    const fleetArn = `arn:aws:gamelift:us-west-2:111122223333:fleet/${fleetId}`;
    await rejectsWith(f.client.send(new ListFleetDeploymentsCommand({ FleetId: fleetArn })), "NotFoundException", /not found/);

    await f.client.send(new UpdateContainerFleetCommand({ FleetId: fleetId, GameServerContainerGroupsPerInstance: 1 }));
    await fault(fleetId, 1, "FLEET_EXPIRED");
    assert.deepEqual(
      (await deployments(fleetId)).map((d) => d[0]),
      ["CANCELLED", "COMPLETE"],
    );
  });
});
