/**
 * The fleet registry: CreateFleet, DescribeFleetAttributes, ListFleets, DeleteFleet.
 * Paging over fleets uses the same signed keyset tokens as events (position: the last fleet ID).
 */
import type {
  CreateFleetInput,
  CreateFleetOutput,
  DeleteFleetInput,
  DescribeFleetAttributesInput,
  DescribeFleetAttributesOutput,
  FleetAttributes,
  ListFleetsInput,
  ListFleetsOutput,
} from "@aws-sdk/client-gamelift";
import type { FleetRecord, Scope } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { findFleet, requireLiveFleet } from "./fleet-lookup.js";
import { invalidRequest } from "../protocol/errors.js";

const DEFAULT_FLEETS_PAGE = 50;

const buildArn = (scope: Scope, id: string) => `arn:aws:gamelift:${scope.region}:${scope.accountId}:build/${id}`;
const scriptArn = (scope: Scope, id: string) => `arn:aws:gamelift:${scope.region}:${scope.accountId}:script/${id}`;
const lastSegment = (idOrArn: string) => idOrArn.slice(idOrArn.lastIndexOf("/") + 1);

/** FleetAttributes as the API returns them, from the stored record. */
export function fleetAttributes(fleet: FleetRecord): FleetAttributes {
  return {
    ...(fleet.attributes as FleetAttributes),
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    Name: fleet.name,
    Status: fleet.status as FleetAttributes["Status"],
    CreationTime: new Date(fleet.creationTimeMs),
    ...(fleet.terminationTimeMs !== undefined ? { TerminationTime: new Date(fleet.terminationTimeMs) } : {}),
  };
}

export async function createFleet(services: Services, ctx: RequestContext, input: CreateFleetInput): Promise<CreateFleetOutput> {
  const computeType = input.ComputeType ?? "EC2";
  if (computeType === "EC2") {
    if (!input.BuildId && !input.ScriptId) {
      throw invalidRequest("An EC2 fleet needs a game server to run: give BuildId (or ScriptId for Realtime servers).");
    }
    if (!input.EC2InstanceType) throw invalidRequest("An EC2 fleet needs an EC2InstanceType, for example c5.large.");
  }
  const buildId = input.BuildId && lastSegment(input.BuildId);
  const scriptId = input.ScriptId && lastSegment(input.ScriptId);
  const attributes: FleetAttributes = {
    Description: input.Description,
    FleetType: computeType === "EC2" ? (input.FleetType ?? "ON_DEMAND") : undefined,
    InstanceType: input.EC2InstanceType,
    ComputeType: computeType,
    ...(buildId ? { BuildId: buildId, BuildArn: buildArn(ctx.scope, buildId) } : {}),
    ...(scriptId ? { ScriptId: scriptId, ScriptArn: scriptArn(ctx.scope, scriptId) } : {}),
    ServerLaunchPath: input.ServerLaunchPath,
    ServerLaunchParameters: input.ServerLaunchParameters,
    LogPaths: input.LogPaths,
    NewGameSessionProtectionPolicy: input.NewGameSessionProtectionPolicy ?? "NoProtection",
    OperatingSystem: computeType === "EC2" ? "AMAZON_LINUX_2023" : undefined,
    ResourceCreationLimitPolicy: input.ResourceCreationLimitPolicy,
    MetricGroups: input.MetricGroups ?? ["default"],
    StoppedActions: undefined,
    InstanceRoleArn: input.InstanceRoleArn,
    CertificateConfiguration: input.CertificateConfiguration ?? { CertificateType: "DISABLED" },
    AnywhereConfiguration: input.AnywhereConfiguration,
    InstanceRoleCredentialsProvider: input.InstanceRoleCredentialsProvider,
  };
  const fleet = await services.lifecycle.create(ctx.scope, {
    name: input.Name!,
    kind: "simulated",
    attributes: JSON.parse(JSON.stringify(attributes)),
  });
  return {
    FleetAttributes: fleetAttributes(fleet),
    LocationStates: [{ Location: ctx.scope.region, Status: fleet.status as never }],
  };
}

export async function describeFleetAttributes(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetAttributesInput,
): Promise<DescribeFleetAttributesOutput> {
  if (input.FleetIds) {
    // With FleetIds the call is not paged (Limit is ignored) and unknown fleets are left out, as in GameLift.
    const found = await Promise.all(input.FleetIds.map((id) => findFleet(services.store, ctx.scope, id)));
    return { FleetAttributes: found.filter((f): f is FleetRecord => !!f && !f.deleted).map(fleetAttributes) };
  }
  const { fleets, nextToken } = await fleetPage(services, ctx, "DescribeFleetAttributes", input, () => true);
  return { FleetAttributes: fleets.map(fleetAttributes), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function listFleets(services: Services, ctx: RequestContext, input: ListFleetsInput): Promise<ListFleetsOutput> {
  const buildId = input.BuildId && lastSegment(input.BuildId);
  const scriptId = input.ScriptId && lastSegment(input.ScriptId);
  const { fleets, nextToken } = await fleetPage(services, ctx, "ListFleets", input, (f) => {
    if (buildId && f.attributes.BuildId !== buildId) return false;
    return !(scriptId && f.attributes.ScriptId !== scriptId);
  });
  return { FleetIds: fleets.map((f) => f.fleetId), ...(nextToken ? { NextToken: nextToken } : {}) };
}

/** One page of the caller's live fleets in creation order, filtered, with a signed token for the rest. */
async function fleetPage(
  services: Services,
  ctx: RequestContext,
  operation: string,
  input: { Limit?: number; NextToken?: string; BuildId?: string; ScriptId?: string },
  keep: (fleet: FleetRecord) => boolean,
): Promise<{ fleets: FleetRecord[]; nextToken?: string }> {
  const limit = Math.min(input.Limit ?? DEFAULT_FLEETS_PAGE, services.maxPageSize);
  const binding = [operation, ctx.scope.accountId, ctx.scope.region, input.BuildId ?? null, input.ScriptId ?? null];
  let after = input.NextToken ? (services.tokens.open(input.NextToken, binding) as string) : undefined;
  const fleets: FleetRecord[] = [];
  // Filters are applied here, so read batches until the page is full or the fleets run out.
  for (;;) {
    const batch = await services.store.listFleets(ctx.scope, { afterFleetId: after, limit: limit + 1 });
    for (const fleet of batch) if (keep(fleet)) fleets.push(fleet);
    if (fleets.length > limit || batch.length <= limit) break;
    after = batch[batch.length - 1]!.fleetId;
  }
  const page = fleets.slice(0, limit);
  const more = fleets.length > limit;
  return { fleets: page, ...(more ? { nextToken: services.tokens.seal(binding, page[page.length - 1]!.fleetId) } : {}) };
}

export async function deleteFleet(services: Services, ctx: RequestContext, input: DeleteFleetInput): Promise<Record<string, never>> {
  const fleet = await requireLiveFleet(services.store, ctx.scope, input.FleetId!);
  await services.lifecycle.delete(fleet);
  return {};
}
