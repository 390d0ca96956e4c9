/**
 * Locations: custom locations for Anywhere fleets (CreateLocation, ListLocations, DeleteLocation)
 * and a fleet's remote locations (CreateFleetLocations, DeleteFleetLocations,
 * DescribeFleetLocationAttributes), which move through the LOCATION_STATE_* events.
 *
 * A location's status as LocationState.Status (a FleetStatus) reports it: PENDING -> NEW, CREATING ->
 * DOWNLOADING, CREATED -> BUILDING, ACTIVATING, ACTIVE, UPDATING -> ACTIVE, ERROR, DELETING, DELETED ->
 * TERMINATED. DescribeContainerFleet reports a container fleet's locations by their own names.
 */
import type {
  CreateFleetLocationsInput,
  CreateFleetLocationsOutput,
  CreateLocationInput,
  CreateLocationOutput,
  DeleteFleetLocationsInput,
  DeleteFleetLocationsOutput,
  DeleteLocationInput,
  DescribeFleetLocationAttributesInput,
  DescribeFleetLocationAttributesOutput,
  FleetStatus,
  ListLocationsInput,
  ListLocationsOutput,
  LocationAttributes,
  LocationModel,
  LocationState,
} from "@aws-sdk/client-gamelift";
import { inScope, parseRef, resourceArn } from "../fleets/ids.js";
import { addLocation, removeLocation } from "../fleets/machine.js";
import { atLocation, type FleetState } from "../fleets/state.js";
import { conflict, invalidFleetStatus, invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireLiveState } from "./fleet-lookup.js";
import { liveForChange } from "./fleets.js";
import { filteredPage, sliceAfter } from "./paging.js";
import { checkTags } from "./tags.js";
import { SUPPORTED_REGIONS } from "./regions.js";

export const LOCATION = "location";

/**
 * Statuses with no FleetStatus value of their own (a container fleet's, a remote location's), as
 * FleetStatus reports them: FleetAttributes.Status and LocationState.Status are FleetStatus, and a
 * typed SDK turns any other value into "unknown". A deployment keeps a fleet hosting: ACTIVE.
 */
const AS_FLEET_STATUS = new Map([
  ["PENDING", "NEW"],
  ["CREATING", "DOWNLOADING"],
  ["CREATED", "BUILDING"],
  ["UPDATING", "ACTIVE"],
  ["DELETED", "TERMINATED"],
]);

export const asFleetStatus = (status: string) => (AS_FLEET_STATUS.get(status) ?? status) as FleetStatus;

/** The fleet's locations and their own statuses: remote (or custom) ones, and the home Region first when asked. */
export function locationStatuses(
  fleet: FleetRecord,
  options: { withHome: boolean; only?: string[] },
): { Location: string; Status: string }[] {
  const state = fleet.state as FleetState | undefined;
  const container = state?.kind === "CONTAINER";
  const remote = Object.entries(state?.locations ?? {})
    .filter(([location, status]) => !(container && status === "DELETED") && (!options.only || options.only.includes(location)))
    .map(([location, status]) => ({ Location: location, Status: status }));
  if (options.only) remote.sort((a, b) => options.only!.indexOf(a.Location) - options.only!.indexOf(b.Location));
  return options.withHome ? [{ Location: fleet.region, Status: fleet.status }, ...remote] : remote;
}

/** The same as LocationState objects, statuses as FleetStatus. */
export function locationStates(fleet: FleetRecord, options: { withHome: boolean; only?: string[] }): LocationState[] {
  return locationStatuses(fleet, options).map((s) => ({ Location: s.Location, Status: asFleetStatus(s.Status) }));
}

/** Remote locations for a managed fleet: supported Regions, no repeats; the home Region is not remote. */
export function checkRemoteLocations(home: string, locations: string[]): string[] {
  const seen = new Set<string>();
  for (const location of locations) {
    if (seen.has(location)) throw invalidRequest(`Location ${location} is listed twice.`);
    seen.add(location);
    if (!SUPPORTED_REGIONS.has(location)) {
      throw invalidRequest(
        `Location ${location} is not a GameLift location for managed fleets. Use one of: ${[...SUPPORTED_REGIONS].join(", ")}.`,
      );
    }
  }
  return locations.filter((l) => l !== home);
}

/** The custom locations an Anywhere fleet names: at least one, each created with CreateLocation. */
export async function customLocationNames(services: Services, ctx: RequestContext, locations: string[]): Promise<string[]> {
  if (locations.length === 0)
    throw invalidRequest("An ANYWHERE fleet needs Locations naming at least one custom location (CreateLocation).");
  for (const location of locations) {
    if (!(await services.store.getResource(ctx.scope, LOCATION, location))) {
      throw notFound(
        `Custom location ${location} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}; create it with CreateLocation.`,
      );
    }
  }
  return [...new Set(locations)];
}

const locationModel = (body: Record<string, unknown>): LocationModel => ({
  LocationName: body.LocationName as string,
  LocationArn: body.LocationArn as string,
});

export async function createLocation(services: Services, ctx: RequestContext, input: CreateLocationInput): Promise<CreateLocationOutput> {
  const name = input.LocationName!;
  checkTags(input.Tags ?? []);
  const body = {
    LocationName: name,
    LocationArn: resourceArn(ctx.scope, LOCATION, name),
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
  };
  // One name once, also when two requests or nodes create it at the same time.
  if (!(await services.store.insertResource(ctx.scope, { type: LOCATION, id: name, body }))) {
    throw conflict(`Custom location ${name} already exists.`);
  }
  return { Location: locationModel(body) };
}

export async function deleteLocation(services: Services, ctx: RequestContext, input: DeleteLocationInput): Promise<Record<string, never>> {
  const ref = parseRef(input.LocationName!);
  if (!inScope(ref, ctx.scope) || !(await services.store.deleteResource(ctx.scope, LOCATION, ref.id))) {
    throw notFound(`Custom location ${input.LocationName} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`);
  }
  return {};
}

export async function listLocations(services: Services, ctx: RequestContext, input: ListLocationsInput): Promise<ListLocationsOutput> {
  const filters = new Set(input.Filters ?? ["AWS", "CUSTOM"]);
  const all: LocationModel[] = [];
  if (filters.has("AWS")) {
    for (const region of SUPPORTED_REGIONS) {
      all.push({ LocationName: region, PingBeacon: { UDPEndpoint: { Domain: `gamelift-ping.${region}.api.aws`, Port: 7770 } } });
    }
  }
  if (filters.has("CUSTOM")) {
    for (let after: string | undefined; ; ) {
      const batch = await services.store.listResources(ctx.scope, LOCATION, { afterId: after, limit: 500 });
      all.push(...batch.map((r) => locationModel(r.body)));
      if (batch.length < 500) break;
      after = batch[batch.length - 1]!.id;
    }
  }
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListLocations", filters: [...filters].sort(), defaultLimit: 100 },
    async (afterId, limit) => sliceAfter(all, (l) => l.LocationName!, afterId, limit),
    (l) => l.LocationName!,
  );
  return { Locations: items, ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function createFleetLocations(
  services: Services,
  ctx: RequestContext,
  input: CreateFleetLocationsInput,
): Promise<CreateFleetLocationsOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  if (fleet.state?.kind === "ANYWHERE")
    throw invalidRequest(`Fleet ${fleet.fleetId} is an ANYWHERE fleet; remote locations apply to EC2 and container fleets.`);
  const requested = input.Locations!.map((l) => l.Location!);
  const remote = checkRemoteLocations(ctx.scope.region, requested);
  if (remote.length < requested.length)
    throw invalidRequest(`${ctx.scope.region} is fleet ${fleet.fleetId}'s home Region, not a remote location.`);
  const { fleet: changed } = await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "CreateFleetLocations");
    if (t.fleet.status !== "ACTIVE") {
      throw invalidFleetStatus(`Fleet ${t.id} is ${t.fleet.status}; locations can be added once it is ACTIVE.`);
    }
    for (const location of remote) {
      const status = atLocation(t.state.locations, location);
      if (status !== undefined && status !== "DELETED") throw invalidRequest(`Fleet ${t.id} already has location ${location} (${status}).`);
    }
    for (const location of remote) addLocation(t, location);
  });
  return { FleetId: fleet.fleetId, FleetArn: fleet.fleetArn, LocationStates: locationStates(changed, { withHome: false, only: remote }) };
}

export async function deleteFleetLocations(
  services: Services,
  ctx: RequestContext,
  input: DeleteFleetLocationsInput,
): Promise<DeleteFleetLocationsOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  const requested = [...new Set(input.Locations!)];
  const { fleet: changed } = await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "DeleteFleetLocations");
    for (const location of requested) {
      const status = atLocation(t.state.locations, location);
      if (location === t.home) throw invalidRequest(`${location} is fleet ${t.id}'s home Region; delete the fleet instead (DeleteFleet).`);
      if (status === undefined || status === "DELETED") throw notFound(`Fleet ${t.id} has no remote location ${location}.`);
      if (t.state.kind === "ANYWHERE") throw invalidRequest(`Fleet ${t.id} is an ANYWHERE fleet; its custom locations cannot be removed.`);
    }
    for (const location of requested) if (atLocation(t.state.locations, location) !== "DELETING") removeLocation(t, location);
  });
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    LocationStates: locationStates(changed, { withHome: false, only: requested }),
  };
}

export async function describeFleetLocationAttributes(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetLocationAttributesInput,
): Promise<DescribeFleetLocationAttributesOutput> {
  const { fleet, state } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  const states = locationStates(fleet, { withHome: false, ...(input.Locations ? { only: input.Locations } : {}) });
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "DescribeFleetLocationAttributes", filters: [fleet.fleetId, input.Locations ?? null], defaultLimit: 100 },
    async (afterId, limit) => sliceAfter(states, (s) => s.Location!, afterId, limit),
    (s) => s.Location!,
  );
  const attributes: LocationAttributes[] = items.map((s) => {
    const stopped = state.stoppedActions[s.Location!];
    return { LocationState: s, ...(stopped?.length ? { StoppedActions: stopped as LocationAttributes["StoppedActions"] } : {}) };
  });
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    LocationAttributes: attributes,
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}
