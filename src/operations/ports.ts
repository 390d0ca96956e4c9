/**
 * Port settings: DescribeFleetPortSettings and UpdateFleetPortSettings. An EC2 fleet's inbound
 * permissions are the EC2InboundPermissions it was created with, changed by authorizations and
 * revocations; a container fleet's are its InstanceInboundPermissions. Every location of a fleet has
 * the same settings. Changing them causes no fleet event.
 */
import type {
  DescribeFleetPortSettingsInput,
  DescribeFleetPortSettingsOutput,
  IpPermission,
  UpdateFleetPortSettingsInput,
  UpdateFleetPortSettingsOutput,
} from "@aws-sdk/client-gamelift";
import { invalidRequest, limitExceeded } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { liveForChange } from "./fleets.js";
import { requireLocation, requireManagedFleet } from "./instances.js";

const samePermission = (a: IpPermission, b: IpPermission) =>
  a.FromPort === b.FromPort && a.ToPort === b.ToPort && a.IpRange === b.IpRange && a.Protocol === b.Protocol;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Port ranges and IP ranges as GameLift accepts them. */
export function checkPermissions(permissions: readonly IpPermission[]): void {
  for (const p of permissions) {
    if (p.FromPort! > p.ToPort!) throw invalidRequest(`FromPort (${p.FromPort}) must not be greater than ToPort (${p.ToPort}).`);
    const m = CIDR.exec(p.IpRange!);
    if (!m || m.slice(1, 5).some((octet) => Number(octet) > 255) || Number(m[5]) > 32) {
      throw invalidRequest(`IpRange ${p.IpRange} is not an IPv4 range in CIDR notation, such as 0.0.0.0/0 or 203.0.113.0/24.`);
    }
  }
}

/** The permissions after revoking some and authorizing others (authorizing one already there changes nothing). */
export function changePermissions(
  current: readonly IpPermission[],
  authorizations: readonly IpPermission[] = [],
  revocations: readonly IpPermission[] = [],
): IpPermission[] {
  const kept = current.filter((p) => !revocations.some((r) => samePermission(p, r)));
  const added = authorizations.filter(
    (p, i) => !kept.some((k) => samePermission(k, p)) && authorizations.findIndex((q) => samePermission(p, q)) === i,
  );
  return [...kept, ...added];
}

/** Where a fleet keeps its inbound permissions, by fleet type. */
const permissionsKey = (fleet: FleetRecord) => (fleet.state?.kind === "CONTAINER" ? "InstanceInboundPermissions" : "EC2InboundPermissions");

export async function describeFleetPortSettings(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetPortSettingsInput,
): Promise<DescribeFleetPortSettingsOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "DescribeFleetPortSettings");
  if (input.Location) requireLocation(fleet, input.Location);
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    InboundPermissions: (fleet.attributes[permissionsKey(fleet)] as IpPermission[] | undefined) ?? [],
    Location: input.Location ?? fleet.region,
  };
}

export async function updateFleetPortSettings(
  services: Services,
  ctx: RequestContext,
  input: UpdateFleetPortSettingsInput,
): Promise<UpdateFleetPortSettingsOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "UpdateFleetPortSettings");
  const authorizations = input.InboundPermissionAuthorizations ?? [];
  const revocations = input.InboundPermissionRevocations ?? [];
  if (authorizations.length === 0 && revocations.length === 0) {
    throw invalidRequest("Give InboundPermissionAuthorizations, InboundPermissionRevocations or both.");
  }
  checkPermissions([...authorizations, ...revocations]);
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "UpdateFleetPortSettings");
    const key = permissionsKey(t.fleet);
    const current = (t.fleet.attributes[key] as IpPermission[] | undefined) ?? [];
    const missing = revocations.find((r) => !current.some((p) => samePermission(p, r)));
    if (missing) {
      throw invalidRequest(
        `Fleet ${t.id} has no inbound permission ${missing.Protocol} ${missing.FromPort}-${missing.ToPort} from ${missing.IpRange} to revoke.`,
      );
    }
    const next = changePermissions(current, authorizations, revocations);
    if (next.length > 50) throw limitExceeded(`A fleet can have at most 50 inbound permissions; this change would leave ${next.length}.`);
    t.fleet.attributes[key] = next;
  });
  return { FleetId: fleet.fleetId, FleetArn: fleet.fleetArn };
}
