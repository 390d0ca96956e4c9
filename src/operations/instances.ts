/**
 * Instances of managed (EC2 and container) fleets: DescribeInstances and GetInstanceAccess. The
 * home Region's instances are the lifecycle's own, the IDs its events name: newest ones PENDING
 * until they are ready, the rest ACTIVE. A remote location's instances follow its capacity; their
 * IDs are derived from the fleet and the location (no event names them).
 */
import { createHash } from "node:crypto";
import type {
  DescribeInstancesInput,
  DescribeInstancesOutput,
  GetInstanceAccessInput,
  GetInstanceAccessOutput,
  Instance,
} from "@aws-sdk/client-gamelift";
import { atLocation, instanceId, type FleetState } from "../fleets/state.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireLiveState } from "./fleet-lookup.js";
import { filteredPage, sliceAfter } from "./paging.js";

export interface FleetInstance {
  id: string;
  location: string;
  status: "PENDING" | "ACTIVE";
  launchedMs?: number;
  ipAddress: string;
  dnsName: string;
}

/** A stable public-looking address for an instance, from the benchmarking range 198.18.0.0/15 (never routed). */
function address(id: string, region: string): { ipAddress: string; dnsName: string } {
  const h = createHash("sha256").update(id).digest();
  const ip = `198.${18 + (h[0]! & 1)}.${h[1]}.${h[2]}`;
  return { ipAddress: ip, dnsName: `ec2-${ip.replaceAll(".", "-")}.${region}.compute.amazonaws.com` };
}

/** Every running instance of a managed fleet, home Region first, each location's oldest first. */
export function fleetInstances(fleet: FleetRecord): FleetInstance[] {
  const state = fleet.state as unknown as FleetState;
  const out: FleetInstance[] = [];
  const add = (ids: string[], location: string) => {
    const pending = atLocation(state.capacity, location)?.pending ?? 0;
    ids.forEach((id, i) => {
      const launchedMs = state.launchedMs?.[id];
      out.push({
        id,
        location,
        status: i >= ids.length - pending ? "PENDING" : "ACTIVE",
        ...(launchedMs !== undefined ? { launchedMs } : {}),
        ...address(id, location),
      });
    });
  };
  add(state.instances, fleet.region);
  for (const [location, c] of Object.entries(state.capacity)) {
    if (location === fleet.region) continue;
    add(
      Array.from({ length: c.active + c.pending }, (_, k) => instanceId(`${fleet.fleetId}/${location}`, k)),
      location,
    );
  }
  return out;
}

/** A live managed fleet: Anywhere fleets have computes, not instances. */
export async function requireManagedFleet(services: Services, ctx: RequestContext, fleetId: string, operation: string) {
  const found = await requireLiveState(services.store, ctx.scope, fleetId);
  if (found.state.kind === "ANYWHERE") {
    throw invalidRequest(
      `${operation} applies to EC2 and container fleets; fleet ${found.fleet.fleetId} is ANYWHERE: list its computes with ListCompute.`,
    );
  }
  return found;
}

export function requireLocation(fleet: FleetRecord, location: string): void {
  if (!atLocation((fleet.state as unknown as FleetState).capacity, location))
    throw notFound(`Fleet ${fleet.fleetId} has no location ${location}.`);
}

function toInstance(fleet: FleetRecord, i: FleetInstance): Instance {
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    InstanceId: i.id,
    IpAddress: i.ipAddress,
    DnsName: i.dnsName,
    OperatingSystem: fleet.attributes.OperatingSystem as Instance["OperatingSystem"],
    Type: fleet.attributes.InstanceType as Instance["Type"],
    Status: i.status,
    ...(i.launchedMs !== undefined ? { CreationTime: new Date(i.launchedMs) } : {}),
    Location: i.location,
  };
}

export async function describeInstances(
  services: Services,
  ctx: RequestContext,
  input: DescribeInstancesInput,
): Promise<DescribeInstancesOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "DescribeInstances");
  if (input.Location) requireLocation(fleet, input.Location);
  const all = fleetInstances(fleet).filter(
    (i) => (!input.Location || i.location === input.Location) && (!input.InstanceId || i.id === input.InstanceId),
  );
  if (input.InstanceId && all.length === 0) throw notFound(`Fleet ${fleet.fleetId} has no instance ${input.InstanceId}.`);
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    {
      ...input,
      operation: "DescribeInstances",
      filters: [fleet.fleetId, input.InstanceId ?? null, input.Location ?? null],
      defaultLimit: 100,
    },
    async (afterId, limit) => sliceAfter(all, (i) => i.id, afterId, limit),
    (i) => i.id,
  );
  return { Instances: items.map((i) => toInstance(fleet, i)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function getInstanceAccess(
  services: Services,
  ctx: RequestContext,
  input: GetInstanceAccessInput,
): Promise<GetInstanceAccessOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "GetInstanceAccess");
  const instance = fleetInstances(fleet).find((i) => i.id === input.InstanceId);
  if (!instance) throw notFound(`Fleet ${fleet.fleetId} has no instance ${input.InstanceId}.`);
  return {
    InstanceAccess: {
      FleetId: fleet.fleetId,
      InstanceId: instance.id,
      IpAddress: instance.ipAddress,
      OperatingSystem: fleet.attributes.OperatingSystem as Instance["OperatingSystem"],
      // The user GameLift creates on its instances; liftlog's instances are simulated, so there is nothing to log in to.
      Credentials: { UserName: "gl-user-remote", Secret: "liftlog-simulated-instance-has-no-login" },
    },
  };
}
