/**
 * Container fleets: Create/Describe/List/Update/DeleteContainerFleet (their definitions are
 * container-definitions.ts's).
 *
 * A container fleet goes PENDING, CREATING, CREATED and, with a game server container group,
 * ACTIVATING and ACTIVE; an update that needs a deployment (container groups, groups per instance,
 * ports, inbound permissions, logging) moves an ACTIVE fleet and each ACTIVE remote location to
 * UPDATING and back to ACTIVE after the "updating" stage, each with its FLEET_STATE_* or
 * LOCATION_STATE_* event. The creation and each such update is a deployment (fleets/deployments.ts).
 */
import { randomUUID } from "node:crypto";
import type {
  ContainerFleet,
  CreateContainerFleetInput,
  CreateContainerFleetOutput,
  DeleteContainerFleetInput,
  DescribeContainerFleetInput,
  DescribeContainerFleetOutput,
  IpPermission,
  ListContainerFleetsInput,
  ListContainerFleetsOutput,
  UpdateContainerFleetInput,
  UpdateContainerFleetOutput,
} from "@aws-sdk/client-gamelift";
import { newDeployment, openDeployment, targetsOf, type Targets } from "../fleets/deployments.js";
import { beginDeletion, startDeployment } from "../fleets/machine.js";
import { protectionMessage } from "../fleets/messages.js";
import { chooseScenario, CONTAINER_PATH, SCENARIO_TAG } from "../fleets/scenarios.js";
import { newState, type Transition } from "../fleets/state.js";
import { invalidRequest, notFound, ServiceError } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import { definitionName, usableDefinition } from "./container-definitions.js";
import type { RequestContext, Services } from "./context.js";
import { findFleet } from "./fleet-lookup.js";
import { fleetPage, liveForChange } from "./fleets.js";
import { checkRemoteLocations, locationStatuses } from "./locations.js";
import { checkConnectionPorts, portCounts } from "./port-mappings.js";
import { changePermissions } from "./ports.js";
import { checkTags } from "./tags.js";

const notReady = (message: string) => new ServiceError("NotReadyException", message);

/** vCPUs of an instance size (large = 2, xlarge = 4, 8xlarge = 32), for how many game server groups fit. */
function vcpus(instanceType: string): number {
  const size = instanceType.split(".")[1] ?? "large";
  if (size === "medium") return 1;
  if (size === "large") return 2;
  const n = Number(size.replace("xlarge", "") || "1");
  return 4 * (Number.isFinite(n) && n > 0 ? n : 1);
}

/** Settings that name container group definitions, resolved to names and versioned ARNs. */
async function definitionSettings(
  services: Services,
  ctx: RequestContext,
  input: { GameServerContainerGroupDefinitionName?: string; PerInstanceContainerGroupDefinitionName?: string },
): Promise<Record<string, unknown>> {
  const settings: Record<string, unknown> = {};
  if (input.GameServerContainerGroupDefinitionName) {
    const d = await usableDefinition(services, ctx, input.GameServerContainerGroupDefinitionName, "GAME_SERVER");
    Object.assign(settings, {
      GameServerContainerGroupDefinitionName: d.Name,
      GameServerContainerGroupDefinitionArn: d.ContainerGroupDefinitionArn,
      TotalVcpuLimit: d.TotalVcpuLimit,
    });
  }
  if (input.PerInstanceContainerGroupDefinitionName) {
    const d = await usableDefinition(services, ctx, input.PerInstanceContainerGroupDefinitionName, "PER_INSTANCE");
    Object.assign(settings, {
      PerInstanceContainerGroupDefinitionName: d.Name,
      PerInstanceContainerGroupDefinitionArn: d.ContainerGroupDefinitionArn,
    });
  }
  return settings;
}

function maximumGroups(instanceType: string, vcpuPerGroup: number | undefined): number {
  return Math.max(1, Math.min(5000, Math.floor(vcpus(instanceType) / (vcpuPerGroup ?? 1))));
}

/** ContainerFleet as the API returns it, from the stored record. */
export function containerFleet(fleet: FleetRecord): ContainerFleet {
  const a = fleet.attributes;
  const states = locationStatuses(fleet, { withHome: true });
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    FleetRoleArn: a.FleetRoleArn as string,
    GameServerContainerGroupDefinitionName: a.GameServerContainerGroupDefinitionName as string | undefined,
    GameServerContainerGroupDefinitionArn: a.GameServerContainerGroupDefinitionArn as string | undefined,
    PerInstanceContainerGroupDefinitionName: a.PerInstanceContainerGroupDefinitionName as string | undefined,
    PerInstanceContainerGroupDefinitionArn: a.PerInstanceContainerGroupDefinitionArn as string | undefined,
    InstanceConnectionPortRange: a.InstanceConnectionPortRange as ContainerFleet["InstanceConnectionPortRange"],
    InstanceInboundPermissions: a.InstanceInboundPermissions as IpPermission[] | undefined,
    GameServerContainerGroupsPerInstance: a.GameServerContainerGroupsPerInstance as number | undefined,
    MaximumGameServerContainerGroupsPerInstance: a.MaximumGameServerContainerGroupsPerInstance as number | undefined,
    InstanceType: a.InstanceType as string,
    BillingType: a.BillingType as ContainerFleet["BillingType"],
    Description: a.Description as string | undefined,
    CreationTime: new Date(fleet.creationTimeMs),
    MetricGroups: a.MetricGroups as string[],
    NewGameSessionProtectionPolicy: a.NewGameSessionProtectionPolicy as ContainerFleet["NewGameSessionProtectionPolicy"],
    GameSessionCreationLimitPolicy: a.GameSessionCreationLimitPolicy as ContainerFleet["GameSessionCreationLimitPolicy"],
    Status: fleet.status as ContainerFleet["Status"],
    DeploymentDetails: { LatestDeploymentId: a.LatestDeploymentId as string },
    LogConfiguration: a.LogConfiguration as ContainerFleet["LogConfiguration"],
    LocationAttributes: states.map((s) => ({ Location: s.Location, Status: s.Status as never })),
    PlayerGatewayMode: a.PlayerGatewayMode as ContainerFleet["PlayerGatewayMode"],
  };
}

const newDeploymentId = () => `depl-${randomUUID()}`;

const usesDefinition = (f: FleetRecord, name: string) =>
  f.attributes.GameServerContainerGroupDefinitionName === name || f.attributes.PerInstanceContainerGroupDefinitionName === name;

export async function createContainerFleet(
  services: Services,
  ctx: RequestContext,
  input: CreateContainerFleetInput,
): Promise<CreateContainerFleetOutput> {
  const scenario = chooseScenario(input.Tags?.find((t) => t.Key === SCENARIO_TAG)?.Value, "CONTAINER");
  checkTags(input.Tags ?? []);
  const remote = checkRemoteLocations(
    ctx.scope.region,
    (input.Locations ?? []).map((l) => l.Location!),
  );
  const definitions = await definitionSettings(services, ctx, input);
  const instanceType = input.InstanceType ?? "c5.large";
  const maximum = maximumGroups(instanceType, definitions.TotalVcpuLimit as number | undefined);
  if (input.GameServerContainerGroupsPerInstance !== undefined && input.GameServerContainerGroupsPerInstance > maximum) {
    throw invalidRequest(
      `GameServerContainerGroupsPerInstance (${input.GameServerContainerGroupsPerInstance}) exceeds the ${maximum} that fit on a ${instanceType} instance.`,
    );
  }
  const { TotalVcpuLimit: _vcpu, ...named } = definitions;
  const state = newState("CONTAINER", scenario.name, ctx.scope.region);
  state.activates = !!input.GameServerContainerGroupDefinitionName;
  const deploymentId = newDeploymentId();
  const locations = [ctx.scope.region, ...remote];
  state.deployments = [newDeployment({ id: deploymentId, at: services.clock.now(), targets: targetsOf(named), locations })];
  const attributes = {
    FleetRoleArn: input.FleetRoleArn,
    ...named,
    InstanceConnectionPortRange: input.InstanceConnectionPortRange ?? { FromPort: 4192, ToPort: 4192 + 100 },
    InstanceInboundPermissions: input.InstanceInboundPermissions,
    ...(input.GameServerContainerGroupDefinitionName
      ? {
          GameServerContainerGroupsPerInstance: input.GameServerContainerGroupsPerInstance ?? maximum,
          MaximumGameServerContainerGroupsPerInstance: maximum,
        }
      : {}),
    InstanceType: instanceType,
    BillingType: input.BillingType ?? "ON_DEMAND",
    Description: input.Description,
    MetricGroups: input.MetricGroups ?? ["default"],
    NewGameSessionProtectionPolicy: input.NewGameSessionProtectionPolicy ?? "NoProtection",
    GameSessionCreationLimitPolicy: input.GameSessionCreationLimitPolicy,
    LatestDeploymentId: deploymentId,
    LogConfiguration: input.LogConfiguration ?? { LogDestination: "CLOUDWATCH" },
    PlayerGatewayMode: input.PlayerGatewayMode,
    OperatingSystem: "AMAZON_LINUX_2023",
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
  };
  checkConnectionPorts(
    attributes,
    await portCounts(services, ctx.scope, [
      named.GameServerContainerGroupDefinitionArn,
      named.PerInstanceContainerGroupDefinitionArn,
    ] as string[]),
  );
  const { fleet } = await services.lifecycle.create(ctx.scope, {
    name: input.Description ?? "container-fleet",
    kind: "simulated",
    attributes: JSON.parse(JSON.stringify(attributes)),
    state,
    remoteLocations: remote,
  });
  return { ContainerFleet: containerFleet(fleet) };
}

/** A container fleet of the caller's (NotFoundException for any other fleet). */
export async function requireContainerFleet(services: Services, ctx: RequestContext, idOrArn: string): Promise<FleetRecord> {
  const fleet = await findFleet(services.store, ctx.scope, idOrArn);
  if (!fleet || fleet.deleted || fleet.state?.kind !== "CONTAINER") {
    throw notFound(`Container fleet ${idOrArn} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`);
  }
  return fleet;
}

export async function describeContainerFleet(
  services: Services,
  ctx: RequestContext,
  input: DescribeContainerFleetInput,
): Promise<DescribeContainerFleetOutput> {
  return { ContainerFleet: containerFleet(await requireContainerFleet(services, ctx, input.FleetId!)) };
}

export async function listContainerFleets(
  services: Services,
  ctx: RequestContext,
  input: ListContainerFleetsInput,
): Promise<ListContainerFleetsOutput> {
  const name = input.ContainerGroupDefinitionName && definitionName(input.ContainerGroupDefinitionName);
  const { items, nextToken } = await fleetPage(
    services,
    ctx,
    "ListContainerFleets",
    input,
    (f) => f.state?.kind === "CONTAINER" && (!name || usesDefinition(f, name)),
    [name ?? null],
  );
  return { ContainerFleets: items.map(containerFleet), ...(nextToken ? { NextToken: nextToken } : {}) };
}

/** Fleet settings whose change replaces the fleet's instances in a deployment. */
const DEPLOYED = [
  "GameServerContainerGroupDefinitionName",
  "PerInstanceContainerGroupDefinitionName",
  "GameServerContainerGroupsPerInstance",
  "InstanceInboundPermissionAuthorizations",
  "InstanceInboundPermissionRevocations",
  "InstanceConnectionPortRange",
  "LogConfiguration",
  "RemoveAttributes",
] as const;

export async function updateContainerFleet(
  services: Services,
  ctx: RequestContext,
  input: UpdateContainerFleetInput,
): Promise<UpdateContainerFleetOutput> {
  const found = await requireContainerFleet(services, ctx, input.FleetId!);
  const definitions = await definitionSettings(services, ctx, input);
  const deploys = DEPLOYED.some((k) => input[k] !== undefined);
  const arns = [found.attributes, definitions].flatMap((a) => [
    a.GameServerContainerGroupDefinitionArn,
    a.PerInstanceContainerGroupDefinitionArn,
  ]);
  const ports = await portCounts(services, ctx.scope, arns as (string | undefined)[]);
  const { fleet } = await services.lifecycle.change(ctx.scope, found.fleetId, (t) => {
    liveForChange(t, "UpdateContainerFleet");
    if (deploys && !["ACTIVE", "CREATED", "UPDATING"].includes(t.fleet.status)) {
      throw notReady(`Container fleet ${t.id} is ${t.fleet.status}; it can be updated once it is CREATED or ACTIVE.`);
    }
    const before = targetsOf(t.fleet.attributes);
    applySettings(t, input, definitions);
    checkConnectionPorts(t.fleet.attributes, ports);
    if (deploys) deploy(t, input, before);
  });
  return { ContainerFleet: containerFleet(fleet) };
}

function applySettings(t: Transition, input: UpdateContainerFleetInput, definitions: Record<string, unknown>): void {
  const a = t.fleet.attributes;
  const { TotalVcpuLimit: vcpu, ...named } = definitions;
  Object.assign(a, named);
  if (input.RemoveAttributes?.includes("PER_INSTANCE_CONTAINER_GROUP_DEFINITION")) {
    delete a.PerInstanceContainerGroupDefinitionName;
    delete a.PerInstanceContainerGroupDefinitionArn;
  }
  if (named.GameServerContainerGroupDefinitionName) {
    const maximum = maximumGroups(a.InstanceType as string, vcpu as number);
    a.MaximumGameServerContainerGroupsPerInstance = maximum;
    a.GameServerContainerGroupsPerInstance = Math.min((a.GameServerContainerGroupsPerInstance as number | undefined) ?? maximum, maximum);
  }
  if (input.GameServerContainerGroupsPerInstance !== undefined) {
    const maximum = a.MaximumGameServerContainerGroupsPerInstance as number | undefined;
    if (maximum === undefined) throw invalidRequest(`Container fleet ${t.id} has no game server container group to run several of.`);
    if (input.GameServerContainerGroupsPerInstance > maximum) {
      throw invalidRequest(
        `GameServerContainerGroupsPerInstance (${input.GameServerContainerGroupsPerInstance}) exceeds the ${maximum} that fit on a ${String(a.InstanceType)} instance.`,
      );
    }
    a.GameServerContainerGroupsPerInstance = input.GameServerContainerGroupsPerInstance;
  }
  if (input.InstanceConnectionPortRange) a.InstanceConnectionPortRange = input.InstanceConnectionPortRange;
  if (input.LogConfiguration) a.LogConfiguration = input.LogConfiguration;
  if (input.InstanceInboundPermissionAuthorizations || input.InstanceInboundPermissionRevocations) {
    a.InstanceInboundPermissions = changePermissions(
      (a.InstanceInboundPermissions as IpPermission[] | undefined) ?? [],
      input.InstanceInboundPermissionAuthorizations,
      input.InstanceInboundPermissionRevocations,
    );
  }
  if (input.Description !== undefined) a.Description = input.Description;
  if (input.MetricGroups !== undefined) a.MetricGroups = input.MetricGroups;
  if (input.GameSessionCreationLimitPolicy !== undefined) a.GameSessionCreationLimitPolicy = input.GameSessionCreationLimitPolicy;
  const from = (a.NewGameSessionProtectionPolicy as string | undefined) ?? "NoProtection";
  if (input.NewGameSessionProtectionPolicy !== undefined && input.NewGameSessionProtectionPolicy !== from) {
    a.NewGameSessionProtectionPolicy = input.NewGameSessionProtectionPolicy;
    t.emit("FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED", protectionMessage(t.id, from, input.NewGameSessionProtectionPolicy));
  }
}

/**
 * A new deployment: an ACTIVE fleet and its ACTIVE locations go UPDATING and back to ACTIVE (a
 * deployment already under way is replaced); a CREATED fleet that now has a game server container group goes on to ACTIVATING.
 */
function deploy(t: Transition, input: UpdateContainerFleetInput, before: Targets): void {
  const id = newDeploymentId();
  t.fleet.attributes.LatestDeploymentId = id;
  openDeployment(t, id, input.DeploymentConfiguration, before);
  const hasGameServer = !!t.fleet.attributes.GameServerContainerGroupDefinitionName;
  if (t.fleet.status === "CREATED") {
    if (!hasGameServer) return;
    t.state.activates = true;
    const activating = CONTAINER_PATH.findIndex((e) => e.status === "ACTIVATING");
    t.schedule({ kind: "create", index: activating }, t.at + t.stage(CONTAINER_PATH[activating]!.after));
    return;
  }
  startDeployment(t);
}

export async function deleteContainerFleet(
  services: Services,
  ctx: RequestContext,
  input: DeleteContainerFleetInput,
): Promise<Record<string, never>> {
  const found = await requireContainerFleet(services, ctx, input.FleetId!);
  await services.lifecycle.change(ctx.scope, found.fleetId, (t) => {
    liveForChange(t, "DeleteContainerFleet");
    if (t.fleet.status !== "ACTIVE" && t.fleet.status !== "CREATED") {
      throw invalidRequest(
        `Container fleet ${t.id} is ${t.fleet.status}; it can be deleted once it is ACTIVE (or CREATED, without container groups).`,
      );
    }
    beginDeletion(t);
  });
  return {};
}
