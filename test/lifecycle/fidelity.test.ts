/**
 * The whole lifecycle against the model, through the JS SDK on the manual clock:
 *  - every scenario and every fault type driven on one server, and every EventCode of the model's
 *    enum (read from the model) found across the fleets' events;
 *  - every enum-typed value in every operation's output checked against the model's enum for it,
 *    with every operation whose output has one called at least once, fleets in every state;
 *  - container deployments rolling through locations, faults refused where GameLift never emits
 *    them, one moment's events 1 ms apart with a location never before its fleet.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  CreateBuildCommand,
  CreateContainerFleetCommand,
  CreateContainerGroupDefinitionCommand,
  CreateFleetCommand,
  CreateFleetLocationsCommand,
  CreateLocationCommand,
  DeleteFleetCommand,
  DeleteFleetLocationsCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeAliasCommand,
  DescribeBuildCommand,
  DescribeComputeCommand,
  DescribeContainerFleetCommand,
  DescribeContainerGroupDefinitionCommand,
  DescribeContainerGroupPortMappingsCommand,
  DescribeFleetDeploymentCommand,
  ListFleetDeploymentsCommand,
  UpdateContainerGroupDefinitionCommand,
  ListContainerGroupDefinitionsCommand,
  ListContainerGroupDefinitionVersionsCommand,
  DescribeEC2InstanceLimitsCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetCapacityCommand,
  DescribeFleetEventsCommand,
  DescribeFleetLocationAttributesCommand,
  DescribeFleetLocationCapacityCommand,
  DescribeFleetPortSettingsCommand,
  DescribeInstancesCommand,
  DescribeScalingPoliciesCommand,
  DescribeVpcPeeringConnectionsCommand,
  GetInstanceAccessCommand,
  ListAliasesCommand,
  ListBuildsCommand,
  ListComputeCommand,
  ListContainerFleetsCommand,
  PutScalingPolicyCommand,
  RegisterComputeCommand,
  StopFleetActionsCommand,
  UpdateAliasCommand,
  UpdateBuildCommand,
  UpdateContainerFleetCommand,
  UpdateFleetAttributesCommand,
  UpdateFleetCapacityCommand,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { enumValues, serviceModel, shape } from "../../src/model/service-model.js";
import { FAULTS } from "../../src/operations/faults.js";
import { admin } from "../helpers/server.js";
import {
  adminGet,
  advance,
  allEvents,
  chronological,
  gameContainerGroup,
  LAUNCH_PATH,
  manualFixture,
  queuePolicy,
  SIDECAR,
} from "./helpers.js";

const ROLE = "arn:aws:iam::111122223333:role/gamelift";

/** Every string of an enum shape in `value` (an operation's output as the SDK returns it) that the enum does not allow. */
function enumViolations(value: unknown, shapeName: string, path: string, out: string[] = []): string[] {
  if (value === undefined || value === null) return out;
  const s = shape(shapeName);
  if (s.enum && !s.enum.includes(value as string)) out.push(`${path} = ${JSON.stringify(value)} (not in ${shapeName})`);
  if (s.type === "structure") {
    for (const [name, ref] of Object.entries(s.members ?? {})) {
      enumViolations((value as Record<string, unknown>)[name], ref.shape, `${path}.${name}`, out);
    }
  } else if (s.type === "list") {
    (value as unknown[]).forEach((v, i) => enumViolations(v, s.member!.shape, `${path}[${i}]`, out));
  } else if (s.type === "map") {
    for (const [k, v] of Object.entries(value as object)) enumViolations(v, s.value!.shape, `${path}.${k}`, out);
  }
  return out;
}

/** Whether a shape can hold an enum value anywhere inside it. */
function holdsEnum(shapeName: string, seen = new Set<string>()): boolean {
  if (seen.has(shapeName)) return false;
  seen.add(shapeName);
  const s = shape(shapeName);
  if (s.enum) return true;
  const refs = [...Object.values(s.members ?? {}), s.member, s.value].filter((r) => r !== undefined);
  return refs.some((r) => holdsEnum(r.shape, seen));
}

/** A client whose every call's output is checked against the model's enums, and recorded by operation. */
function checkedClient(client: GameLiftClient) {
  const called = new Set<string>();
  const violations: string[] = [];
  const send = async <T extends object>(command: { constructor: { name: string } }): Promise<T> => {
    const operation = command.constructor.name.replace(/Command$/, "");
    const output = (await client.send(command as never)) as T;
    called.add(operation);
    const outputShape = serviceModel.operations[operation]!.output?.shape;
    if (outputShape) violations.push(...enumViolations(output, outputShape, operation));
    return output;
  };
  return { send, called, violations };
}

describe("the lifecycle against the model", () => {
  const f = manualFixture();
  /** A container fleet of the "game" group with a remote location, us-east-1. */
  const locatedContainerFleet = async () =>
    (
      await f.client.send(
        new CreateContainerFleetCommand({
          FleetRoleArn: ROLE,
          GameServerContainerGroupDefinitionName: "game",
          Locations: [{ Location: "us-east-1" }],
        }),
      )
    ).ContainerFleet!.FleetId!;
  const fault = (fleetId: string, body: Record<string, unknown>) =>
    admin(f.server.endpoint, `/_liftlog/fleets/${encodeURIComponent(fleetId)}/faults`, { Region: "us-west-2", ...body });

  it("every scenario and fault type: all of the model's EventCodes appear, and every enum value of every output is the model's", async () => {
    const { send, called, violations } = checkedClient(f.client);
    const endpoint = f.server.endpoint;
    const build = (
      await send<{ Build: { BuildId: string } }>(
        new CreateBuildCommand({ Name: "game", StorageLocation: { Bucket: "b", Key: "k", RoleArn: ROLE } }),
      )
    ).Build.BuildId;
    await send(new DescribeBuildCommand({ BuildId: build }));
    await send(new UpdateBuildCommand({ BuildId: build, Version: "2" }));
    await send(new ListBuildsCommand({}));
    await gameContainerGroup(f.client);
    await send(new CreateContainerGroupDefinitionCommand(SIDECAR));
    await send(new DescribeContainerGroupDefinitionCommand({ Name: "game" }));
    await send(new ListContainerGroupDefinitionsCommand({}));
    await send(new ListContainerGroupDefinitionVersionsCommand({ Name: "game" }));
    await f.client.send(new CreateLocationCommand({ LocationName: "custom-rack" }));

    const runtime = { ServerProcesses: [{ LaunchPath: LAUNCH_PATH, ConcurrentExecutions: 1 }] };
    const ec2 = async (scenario: string, extra: Record<string, unknown> = {}) =>
      (
        await send<{ FleetAttributes: { FleetId: string } }>(
          new CreateFleetCommand({
            Name: scenario,
            BuildId: build,
            EC2InstanceType: "c5.large",
            RuntimeConfiguration: runtime,
            Tags: [{ Key: "liftlog:scenario", Value: scenario }],
            ...extra,
          }),
        )
      ).FleetAttributes.FleetId;
    const container = async (scenario: string, extra: Record<string, unknown> = {}) =>
      (
        await send<{ ContainerFleet: { FleetId: string } }>(
          new CreateContainerFleetCommand({
            FleetRoleArn: ROLE,
            GameServerContainerGroupDefinitionName: "game",
            Tags: [{ Key: "liftlog:scenario", Value: scenario }],
            ...extra,
          }),
        )
      ).ContainerFleet.FleetId;

    // One fleet per scenario (the listing is the server's), plus the fleets the faults need.
    const { body } = await adminGet(endpoint, "/_liftlog/scenarios");
    const scenarios = (body.Scenarios as { Name: string; FleetTypes: string[] }[]).map((s) => s.Name);
    const fleets = new Map<string, string>();
    const peer = { PeerVpcId: "vpc-0peer", PeerVpcAwsAccountId: "111122223333" };
    for (const name of scenarios) {
      if (name === "container-crash") fleets.set(name, await container(name));
      else if (name === "spot-interruptions") fleets.set(name, await ec2(name, { FleetType: "SPOT" }));
      else if (name === "vpc-peering-failed") fleets.set(name, await ec2(name, peer));
      // A failing fleet takes its waiting remote location to ERROR.
      else if (name === "launch-path-not-found") fleets.set(name, await ec2(name, { Locations: [{ Location: "us-east-1" }] }));
      else if (name !== "success") fleets.set(name, await ec2(name));
    }
    const main = await ec2("success", { ...peer, Locations: [{ Location: "us-east-1" }, { Location: "eu-west-1" }] });
    const spot = await ec2("success", { FleetType: "SPOT" });
    const boxes = await container("success", {
      PerInstanceContainerGroupDefinitionName: "sidecar",
      Locations: [{ Location: "us-west-2" }, { Location: "us-east-1" }],
    });
    const anywhere = (
      await send<{ FleetAttributes: { FleetId: string } }>(
        new CreateFleetCommand({
          Name: "anywhere",
          ComputeType: "ANYWHERE",
          Locations: [{ Location: "custom-rack" }],
          RuntimeConfiguration: runtime,
        }),
      )
    ).FleetAttributes.FleetId;
    const all = [...fleets.values(), main, spot, boxes, anywhere];
    const gone = new Set<string>();

    /** What a dashboard reads of every fleet: checked at every stage of every fleet. */
    const observe = async () => {
      await send(new DescribeFleetAttributesCommand({}));
      await send(new DescribeFleetCapacityCommand({}));
      await send(new ListContainerFleetsCommand({}));
      for (const id of all) {
        if (!gone.has(id)) await send(new DescribeFleetLocationAttributesCommand({ FleetId: id }));
        await send(new DescribeFleetEventsCommand({ FleetId: id }));
      }
      for (const id of [boxes, fleets.get("container-crash")!]) await send(new DescribeContainerFleetCommand({ FleetId: id }));
    };
    for (let s = 0; s < 600; s += 30) {
      await observe();
      await advance(endpoint, 30);
    }

    // Operations on running fleets.
    await send(new UpdateFleetCapacityCommand({ FleetId: main, DesiredInstances: 2, MaxSize: 3 }));
    await send(new UpdateFleetAttributesCommand({ FleetId: main, NewGameSessionProtectionPolicy: "FullProtection" }));
    await send(new StopFleetActionsCommand({ FleetId: main, Actions: ["AUTO_SCALING"] }));
    await send(new DescribeFleetLocationCapacityCommand({ FleetId: main, Location: "us-east-1" }));
    await send(new DescribeFleetPortSettingsCommand({ FleetId: main }));
    await send(new DescribeEC2InstanceLimitsCommand({ EC2InstanceType: "c5.large" }));
    const { Instances } = await send<{ Instances: { InstanceId: string }[] }>(new DescribeInstancesCommand({ FleetId: main }));
    await send(new GetInstanceAccessCommand({ FleetId: main, InstanceId: Instances[0]!.InstanceId }));
    await send(new PutScalingPolicyCommand(queuePolicy(main, "queue")));
    await send(new DescribeScalingPoliciesCommand({ FleetId: main }));
    const alias = (
      await send<{ Alias: { AliasId: string } }>(
        new CreateAliasCommand({ Name: "live", RoutingStrategy: { Type: "SIMPLE", FleetId: main } }),
      )
    ).Alias.AliasId;
    await send(new DescribeAliasCommand({ AliasId: alias }));
    await send(new UpdateAliasCommand({ AliasId: alias, RoutingStrategy: { Type: "TERMINAL", Message: "closed" } }));
    await send(new ListAliasesCommand({}));
    await send(new RegisterComputeCommand({ FleetId: anywhere, ComputeName: "box-1", IpAddress: "10.0.0.1", Location: "custom-rack" }));
    await send(new DescribeComputeCommand({ FleetId: anywhere, ComputeName: "box-1" }));
    await send(new ListComputeCommand({ FleetId: anywhere }));
    await send(new DeleteFleetLocationsCommand({ FleetId: main, Locations: ["eu-west-1"] }));
    await send(new CreateFleetLocationsCommand({ FleetId: main, Locations: [{ Location: "ap-south-1" }] }));
    const peering = (await f.client.send(new DescribeVpcPeeringConnectionsCommand({ FleetId: main }))).VpcPeeringConnections![0]!;
    await f.client.send(new DeleteVpcPeeringConnectionCommand({ FleetId: main, VpcPeeringConnectionId: peering.VpcPeeringConnectionId }));
    // A deployment rolls through the container fleet's locations.
    await send(new UpdateContainerFleetCommand({ FleetId: boxes, GameServerContainerGroupsPerInstance: 1 }));
    await send(new UpdateContainerGroupDefinitionCommand({ Name: "game", VersionDescription: "same containers, new version" }));
    await send(new DescribeFleetDeploymentCommand({ FleetId: boxes }));
    await send(new ListFleetDeploymentsCommand({}));
    const [compute] = (
      await send<{ ComputeList: { ComputeName: string; InstanceId: string }[] }>(new ListComputeCommand({ FleetId: boxes }))
    ).ComputeList;
    await send(
      new DescribeContainerGroupPortMappingsCommand({
        FleetId: boxes,
        ContainerGroupType: "GAME_SERVER",
        ComputeName: compute!.ComputeName,
      }),
    );
    await send(
      new DescribeContainerGroupPortMappingsCommand({
        FleetId: boxes,
        ContainerGroupType: "PER_INSTANCE",
        InstanceId: compute!.InstanceId,
      }),
    );
    await observe();

    // Every fault type, on a fleet it can happen to; the anywhere fleet expires last.
    const target = (code: string) => {
      const spec = FAULTS.get(code)!;
      if (spec.reaction === "expire") return anywhere;
      if (spec.spot) return spot;
      return spec.kinds.includes("EC2") ? main : boxes;
    };
    const replacing = ["INSTANCE_RECYCLED", "INSTANCE_INTERRUPTED", "INSTANCE_REPLACED_UNHEALTHY"];
    const order = [...FAULTS.keys()].sort((a, b) => Number(replacing.includes(a)) - Number(replacing.includes(b)));
    for (const code of order) {
      const res = await fault(target(code), { EventCode: code });
      assert.equal(res.status, 200, `${code}: ${JSON.stringify(res.body)}`);
      // A lost instance's replacement must be running before the next fault can hit it.
      if (replacing.includes(code)) await advance(endpoint, 60);
    }
    await send(new DeleteFleetCommand({ FleetId: fleets.get("initialization-failed")! }));
    gone.add(fleets.get("initialization-failed")!);
    for (let s = 0; s < 180; s += 30) {
      await advance(endpoint, 30);
      await observe();
    }

    const seen = new Set<string>();
    for (const id of all) for (const e of await allEvents(f.client, id)) seen.add(e.EventCode!);
    const model = enumValues("EventCode");
    assert.equal(model.length, 57);
    assert.deepEqual(
      model.filter((c) => !seen.has(c)),
      [],
      "EventCodes of the model no scenario or fault produced",
    );
    assert.deepEqual(
      [...seen].filter((c) => !model.includes(c)),
      [],
    );

    assert.deepEqual(violations, [], "output values outside the model's enums");
    const withEnums = Object.entries(serviceModel.operations)
      .filter(([, op]) => op.output && holdsEnum(op.output.shape))
      .map(([name]) => name);
    assert.deepEqual(
      withEnums.filter((op) => !called.has(op)).sort(),
      [],
      "operations with enum-typed output this test never called: add a call above",
    );
  });

  it("a container deployment rolls through every location: LOCATION_STATE_UPDATING, then ACTIVE; statuses in each operation's own enum", async () => {
    const id = await locatedContainerFleet();
    const statuses = async () => {
      const fleet = (await f.client.send(new DescribeContainerFleetCommand({ FleetId: id }))).ContainerFleet!;
      const attributes = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [id] }))).FleetAttributes![0]!;
      const located = (await f.client.send(new DescribeFleetLocationAttributesCommand({ FleetId: id }))).LocationAttributes!;
      return {
        container: [fleet.Status, ...fleet.LocationAttributes!.map((l) => `${l.Location}:${l.Status}`)],
        fleetStatus: [attributes.Status, ...located.map((l) => `${l.LocationState!.Location}:${l.LocationState!.Status}`)],
      };
    };
    assert.deepEqual(await statuses(), {
      container: ["PENDING", "us-west-2:PENDING", "us-east-1:PENDING"],
      fleetStatus: ["NEW", "us-east-1:NEW"],
    });
    await advance(f.server.endpoint, 10);
    assert.deepEqual((await statuses()).fleetStatus, ["DOWNLOADING", "us-east-1:NEW"]);
    await advance(f.server.endpoint, 60);
    assert.deepEqual((await statuses()).fleetStatus, ["BUILDING", "us-east-1:NEW"]);
    await advance(f.server.endpoint, 400);
    assert.deepEqual(await statuses(), {
      container: ["ACTIVE", "us-west-2:ACTIVE", "us-east-1:ACTIVE"],
      fleetStatus: ["ACTIVE", "us-east-1:ACTIVE"],
    });

    const t0 = (await f.client.send(new UpdateContainerFleetCommand({ FleetId: id, GameServerContainerGroupsPerInstance: 1 })))
      .ContainerFleet!;
    assert.equal(t0.Status, "UPDATING");
    // DescribeContainerFleet shows the deployment; FleetStatus has no UPDATING: the fleet keeps hosting, ACTIVE.
    assert.deepEqual(await statuses(), {
      container: ["UPDATING", "us-west-2:UPDATING", "us-east-1:UPDATING"],
      fleetStatus: ["ACTIVE", "us-east-1:ACTIVE"],
    });
    await advance(f.server.endpoint, 120);
    assert.deepEqual((await statuses()).container, ["ACTIVE", "us-west-2:ACTIVE", "us-east-1:ACTIVE"]);
    const events = chronological(await allEvents(f.client, id));
    const tail = events.slice(-4);
    assert.deepEqual(
      tail.map((e) => [e.EventCode, e.Message]),
      [
        ["FLEET_STATE_UPDATING", `Fleet ${id} changed state to UPDATING`],
        ["LOCATION_STATE_UPDATING", `Location us-east-1 of fleet ${id} changed state to UPDATING`],
        ["LOCATION_STATE_ACTIVE", `Location us-east-1 of fleet ${id} changed state to ACTIVE`],
        ["FLEET_STATE_ACTIVE", `Fleet ${id} changed state to ACTIVE`],
      ],
    );
    const times = tail.map((e) => e.EventTime!.getTime());
    assert.deepEqual(
      times.map((t) => t - times[0]!),
      [0, 1, 120_000, 120_001],
    );
  });

  it("one moment's events are 1 ms apart in order: a location never has a state before its fleet", async () => {
    const ec2Id = (
      await f.client.send(
        new CreateFleetCommand({
          Name: "located",
          BuildId: (await f.client.send(new ListBuildsCommand({}))).Builds![0]!.BuildId,
          EC2InstanceType: "c5.large",
          RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: LAUNCH_PATH, ConcurrentExecutions: 1 }] },
          Locations: [{ Location: "us-east-1" }, { Location: "eu-west-1" }],
        }),
      )
    ).FleetAttributes!.FleetId!;
    const containerId = await locatedContainerFleet();
    for (const [id, first] of [
      [ec2Id, ["FLEET_CREATED", "LOCATION_STATE_PENDING", "LOCATION_STATE_PENDING"]],
      [containerId, ["FLEET_CREATED", "FLEET_STATE_PENDING", "LOCATION_STATE_PENDING"]],
    ] as const) {
      const events = chronological(await allEvents(f.client, id));
      assert.deepEqual(
        events.map((e) => e.EventCode),
        first,
      );
      const times = events.map((e) => e.EventTime!.getTime());
      assert.deepEqual(
        times.map((t) => t - times[0]!),
        [0, 1, 2],
      );
    }
  });

  it("faults GameLift never emits are refused, saying why; every non-running fleet gets InvalidFleetStatusException", async () => {
    const buildId = (await f.client.send(new ListBuildsCommand({}))).Builds![0]!.BuildId!;
    const ec2 = async (scenario?: string) =>
      (
        await f.client.send(
          new CreateFleetCommand({
            Name: "refusals",
            BuildId: buildId,
            EC2InstanceType: "c5.large",
            RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: LAUNCH_PATH, ConcurrentExecutions: 1 }] },
            ...(scenario ? { Tags: [{ Key: "liftlog:scenario", Value: scenario }] } : {}),
          }),
        )
      ).FleetAttributes!.FleetId!;
    const failed = await ec2("initialization-failed");
    const deleting = await ec2();
    const running = await ec2();
    const bare = (
      await f.client.send(new CreateContainerFleetCommand({ FleetRoleArn: ROLE, GameServerContainerGroupDefinitionName: "game" }))
    ).ContainerFleet!.FleetId!;
    const selfRun = (
      await f.client.send(new CreateFleetCommand({ Name: "self-run", ComputeType: "ANYWHERE", Locations: [{ Location: "custom-rack" }] }))
    ).FleetAttributes!.FleetId!;
    await advance(f.server.endpoint, 500);
    await f.client.send(new DeleteFleetCommand({ FleetId: deleting }));
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: running, DesiredInstances: 2, MaxSize: 2 }));
    const pending = (await f.client.send(new DescribeInstancesCommand({ FleetId: running }))).Instances!.find(
      (i) => i.Status === "PENDING",
    )!;

    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        failed,
        { EventCode: "SERVER_PROCESS_CRASHED" },
        "InvalidFleetStatusException",
        /is ERROR; runtime faults apply to a running \(ACTIVE\) fleet/,
      ],
      [deleting, { EventCode: "SERVER_PROCESS_CRASHED" }, "InvalidFleetStatusException", /cannot act on fleet .*: it is DELETING/],
      [
        selfRun,
        { EventCode: "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT" },
        "InvalidRequestException",
        /has no runtime configuration for the GameLift Agent/,
      ],
      [selfRun, { EventCode: "SERVER_PROCESS_INVALID_PATH" }, "InvalidRequestException", /only where GameLift starts the server processes/],
      [
        bare,
        { EventCode: "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT" },
        "InvalidRequestException",
        /applies to EC2\/ANYWHERE fleets; .* is CONTAINER/,
      ],
      [
        bare,
        { EventCode: "PER_INSTANCE_CONTAINER_GROUP_CRASHED" },
        "InvalidRequestException",
        /per-instance container group; container fleet .* runs none/,
      ],
      [
        running,
        { EventCode: "SERVER_PROCESS_CRASHED", ResourceId: pending.InstanceId },
        "InvalidRequestException",
        /is still PENDING \(starting\)/,
      ],
    ];
    for (const [id, request, type, message] of cases) {
      const res = await fault(id, request);
      assert.deepEqual([res.status, res.body.__type], [400, type], JSON.stringify(res.body));
      assert.match(res.body.message as string, message);
    }
    // What GameLift does emit there lands, naming no EC2 launch path where none exists.
    const ok = await fault(bare, { EventCode: "SERVER_PROCESS_CRASHED" });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const crash = (await allEvents(f.client, bare))[0]!;
    assert.match(
      crash.Message!,
      new RegExp(`^Server process in game server container group game on instance i-[0-9a-f]{17} of fleet ${bare} crashed`),
    );
    const log = await (await fetch(crash.PreSignedLogUrl!)).text();
    assert.doesNotMatch(`${crash.Message}\n${log}`, /\/local\/game|C:\\game/);
    assert.equal((await fault(selfRun, { EventCode: "SERVER_PROCESS_CRASHED" })).status, 200);
    const anywhereCrash = (await allEvents(f.client, selfRun))[0]!;
    assert.equal(
      anywhereCrash.Message,
      `Server process on compute ${anywhereCrash.ResourceId} of fleet ${selfRun} crashed: it exited without calling ProcessEnding().`,
    );
  });
});
