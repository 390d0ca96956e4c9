/**
 * Utilization and limits: DescribeFleetUtilization, DescribeFleetLocationUtilization,
 * DescribeFleetLocationCapacity, DescribeEC2InstanceLimits. liftlog simulates no game sessions, so
 * utilization counts the server processes that ACTIVE instances run and reports no game or player
 * sessions.
 */
import type {
  DescribeEC2InstanceLimitsInput,
  DescribeEC2InstanceLimitsOutput,
  DescribeFleetLocationCapacityInput,
  DescribeFleetLocationCapacityOutput,
  DescribeFleetLocationUtilizationInput,
  DescribeFleetLocationUtilizationOutput,
  DescribeFleetUtilizationInput,
  DescribeFleetUtilizationOutput,
  EC2InstanceType,
  FleetUtilization,
} from "@aws-sdk/client-gamelift";
import { processesPerInstance } from "../fleets/scaling.js";
import { atLocation, type FleetState } from "../fleets/state.js";
import { enumValues } from "../model/service-model.js";
import { invalidRequest } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import { fleetCapacity, MAX_INSTANCES_PER_LOCATION } from "./capacity.js";
import type { RequestContext, Services } from "./context.js";
import { allFleets, requireLiveState } from "./fleet-lookup.js";
import { namedOrPagedFleets } from "./fleets.js";
import { requireLocation, requireManagedFleet } from "./instances.js";
import { SUPPORTED_REGIONS } from "./regions.js";

function utilization(fleet: FleetRecord, location = fleet.region): FleetUtilization {
  const state = fleet.state as unknown as FleetState;
  // An Anywhere fleet's processes run on the caller's computes, which liftlog does not watch.
  const active = state.kind === "ANYWHERE" ? 0 : (atLocation(state.capacity, location)?.active ?? 0);
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    ActiveServerProcessCount: active * processesPerInstance(fleet, state),
    ActiveGameSessionCount: 0,
    CurrentPlayerSessionCount: 0,
    MaximumPlayerSessionCount: 0,
    Location: location,
  };
}

/** Fleets liftlog simulates (external fleets have no processes here). */
const simulated = (f: FleetRecord) => !!f.state;

export async function describeFleetUtilization(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetUtilizationInput,
): Promise<DescribeFleetUtilizationOutput> {
  const { items, nextToken } = await namedOrPagedFleets(services, ctx, "DescribeFleetUtilization", input, simulated);
  return { FleetUtilization: items.map((f) => utilization(f)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function describeFleetLocationUtilization(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetLocationUtilizationInput,
): Promise<DescribeFleetLocationUtilizationOutput> {
  const { fleet, state } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  // An Anywhere fleet's custom locations hold no capacity, but they are its locations all the same.
  if (!(state.kind === "ANYWHERE" && Object.hasOwn(state.locations, input.Location!))) requireLocation(fleet, input.Location!);
  return { FleetUtilization: utilization(fleet, input.Location) };
}

export async function describeFleetLocationCapacity(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetLocationCapacityInput,
): Promise<DescribeFleetLocationCapacityOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "DescribeFleetLocationCapacity");
  requireLocation(fleet, input.Location!);
  return { FleetCapacity: fleetCapacity(fleet, input.Location) };
}

export async function describeEC2InstanceLimits(
  services: Services,
  ctx: RequestContext,
  input: DescribeEC2InstanceLimitsInput,
): Promise<DescribeEC2InstanceLimitsOutput> {
  const location = input.Location ?? ctx.scope.region;
  if (!SUPPORTED_REGIONS.has(location)) {
    throw invalidRequest(`Location ${location} is not an AWS Region GameLift runs in; give a Region such as us-west-2.`);
  }
  const types = input.EC2InstanceType ? [input.EC2InstanceType] : (enumValues("EC2InstanceType") as EC2InstanceType[]);
  const inUse = new Map<string, number>();
  for (const fleet of await allFleets(services.store, ctx.scope)) {
    const c =
      fleet.state && fleet.state.kind !== "ANYWHERE" ? atLocation((fleet.state as unknown as FleetState).capacity, location) : undefined;
    const type = fleet.attributes.InstanceType as string | undefined;
    if (c && type) inUse.set(type, (inUse.get(type) ?? 0) + c.active + c.pending);
  }
  return {
    EC2InstanceLimits: types.map((type) => ({
      EC2InstanceType: type,
      CurrentInstances: inUse.get(type) ?? 0,
      InstanceLimit: MAX_INSTANCES_PER_LOCATION,
      Location: location,
    })),
  };
}
