/**
 * Computes: RegisterCompute, DeregisterCompute, DescribeCompute, ListCompute, GetComputeAccess,
 * GetComputeAuthToken. An Anywhere fleet's computes are the machines the caller registers, kept in
 * the fleet's state (its runtime events name the first one); a managed fleet's computes are its
 * instances, named by instance ID.
 */
import { createHmac } from "node:crypto";
import type {
  Compute,
  DescribeComputeInput,
  DescribeComputeOutput,
  DeregisterComputeInput,
  GetComputeAccessInput,
  GetComputeAccessOutput,
  GetComputeAuthTokenInput,
  GetComputeAuthTokenOutput,
  ListComputeInput,
  ListComputeOutput,
  RegisterComputeInput,
  RegisterComputeOutput,
} from "@aws-sdk/client-gamelift";
import { parseRef, resourceArn } from "../fleets/ids.js";
import type { FleetState, RegisteredCompute } from "../fleets/state.js";
import { conflict, invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireLiveState } from "./fleet-lookup.js";
import { liveForChange } from "./fleets.js";
import { definitionName } from "./container-definitions.js";
import { fleetInstances, requireLocation, requireManagedFleet, type FleetInstance } from "./instances.js";
import { containerAttributes, groupComputes } from "./port-mappings.js";
import { filteredPage, sliceAfter } from "./paging.js";

/** How long a compute auth token is valid. */
export const AUTH_TOKEN_MS = 15 * 60 * 1000;

const computeArn = (fleet: FleetRecord, name: string) => resourceArn(fleet, "compute", name);

function registeredCompute(fleet: FleetRecord, c: RegisteredCompute): Compute {
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    ComputeName: c.name,
    ComputeArn: computeArn(fleet, c.name),
    ...(c.ipAddress !== undefined ? { IpAddress: c.ipAddress } : {}),
    ...(c.dnsName !== undefined ? { DnsName: c.dnsName } : {}),
    ComputeStatus: "ACTIVE",
    Location: c.location,
    CreationTime: new Date(c.registeredMs),
    // Where the server SDK of a game server on this compute connects (InitSDK), as GameLift answers.
    GameLiftServiceSdkEndpoint: `wss://${fleet.region}.api.amazongamelift.com`,
  };
}

/**
 * Every compute of a fleet: registered ones of an Anywhere fleet, the game server container groups
 * of a container fleet (port-mappings.ts), the instances of an EC2 fleet.
 */
async function computes(services: Services, fleet: FleetRecord): Promise<Compute[]> {
  const state = fleet.state as unknown as FleetState;
  if (state.kind === "ANYWHERE") return (state.computes ?? []).map((c) => registeredCompute(fleet, c));
  const onInstance = (name: string, i: FleetInstance): Compute => ({
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    ComputeName: name,
    ComputeArn: computeArn(fleet, name),
    IpAddress: i.ipAddress,
    DnsName: i.dnsName,
    ComputeStatus: i.status,
    Location: i.location,
    ...(i.launchedMs !== undefined ? { CreationTime: new Date(i.launchedMs) } : {}),
    OperatingSystem: fleet.attributes.OperatingSystem as Compute["OperatingSystem"],
    Type: fleet.attributes.InstanceType as Compute["Type"],
    InstanceId: i.id,
  });
  if (state.kind !== "CONTAINER") return fleetInstances(fleet).map((i) => onInstance(i.id, i));
  const out: Compute[] = [];
  for (const c of groupComputes(fleet)) {
    out.push({
      ...onInstance(c.name, c.instance),
      GameServerContainerGroupDefinitionArn: fleet.attributes.GameServerContainerGroupDefinitionArn as string,
      ContainerAttributes: await containerAttributes(services, fleet, c),
    });
  }
  return out;
}

/** The fleet and the compute a ComputeNameOrArn names in it. */
async function requireCompute(services: Services, ctx: RequestContext, fleetId: string, nameOrArn: string) {
  const { fleet } = await requireLiveState(services.store, ctx.scope, fleetId);
  const ref = parseRef(nameOrArn);
  const name = ref.type === undefined || ref.type === "compute" ? ref.id : undefined;
  const compute = (await computes(services, fleet)).find((c) => c.ComputeName === name && (!ref.arnScope || c.ComputeArn === nameOrArn));
  if (!compute) throw notFound(`Fleet ${fleet.fleetId} has no compute ${nameOrArn}.`);
  return { fleet, compute };
}

export async function registerCompute(
  services: Services,
  ctx: RequestContext,
  input: RegisterComputeInput,
): Promise<RegisterComputeOutput> {
  const { fleet, state } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  if (state.kind !== "ANYWHERE") {
    throw invalidRequest(
      `RegisterCompute applies to ANYWHERE fleets; fleet ${fleet.fleetId} is ${state.kind}, whose computes are its instances.`,
    );
  }
  if (!input.IpAddress && !input.DnsName)
    throw invalidRequest("RegisterCompute needs the compute's IpAddress or DnsName, where game clients reach it.");
  const locations = Object.keys(state.locations);
  const location = input.Location ?? (locations.length === 1 ? locations[0]! : undefined);
  if (!location)
    throw invalidRequest(
      `Give the Location to register the compute in, one of fleet ${fleet.fleetId}'s custom locations: ${locations.join(", ")}.`,
    );
  if (!locations.includes(location)) {
    throw invalidRequest(
      `Location ${location} is not a location of fleet ${fleet.fleetId}; its custom locations: ${locations.join(", ")}.`,
    );
  }
  const registered: RegisteredCompute = {
    name: input.ComputeName!,
    location,
    ...(input.IpAddress !== undefined ? { ipAddress: input.IpAddress } : {}),
    ...(input.DnsName !== undefined ? { dnsName: input.DnsName } : {}),
    ...(input.CertificatePath !== undefined ? { certificatePath: input.CertificatePath } : {}),
    registeredMs: services.clock.now(),
  };
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "RegisterCompute");
    if (t.fleet.status !== "ACTIVE")
      throw invalidRequest(`Fleet ${t.id} is ${t.fleet.status}; computes can be registered once it is ACTIVE.`);
    const list = (t.state.computes ??= []);
    if (list.some((c) => c.name === registered.name))
      throw conflict(`Fleet ${t.id} already has a compute named ${registered.name}; deregister it first.`);
    registered.registeredMs = t.at;
    list.push(registered);
  });
  return { Compute: registeredCompute(fleet, registered) };
}

export async function deregisterCompute(
  services: Services,
  ctx: RequestContext,
  input: DeregisterComputeInput,
): Promise<Record<string, never>> {
  const { fleet, compute } = await requireCompute(services, ctx, input.FleetId!, input.ComputeName!);
  if ((fleet.state as unknown as FleetState).kind !== "ANYWHERE") {
    throw invalidRequest(`DeregisterCompute applies to ANYWHERE fleets; fleet ${fleet.fleetId}'s computes are its instances.`);
  }
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "DeregisterCompute");
    t.state.computes = (t.state.computes ?? []).filter((c) => c.name !== compute.ComputeName);
  });
  return {};
}

export async function describeCompute(
  services: Services,
  ctx: RequestContext,
  input: DescribeComputeInput,
): Promise<DescribeComputeOutput> {
  return { Compute: (await requireCompute(services, ctx, input.FleetId!, input.ComputeName!)).compute };
}

export async function listCompute(services: Services, ctx: RequestContext, input: ListComputeInput): Promise<ListComputeOutput> {
  const { fleet } = await requireLiveState(services.store, ctx.scope, input.FleetId!);
  const state = fleet.state as unknown as FleetState;
  if (input.Location && state.kind !== "ANYWHERE") requireLocation(fleet, input.Location);
  const group = input.ContainerGroupDefinitionName;
  const all = (await computes(services, fleet)).filter(
    (c) =>
      (!input.Location || c.Location === input.Location) &&
      (!input.ComputeStatus || c.ComputeStatus === input.ComputeStatus) &&
      (!group || fleet.attributes.GameServerContainerGroupDefinitionName === definitionName(group)),
  );
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    {
      ...input,
      operation: "ListCompute",
      filters: [fleet.fleetId, input.Location ?? null, input.ComputeStatus ?? null, group ?? null],
      defaultLimit: 100,
    },
    async (afterId, limit) => sliceAfter(all, (c) => c.ComputeName!, afterId, limit),
    (c) => c.ComputeName!,
  );
  return { ComputeList: items, ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function getComputeAccess(
  services: Services,
  ctx: RequestContext,
  input: GetComputeAccessInput,
): Promise<GetComputeAccessOutput> {
  await requireManagedFleet(services, ctx, input.FleetId!, "GetComputeAccess");
  const { fleet, compute } = await requireCompute(services, ctx, input.FleetId!, input.ComputeName!);
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    ComputeName: compute.ComputeName,
    ComputeArn: compute.ComputeArn,
    // Temporary credentials for an SSM session to the instance; liftlog's instances are simulated, so these open nothing.
    Credentials: { AccessKeyId: "ASIALIFTLOGNOSESSION", SecretAccessKey: "liftlog-simulated-compute-has-no-session", SessionToken: "none" },
    Target: compute.InstanceId,
  };
}

export async function getComputeAuthToken(
  services: Services,
  ctx: RequestContext,
  input: GetComputeAuthTokenInput,
): Promise<GetComputeAuthTokenOutput> {
  const { fleet, compute } = await requireCompute(services, ctx, input.FleetId!, input.ComputeName!);
  const expires = services.clock.now() + AUTH_TOKEN_MS;
  // Signed with a secret of the deployment, so a token names the compute and expiry it was issued for.
  const mac = createHmac("sha256", await services.store.secret("compute-auth-token"))
    .update(JSON.stringify([ctx.scope.accountId, ctx.scope.region, fleet.fleetId, compute.ComputeName, expires]))
    .digest("hex");
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    ComputeName: compute.ComputeName,
    ComputeArn: compute.ComputeArn,
    AuthToken: `${expires.toString(36)}-${mac.slice(0, 48)}`,
    ExpirationTimestamp: new Date(expires),
  };
}
