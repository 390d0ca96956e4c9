/**
 * What a fleet runs on, as the console labels it. DescribeFleetAttributes names EC2 or ANYWHERE in
 * ComputeType and leaves it out for a container fleet (whose InstanceType is its instances'), so
 * container fleets are told apart by ListContainerFleets / DescribeContainerFleet.
 */
import { DescribeContainerFleetCommand, paginateListContainerFleets, type FleetAttributes } from "@aws-sdk/client-gamelift";
import { gamelift } from "./api";

export type FleetKind = "EC2" | "ANYWHERE" | "Container";

export const kindOf = (a: FleetAttributes, container: boolean): FleetKind =>
  container ? "Container" : a.ComputeType === "ANYWHERE" ? "ANYWHERE" : "EC2";

/** The IDs of the account and region's container fleets. */
export async function listContainerFleetIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of paginateListContainerFleets({ client: gamelift() }, {}))
    for (const f of page.ContainerFleets ?? []) if (f.FleetId) ids.add(f.FleetId);
  return ids;
}

/** Whether one fleet is a container fleet (DescribeContainerFleet knows only those). */
export const isContainerFleet = (fleetId: string): Promise<boolean> =>
  gamelift()
    .send(new DescribeContainerFleetCommand({ FleetId: fleetId }))
    .then(
      () => true,
      () => false,
    );
