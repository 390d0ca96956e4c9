/**
 * VPC peering: CreateVpcPeeringConnection (the connection settles after the "vpc-peering" stage:
 * FLEET_VPC_PEERING_SUCCEEDED, or FLEET_VPC_PEERING_FAILED for a vpc-peering-failed fleet),
 * DeleteVpcPeeringConnection (FLEET_VPC_PEERING_DELETED after the "deleting" stage) and
 * DescribeVpcPeeringConnections. Peering applies to EC2 fleets.
 */
import type {
  CreateVpcPeeringConnectionInput,
  DeleteVpcPeeringConnectionInput,
  DescribeVpcPeeringConnectionsInput,
  DescribeVpcPeeringConnectionsOutput,
  VpcPeeringConnection,
} from "@aws-sdk/client-gamelift";
import { deletePeering, startPeering } from "../fleets/machine.js";
import type { FleetState, Peering } from "../fleets/state.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
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

export async function createVpcPeeringConnection(
  services: Services,
  ctx: RequestContext,
  input: CreateVpcPeeringConnectionInput,
): Promise<Record<string, never>> {
  const fleet = await ec2Fleet(services, ctx, input.FleetId!);
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
