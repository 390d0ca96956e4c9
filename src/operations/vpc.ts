/**
 * VPC peering authorizations: Create/Describe/DeleteVpcPeeringAuthorization. The owner of a VPC
 * (the caller) authorizes a GameLift account to peer with it for 24 hours of service time; the record
 * is kept in both accounts' scopes (same Region), so each sees it, and
 * CreateVpcPeeringConnection needs a valid one, as on AWS.
 *
 * VPC peering: CreateVpcPeeringConnection (the connection settles after the "vpc-peering" stage:
 * FLEET_VPC_PEERING_SUCCEEDED, or FLEET_VPC_PEERING_FAILED for a vpc-peering-failed fleet),
 * DeleteVpcPeeringConnection (FLEET_VPC_PEERING_DELETED after the "deleting" stage) and
 * DescribeVpcPeeringConnections. Peering applies to EC2 fleets.
 */
import type {
  CreateVpcPeeringAuthorizationInput,
  CreateVpcPeeringAuthorizationOutput,
  DeleteVpcPeeringAuthorizationInput,
  DescribeVpcPeeringAuthorizationsOutput,
  VpcPeeringAuthorization,
  CreateVpcPeeringConnectionInput,
  DeleteVpcPeeringConnectionInput,
  DescribeVpcPeeringConnectionsInput,
  DescribeVpcPeeringConnectionsOutput,
  VpcPeeringConnection,
} from "@aws-sdk/client-gamelift";
import { deletePeering, startPeering } from "../fleets/machine.js";
import type { FleetState, Peering } from "../fleets/state.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord, Scope } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { allFleets, requireLiveState } from "./fleet-lookup.js";
import { liveForChange } from "./fleets.js";

const STATUS_MESSAGES: Record<string, string> = {
  "initiating-request": "Initiating request to peer with the VPC.",
  active: "Active",
  failed: "Failed: the VPCs have overlapping CIDR blocks.",
  deleting: "Deleting",
};

function connection(fleet: FleetRecord, p: Peering): VpcPeeringConnection {
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    VpcPeeringConnectionId: p.id,
    PeerVpcId: p.peerVpcId,
    GameLiftVpcId: p.gameLiftVpcId,
    ...(p.status === "active" ? { IpV4CidrBlock: p.cidr } : {}),
    Status: { Code: p.status, Message: STATUS_MESSAGES[p.status] },
  };
}

async function ec2Fleet(services: Services, ctx: RequestContext, fleetId: string): Promise<FleetRecord> {
  const { fleet, state } = await requireLiveState(services.store, ctx.scope, fleetId);
  if (state.kind !== "EC2") throw invalidRequest(`Fleet ${fleet.fleetId} is ${state.kind}; VPC peering applies to EC2 fleets.`);
  return fleet;
}

/** How long an authorization lets a GameLift account peer, as on AWS. */
export const AUTHORIZATION_MS = 24 * 60 * 60 * 1000;
const AUTHORIZATION = "vpcpeeringauthorization";
const ACCOUNT_ID = /^\d{12}$/;

interface StoredAuthorization extends Omit<VpcPeeringAuthorization, "CreationTime" | "ExpirationTime"> {
  CreationTimeMs: number;
  ExpirationTimeMs: number;
}

const authorizationKey = (gameLiftAccount: string, peerAccount: string, vpcId: string) => `${gameLiftAccount}/${peerAccount}/${vpcId}`;

/** The scopes an authorization lives in: the VPC owner's and the GameLift account's (one when they are the same). */
const authorizationScopes = (a: { GameLiftAwsAccountId?: string; PeerVpcAwsAccountId?: string }, region: string): Scope[] =>
  [...new Set([a.PeerVpcAwsAccountId!, a.GameLiftAwsAccountId!])].map((accountId) => ({ accountId, region }));

const toAuthorization = ({ CreationTimeMs, ExpirationTimeMs, ...a }: StoredAuthorization): VpcPeeringAuthorization => ({
  ...a,
  CreationTime: new Date(CreationTimeMs),
  ExpirationTime: new Date(ExpirationTimeMs),
});

export async function createVpcPeeringAuthorization(
  services: Services,
  ctx: RequestContext,
  input: CreateVpcPeeringAuthorizationInput,
): Promise<CreateVpcPeeringAuthorizationOutput> {
  if (!ACCOUNT_ID.test(input.GameLiftAwsAccountId!)) {
    throw invalidRequest(
      `GameLiftAwsAccountId ${input.GameLiftAwsAccountId} is not an AWS account ID (12 digits): give the account that owns the fleet.`,
    );
  }
  const now = services.clock.now();
  const stored: StoredAuthorization = {
    GameLiftAwsAccountId: input.GameLiftAwsAccountId,
    PeerVpcAwsAccountId: ctx.scope.accountId,
    PeerVpcId: input.PeerVpcId,
    CreationTimeMs: now,
    ExpirationTimeMs: now + AUTHORIZATION_MS,
  };
  const id = authorizationKey(stored.GameLiftAwsAccountId!, stored.PeerVpcAwsAccountId!, stored.PeerVpcId!);
  for (const scope of authorizationScopes(stored, ctx.scope.region)) {
    await services.store.putResource(scope, { type: AUTHORIZATION, id, body: { ...stored } });
  }
  return { VpcPeeringAuthorization: toAuthorization(stored) };
}

/** Authorizations the caller gave or received that have not expired. */
export async function describeVpcPeeringAuthorizations(
  services: Services,
  ctx: RequestContext,
): Promise<DescribeVpcPeeringAuthorizationsOutput> {
  const now = services.clock.now();
  const found: StoredAuthorization[] = [];
  for (let after: string | undefined; ; ) {
    const batch = await services.store.listResources(ctx.scope, AUTHORIZATION, { afterId: after, limit: 500 });
    found.push(...batch.map((r) => r.body as unknown as StoredAuthorization));
    if (batch.length < 500) break;
    after = batch[batch.length - 1]!.id;
  }
  return { VpcPeeringAuthorizations: found.filter((a) => a.ExpirationTimeMs > now).map(toAuthorization) };
}

export async function deleteVpcPeeringAuthorization(
  services: Services,
  ctx: RequestContext,
  input: DeleteVpcPeeringAuthorizationInput,
): Promise<Record<string, never>> {
  const names = { GameLiftAwsAccountId: input.GameLiftAwsAccountId, PeerVpcAwsAccountId: ctx.scope.accountId };
  const id = authorizationKey(input.GameLiftAwsAccountId!, ctx.scope.accountId, input.PeerVpcId!);
  let deleted = false;
  for (const scope of authorizationScopes(names, ctx.scope.region))
    deleted = (await services.store.deleteResource(scope, AUTHORIZATION, id)) || deleted;
  if (!deleted) {
    throw notFound(
      `No VPC peering authorization for account ${input.GameLiftAwsAccountId} to peer with ${input.PeerVpcId} in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`,
    );
  }
  return {};
}

/** A valid authorization, given by the VPC's owner, for the caller's account to peer with that VPC. */
async function requireAuthorization(services: Services, ctx: RequestContext, peerAccount: string, vpcId: string): Promise<void> {
  const found = await services.store.getResource(ctx.scope, AUTHORIZATION, authorizationKey(ctx.scope.accountId, peerAccount, vpcId));
  const a = found?.body as unknown as StoredAuthorization | undefined;
  if (!a || a.ExpirationTimeMs <= services.clock.now()) {
    throw invalidRequest(
      `No valid VPC peering authorization for account ${ctx.scope.accountId} to peer with ${vpcId} of account ${peerAccount}: the VPC's owner must call CreateVpcPeeringAuthorization (valid 24 hours) first.`,
    );
  }
}

export async function createVpcPeeringConnection(
  services: Services,
  ctx: RequestContext,
  input: CreateVpcPeeringConnectionInput,
): Promise<Record<string, never>> {
  const fleet = await ec2Fleet(services, ctx, input.FleetId!);
  await requireAuthorization(services, ctx, input.PeerVpcAwsAccountId!, input.PeerVpcId!);
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "CreateVpcPeeringConnection");
    if (t.fleet.status !== "ACTIVE")
      throw invalidRequest(`Fleet ${t.id} is ${t.fleet.status}; a VPC can be peered once the fleet is ACTIVE.`);
    const existing = t.state.peerings.find((p) => p.peerVpcId === input.PeerVpcId && p.status !== "failed");
    if (existing)
      throw invalidRequest(`Fleet ${t.id} already has VPC peering connection ${existing.id} (${existing.status}) with ${input.PeerVpcId}.`);
    const p = startPeering(t, input.PeerVpcId!, input.PeerVpcAwsAccountId!);
    t.schedule({ kind: "peering", id: p.id }, t.at + t.stage("vpc-peering"));
  });
  return {};
}

export async function deleteVpcPeeringConnection(
  services: Services,
  ctx: RequestContext,
  input: DeleteVpcPeeringConnectionInput,
): Promise<Record<string, never>> {
  const fleet = await ec2Fleet(services, ctx, input.FleetId!);
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "DeleteVpcPeeringConnection");
    const p = t.state.peerings.find((x) => x.id === input.VpcPeeringConnectionId);
    if (!p) throw notFound(`Fleet ${t.id} has no VPC peering connection ${input.VpcPeeringConnectionId}.`);
    if (p.status === "deleting") throw invalidRequest(`VPC peering connection ${p.id} of fleet ${t.id} is already being deleted.`);
    deletePeering(t, p);
  });
  return {};
}

export async function describeVpcPeeringConnections(
  services: Services,
  ctx: RequestContext,
  input: DescribeVpcPeeringConnectionsInput,
): Promise<DescribeVpcPeeringConnectionsOutput> {
  const fleets = input.FleetId
    ? [(await requireLiveState(services.store, ctx.scope, input.FleetId)).fleet]
    : await allFleets(services.store, ctx.scope);
  const connections = fleets.flatMap((f) => ((f.state as FleetState | undefined)?.peerings ?? []).map((p) => connection(f, p)));
  return { VpcPeeringConnections: connections };
}
