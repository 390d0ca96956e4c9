/**
 * Fleets: CreateFleet, DescribeFleetAttributes, ListFleets, DeleteFleet, UpdateFleetAttributes,
 * Describe/UpdateRuntimeConfiguration, Start/StopFleetActions. Creation and deletion run on the
 * lifecycle engine; every change that the service reports as an event emits it in the same write.
 */
import type {
  CreateFleetInput,
  CreateFleetOutput,
  DeleteFleetInput,
  DescribeFleetAttributesInput,
  DescribeFleetAttributesOutput,
  DescribeRuntimeConfigurationInput,
  DescribeRuntimeConfigurationOutput,
  FleetAttributes,
  ListFleetsInput,
  ListFleetsOutput,
  RuntimeConfiguration,
  StartFleetActionsInput,
  StartFleetActionsOutput,
  UpdateFleetAttributesInput,
  UpdateFleetAttributesOutput,
  UpdateRuntimeConfigurationInput,
  UpdateRuntimeConfigurationOutput,
} from "@aws-sdk/client-gamelift";
import { parseRef } from "../fleets/ids.js";
import { beginDeletion, endFleet } from "../fleets/machine.js";
import { deletedMessage, fleetActionsMessage, protectionMessage } from "../fleets/messages.js";
import { chooseScenario, SCENARIO_TAG, type FleetKind } from "../fleets/scenarios.js";
import { atLocation, newState, type FleetState, type Transition } from "../fleets/state.js";
import { invalidFleetStatus, invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import { findBuild } from "./builds.js";
import type { RequestContext, Services } from "./context.js";
import { findFleet, requireLiveFleet, requireLiveState } from "./fleet-lookup.js";
import { asFleetStatus, checkRemoteLocations, customLocationNames, locationStates } from "./locations.js";
import { filteredPage } from "./paging.js";
import { checkPermissions } from "./ports.js";
import { findScript } from "./scripts.js";
import { checkTags } from "./tags.js";

const DEFAULT_FLEETS_PAGE = 50;

/** FleetAttributes as the API returns them, from the stored record. */
export function fleetAttributes(fleet: FleetRecord): FleetAttributes {
  const stopped = (fleet.state as FleetState | undefined)?.stoppedActions[fleet.region];
  return {
    ...(fleet.attributes as FleetAttributes),
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    Name: fleet.name,
    Status: asFleetStatus(fleet.status),
    CreationTime: new Date(fleet.creationTimeMs),
    ...(stopped?.length ? { StoppedActions: stopped as FleetAttributes["StoppedActions"] } : {}),
    ...(fleet.terminationTimeMs !== undefined ? { TerminationTime: new Date(fleet.terminationTimeMs) } : {}),
  };
}

const LAUNCH_ROOTS = ["/local/game/", "C:\\game\\"];

/** Launch paths must lie under the game's install directory, as GameLift requires. */
export function checkRuntimeConfiguration(runtime: RuntimeConfiguration | undefined): void {
  for (const p of runtime?.ServerProcesses ?? []) {
    if (!LAUNCH_ROOTS.some((root) => p.LaunchPath!.startsWith(root))) {
      throw invalidRequest(`Launch path ${p.LaunchPath} must be under /local/game/ (Linux) or C:\\game\\ (Windows).`);
    }
  }
}

/** EC2 fleets need a READY build or a Realtime script, an instance type and a launch path. */
async function ec2Settings(services: Services, ctx: RequestContext, input: CreateFleetInput): Promise<Partial<FleetAttributes>> {
  if (!input.BuildId && !input.ScriptId) {
    throw invalidRequest("An EC2 fleet needs a game server to run: give BuildId (or ScriptId for Realtime servers).");
  }
  if (input.BuildId && input.ScriptId) throw invalidRequest("Give either BuildId or ScriptId, not both.");
  if (!input.EC2InstanceType) throw invalidRequest("An EC2 fleet needs an EC2InstanceType, for example c5.large.");
  if (!input.RuntimeConfiguration?.ServerProcesses?.length && !input.ServerLaunchPath) {
    throw invalidRequest(
      "An EC2 fleet needs a RuntimeConfiguration with at least one ServerProcesses entry (LaunchPath, ConcurrentExecutions).",
    );
  }
  checkRuntimeConfiguration(input.RuntimeConfiguration);
  checkPermissions(input.EC2InboundPermissions ?? []);
  if (input.ScriptId) {
    const script = await findScript(services.store, ctx.scope, input.ScriptId);
    if (!script) throw notFound(`Script ${input.ScriptId} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`);
    return { ScriptId: script.ScriptId, ScriptArn: script.ScriptArn, OperatingSystem: "AMAZON_LINUX_2023" };
  }
  const build = await findBuild(services.store, ctx.scope, input.BuildId!);
  if (!build) throw notFound(`Build ${input.BuildId} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`);
  if (build.Status !== "READY") {
    throw invalidRequest(`Build ${build.BuildId} is in ${build.Status} status; a fleet can only be created from a build in READY status.`);
  }
  return { BuildId: build.BuildId, BuildArn: build.BuildArn, OperatingSystem: build.OperatingSystem };
}

export async function createFleet(services: Services, ctx: RequestContext, input: CreateFleetInput): Promise<CreateFleetOutput> {
  const kind: FleetKind = input.ComputeType ?? "EC2";
  const scenario = chooseScenario(input.Tags?.find((t) => t.Key === SCENARIO_TAG)?.Value, kind);
  const peer = input.PeerVpcId || input.PeerVpcAwsAccountId ? { vpcId: input.PeerVpcId, accountId: input.PeerVpcAwsAccountId } : undefined;
  if (peer && (!peer.vpcId || !peer.accountId)) throw invalidRequest("VPC peering needs both PeerVpcId and PeerVpcAwsAccountId.");
  const fleetType = kind === "EC2" ? (input.FleetType ?? "ON_DEMAND") : undefined;
  if (scenario.requires === "spot" && fleetType !== "SPOT") {
    throw invalidRequest(`Scenario ${scenario.name} needs a Spot fleet: set FleetType SPOT.`);
  }
  if (scenario.requires === "vpc-peering" && !peer) {
    throw invalidRequest(`Scenario ${scenario.name} needs a VPC peering: give PeerVpcId and PeerVpcAwsAccountId.`);
  }
  const locations = (input.Locations ?? []).map((l) => l.Location!);
  let settings: Partial<FleetAttributes> = {};
  let remote: string[] = [];
  let custom: string[] = [];
  if (kind === "EC2") {
    settings = await ec2Settings(services, ctx, input);
    remote = checkRemoteLocations(ctx.scope.region, locations);
  } else {
    if (input.BuildId || input.ScriptId || input.EC2InstanceType || input.FleetType || peer) {
      throw invalidRequest(
        "BuildId, ScriptId, EC2InstanceType, FleetType and VPC peering apply to EC2 fleets only; an ANYWHERE fleet runs on your own computes.",
      );
    }
    custom = await customLocationNames(services, ctx, locations);
  }
  checkTags(input.Tags ?? []);
  const state = newState(kind, scenario.name, ctx.scope.region);
  for (const location of custom) state.locations[location] = "ACTIVE";
  if (input.RuntimeConfiguration) state.runtime = input.RuntimeConfiguration;
  state.peering = !!peer;
  const attributes: FleetAttributes = {
    Description: input.Description,
    FleetType: fleetType,
    InstanceType: input.EC2InstanceType,
    ComputeType: kind === "EC2" ? "EC2" : "ANYWHERE",
    ...settings,
    ServerLaunchPath: input.ServerLaunchPath,
    ServerLaunchParameters: input.ServerLaunchParameters,
    LogPaths: input.LogPaths,
    NewGameSessionProtectionPolicy: input.NewGameSessionProtectionPolicy ?? "NoProtection",
    ResourceCreationLimitPolicy: input.ResourceCreationLimitPolicy,
    MetricGroups: input.MetricGroups ?? ["default"],
    InstanceRoleArn: input.InstanceRoleArn,
    CertificateConfiguration: input.CertificateConfiguration ?? { CertificateType: "DISABLED" },
    AnywhereConfiguration: input.AnywhereConfiguration,
    InstanceRoleCredentialsProvider: input.InstanceRoleCredentialsProvider,
    PlayerGatewayMode: input.PlayerGatewayMode,
    // Not FleetAttributes members, so never serialized with them: DescribeFleetPortSettings and ListTagsForResource read them.
    ...(input.EC2InboundPermissions?.length ? { EC2InboundPermissions: input.EC2InboundPermissions } : {}),
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
  } as FleetAttributes;
  const { fleet } = await services.lifecycle.create(ctx.scope, {
    name: input.Name!,
    kind: "simulated",
    attributes: JSON.parse(JSON.stringify(attributes)),
    state,
    remoteLocations: remote,
    ...(peer ? { peer: { vpcId: peer.vpcId!, accountId: peer.accountId! } } : {}),
  });
  return { FleetAttributes: fleetAttributes(fleet), LocationStates: locationStates(fleet, { withHome: true }) };
}

export async function describeFleetAttributes(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetAttributesInput,
): Promise<DescribeFleetAttributesOutput> {
  const { items, nextToken } = await namedOrPagedFleets(services, ctx, "DescribeFleetAttributes", input);
  return { FleetAttributes: items.map(fleetAttributes), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function listFleets(services: Services, ctx: RequestContext, input: ListFleetsInput): Promise<ListFleetsOutput> {
  const buildId = input.BuildId && parseRef(input.BuildId).id;
  const scriptId = input.ScriptId && parseRef(input.ScriptId).id;
  const { items, nextToken } = await fleetPage(services, ctx, "ListFleets", input, (f) => {
    if (buildId && f.attributes.BuildId !== buildId) return false;
    return !(scriptId && f.attributes.ScriptId !== scriptId);
  });
  return { FleetIds: items.map((f) => f.fleetId), ...(nextToken ? { NextToken: nextToken } : {}) };
}

/** One page of the caller's live fleets in creation order, filtered, with a signed token for the rest. */
export function fleetPage(
  services: Services,
  ctx: RequestContext,
  operation: string,
  input: { Limit?: number; NextToken?: string; BuildId?: string; ScriptId?: string },
  keep: (fleet: FleetRecord) => boolean = () => true,
  extraFilters: readonly unknown[] = [],
) {
  return filteredPage(
    services,
    ctx,
    { ...input, operation, filters: [input.BuildId ?? null, input.ScriptId ?? null, ...extraFilters], defaultLimit: DEFAULT_FLEETS_PAGE },
    (afterFleetId, limit) => services.store.listFleets(ctx.scope, { afterFleetId, limit }),
    (f) => f.fleetId,
    keep,
  );
}

/**
 * The fleets a Describe call over fleets is about: with FleetIds, the live ones found (unknown and
 * deleted ones left out, Limit ignored, no paging, as in GameLift); otherwise a page of the caller's fleets.
 */
export async function namedOrPagedFleets(
  services: Services,
  ctx: RequestContext,
  operation: string,
  input: { FleetIds?: string[]; Limit?: number; NextToken?: string },
  keep: (fleet: FleetRecord) => boolean = () => true,
): Promise<{ items: FleetRecord[]; nextToken?: string }> {
  if (!input.FleetIds) return fleetPage(services, ctx, operation, input, keep);
  const found = await Promise.all(input.FleetIds.map((id) => findFleet(services.store, ctx.scope, id)));
  return { items: found.filter((f): f is FleetRecord => !!f && !f.deleted && keep(f)) };
}

/** A live fleet for a change: NotFoundException if it was deleted meanwhile, InvalidFleetStatusException while DELETING. */
export function liveForChange(t: Transition, operation: string): void {
  if (t.fleet.deleted) throw notFound(`Fleet ${t.id} was deleted.`);
  if (t.fleet.status === "DELETING" || t.fleet.status === "TERMINATED") {
    throw invalidFleetStatus(`${operation} cannot act on fleet ${t.id}: it is ${t.fleet.status}.`);
  }
}

export async function deleteFleet(services: Services, ctx: RequestContext, input: DeleteFleetInput): Promise<Record<string, never>> {
  const found = await requireLiveFleet(services.store, ctx.scope, input.FleetId!);
  await services.lifecycle.change(ctx.scope, found.fleetId, (t) => {
    liveForChange(t, "DeleteFleet");
    if (!t.state) {
      // An external fleet (registered through the admin API) has no lifecycle here: it is gone at once.
      t.emit("FLEET_DELETED", deletedMessage(t.id, t.fleet.status));
      endFleet(t);
      return;
    }
    beginDeletion(t);
  });
  return {};
}

export async function updateFleetAttributes(
  services: Services,
  ctx: RequestContext,
  input: UpdateFleetAttributesInput,
): Promise<UpdateFleetAttributesOutput> {
  const found = await requireLiveFleet(services.store, ctx.scope, input.FleetId!);
  if (input.AnywhereConfiguration && found.attributes.ComputeType !== "ANYWHERE") {
    throw invalidRequest(
      `AnywhereConfiguration applies to ANYWHERE fleets; fleet ${found.fleetId} is ${String(found.attributes.ComputeType)}.`,
    );
  }
  await services.lifecycle.change(ctx.scope, found.fleetId, (t) => {
    liveForChange(t, "UpdateFleetAttributes");
    const a = t.fleet.attributes as FleetAttributes;
    if (input.Name !== undefined) t.fleet.name = input.Name;
    if (input.Description !== undefined) a.Description = input.Description;
    if (input.MetricGroups !== undefined) a.MetricGroups = input.MetricGroups;
    if (input.ResourceCreationLimitPolicy !== undefined) a.ResourceCreationLimitPolicy = input.ResourceCreationLimitPolicy;
    if (input.AnywhereConfiguration !== undefined) a.AnywhereConfiguration = input.AnywhereConfiguration;
    const from = a.NewGameSessionProtectionPolicy ?? "NoProtection";
    const to = input.NewGameSessionProtectionPolicy;
    if (to !== undefined && to !== from) {
      a.NewGameSessionProtectionPolicy = to;
      t.emit("FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED", protectionMessage(t.id, from, to));
    }
  });
  return { FleetId: found.fleetId, FleetArn: found.fleetArn };
}

export async function describeRuntimeConfiguration(
  services: Services,
  ctx: RequestContext,
  input: DescribeRuntimeConfigurationInput,
): Promise<DescribeRuntimeConfigurationOutput> {
  const { fleet, state } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  const legacy = fleet.attributes.ServerLaunchPath as string | undefined;
  const runtime =
    state.runtime ??
    (legacy
      ? {
          ServerProcesses: [
            { LaunchPath: legacy, Parameters: fleet.attributes.ServerLaunchParameters as string | undefined, ConcurrentExecutions: 1 },
          ],
        }
      : {});
  return { RuntimeConfiguration: runtime };
}

export async function updateRuntimeConfiguration(
  services: Services,
  ctx: RequestContext,
  input: UpdateRuntimeConfigurationInput,
): Promise<UpdateRuntimeConfigurationOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  if (fleet.state?.kind === "CONTAINER")
    throw invalidRequest(`Fleet ${fleet.fleetId} is a container fleet; it has no runtime configuration.`);
  checkRuntimeConfiguration(input.RuntimeConfiguration);
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "UpdateRuntimeConfiguration");
    t.state.runtime = input.RuntimeConfiguration;
  });
  return { RuntimeConfiguration: input.RuntimeConfiguration };
}

async function fleetActions(
  services: Services,
  ctx: RequestContext,
  input: StartFleetActionsInput,
  verb: "started" | "stopped",
): Promise<StartFleetActionsOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  if (fleet.state?.kind === "ANYWHERE")
    throw invalidRequest(`Fleet actions apply to EC2 and container fleets; fleet ${fleet.fleetId} is ANYWHERE.`);
  const location = input.Location ?? ctx.scope.region;
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, verb === "started" ? "StartFleetActions" : "StopFleetActions");
    if (!atLocation(t.state.capacity, location)) throw notFound(`Fleet ${t.id} has no location ${location}.`);
    const stopped = new Set(atLocation(t.state.stoppedActions, location) ?? []);
    const changed = input.Actions!.filter((a) => stopped.has(a) === (verb === "started"));
    for (const action of changed) {
      if (verb === "started") stopped.delete(action);
      else stopped.add(action);
    }
    t.state.stoppedActions[location] = [...stopped];
    if (changed.length > 0) t.emit("GENERIC_EVENT", fleetActionsMessage(t.id, location, changed, verb));
  });
  return { FleetId: fleet.fleetId, FleetArn: fleet.fleetArn };
}

export const startFleetActions = (services: Services, ctx: RequestContext, input: StartFleetActionsInput) =>
  fleetActions(services, ctx, input, "started");
export const stopFleetActions = (services: Services, ctx: RequestContext, input: StartFleetActionsInput) =>
  fleetActions(services, ctx, input, "stopped");
