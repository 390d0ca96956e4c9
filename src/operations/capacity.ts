/**
 * Capacity: UpdateFleetCapacity (emits FLEET_SCALING_EVENT naming the new and old desired, minimum
 * and maximum, when one of them changes) and DescribeFleetCapacity (home Region counts; new instances
 * are PENDING for the length of the "scaling" stage, replaced ones for "replacing"; instances removed
 * by a scale-in are TERMINATING for the "terminating" stage).
 */
import type {
  DescribeFleetCapacityInput,
  DescribeFleetCapacityOutput,
  FleetCapacity,
  UpdateFleetCapacityInput,
  UpdateFleetCapacityOutput,
} from "@aws-sdk/client-gamelift";
import { setCapacity } from "../fleets/machine.js";
import { scalingMessage } from "../fleets/messages.js";
import { atLocation, type FleetState } from "../fleets/state.js";
import { invalidFleetStatus, invalidRequest, limitExceeded, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireLiveState } from "./fleet-lookup.js";
import { liveForChange, namedOrPagedFleets } from "./fleets.js";

/** Instances one location of a fleet may run (the service's limit depends on the instance type; liftlog keeps one). */
export const MAX_INSTANCES_PER_LOCATION = 100;

/** Game server container groups per instance, when the container fleet does not say. */
const DEFAULT_GROUPS_PER_INSTANCE = 1;

export async function updateFleetCapacity(
  services: Services,
  ctx: RequestContext,
  input: UpdateFleetCapacityInput,
): Promise<UpdateFleetCapacityOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  if (fleet.state?.kind === "ANYWHERE") {
    throw invalidRequest(
      `Fleet ${fleet.fleetId} is an ANYWHERE fleet; capacity applies to EC2 and container fleets (you run the computes).`,
    );
  }
  const location = input.Location ?? ctx.scope.region;
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "UpdateFleetCapacity");
    const was = atLocation(t.state.capacity, location);
    if (!was) throw notFound(`Fleet ${t.id} has no location ${location}.`);
    const status = location === t.home ? t.fleet.status : atLocation(t.state.locations, location);
    if (status !== "ACTIVE") {
      throw invalidFleetStatus(`Fleet ${t.id} is ${status} in ${location}; capacity can be changed once it is ACTIVE there.`);
    }
    const next = { desired: input.DesiredInstances ?? was.desired, min: input.MinSize ?? was.min, max: input.MaxSize ?? was.max };
    if (next.min > next.max) throw invalidRequest(`MinSize (${next.min}) must not be greater than MaxSize (${next.max}).`);
    if (next.desired < next.min || next.desired > next.max) {
      throw invalidRequest(`DesiredInstances (${next.desired}) must be between MinSize (${next.min}) and MaxSize (${next.max}).`);
    }
    if (next.desired > MAX_INSTANCES_PER_LOCATION) {
      throw limitExceeded(
        `DesiredInstances (${next.desired}) exceeds the limit of ${MAX_INSTANCES_PER_LOCATION} instances per fleet location.`,
      );
    }
    // GameLift records a scaling event only when a setting changes.
    if (next.desired === was.desired && next.min === was.min && next.max === was.max) return;
    const before = { ...was };
    setCapacity(t, location, next);
    t.emit("FLEET_SCALING_EVENT", scalingMessage(t.id, location, before, t.state.capacity[location]!));
  });
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    Location: location,
    ...(input.ManagedCapacityConfiguration ? { ManagedCapacityConfiguration: input.ManagedCapacityConfiguration } : {}),
  };
}

/** The capacity of a managed (EC2 or container) fleet in one location, by default its home Region. */
export function fleetCapacity(fleet: FleetRecord, location = fleet.region): FleetCapacity {
  const state = fleet.state as unknown as FleetState;
  const c = atLocation(state.capacity, location) ?? { desired: 0, min: 0, max: 0, active: 0, pending: 0 };
  const capacity: FleetCapacity = {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    InstanceType: fleet.attributes.InstanceType as FleetCapacity["InstanceType"],
    Location: location,
    // No game sessions are simulated, so every ACTIVE instance is IDLE.
    InstanceCounts: {
      DESIRED: c.desired,
      MINIMUM: c.min,
      MAXIMUM: c.max,
      PENDING: c.pending,
      ACTIVE: c.active,
      IDLE: c.active,
      TERMINATING: c.terminating ?? 0,
    },
  };
  if (state.kind === "CONTAINER") {
    const per = (fleet.attributes.GameServerContainerGroupsPerInstance as number | undefined) ?? DEFAULT_GROUPS_PER_INSTANCE;
    const groups = fleet.attributes.GameServerContainerGroupDefinitionName ? per : 0;
    capacity.GameServerContainerGroupCounts = {
      PENDING: c.pending * groups,
      ACTIVE: c.active * groups,
      IDLE: c.active * groups,
      TERMINATING: (c.terminating ?? 0) * groups,
    };
  }
  return capacity;
}

/** Fleets with capacity: managed ones liftlog simulates (Anywhere and external fleets have none here). */
export const hasCapacity = (f: FleetRecord | undefined): f is FleetRecord => !!f && !f.deleted && !!f.state && f.state.kind !== "ANYWHERE";

export async function describeFleetCapacity(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetCapacityInput,
): Promise<DescribeFleetCapacityOutput> {
  const { items, nextToken } = await namedOrPagedFleets(services, ctx, "DescribeFleetCapacity", input, hasCapacity);
  return { FleetCapacity: items.map((f) => fleetCapacity(f)), ...(nextToken ? { NextToken: nextToken } : {}) };
}
