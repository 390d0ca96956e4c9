/**
 * Container fleet deployments: DescribeFleetDeployment (one, with its status in each location) and
 * ListFleetDeployments (a fleet's, or every container fleet's of the caller, latest first). The
 * deployments themselves live in each fleet's state (fleets/deployments.ts).
 */
import type {
  DescribeFleetDeploymentInput,
  DescribeFleetDeploymentOutput,
  FleetDeployment,
  ListFleetDeploymentsInput,
  ListFleetDeploymentsOutput,
} from "@aws-sdk/client-gamelift";
import type { Deployment } from "../fleets/deployments.js";
import { stateOf } from "../fleets/state.js";
import { notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import { requireContainerFleet } from "./containers.js";
import type { RequestContext, Services } from "./context.js";
import { allFleets } from "./fleet-lookup.js";
import { filteredPage, sliceAfter } from "./paging.js";

function fleetDeployment(fleet: FleetRecord, d: Deployment): FleetDeployment {
  return {
    DeploymentId: d.id,
    FleetId: fleet.fleetId,
    ...(d.targets.gameServer ? { GameServerBinaryArn: d.targets.gameServer } : {}),
    ...(d.rollback?.gameServer ? { RollbackGameServerBinaryArn: d.rollback.gameServer } : {}),
    ...(d.targets.perInstance ? { PerInstanceBinaryArn: d.targets.perInstance } : {}),
    ...(d.rollback?.perInstance ? { RollbackPerInstanceBinaryArn: d.rollback.perInstance } : {}),
    DeploymentStatus: d.status as FleetDeployment["DeploymentStatus"],
    DeploymentConfiguration: d.config,
    CreationTime: new Date(d.createdMs),
  };
}

const deploymentsOf = (fleet: FleetRecord): Deployment[] => stateOf(fleet).deployments ?? [];

export async function describeFleetDeployment(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetDeploymentInput,
): Promise<DescribeFleetDeploymentOutput> {
  const fleet = await requireContainerFleet(services, ctx, input.FleetId!);
  const all = deploymentsOf(fleet);
  const d = input.DeploymentId === undefined ? all.at(-1) : all.find((x) => x.id === input.DeploymentId);
  if (!d) {
    throw notFound(
      input.DeploymentId === undefined
        ? `Container fleet ${fleet.fleetId} has no deployment.`
        : `Deployment ${input.DeploymentId} not found for container fleet ${fleet.fleetId}.`,
    );
  }
  return {
    FleetDeployment: fleetDeployment(fleet, d),
    LocationalDeployments: Object.fromEntries(
      Object.entries(d.locations).map(([location, status]) => [
        location,
        { DeploymentStatus: status as FleetDeployment["DeploymentStatus"] },
      ]),
    ),
  };
}

export async function listFleetDeployments(
  services: Services,
  ctx: RequestContext,
  input: ListFleetDeploymentsInput,
): Promise<ListFleetDeploymentsOutput> {
  const fleets = input.FleetId
    ? [await requireContainerFleet(services, ctx, input.FleetId)]
    : (await allFleets(services.store, ctx.scope)).filter((f) => f.state?.kind === "CONTAINER" && !f.deleted);
  // Latest first; deployments of one moment in the order they were made.
  const all = fleets
    .flatMap((f) => deploymentsOf(f).map((d, n) => ({ fleet: f, d, n })))
    .sort((a, b) => b.d.createdMs - a.d.createdMs || b.n - a.n || a.d.id.localeCompare(b.d.id))
    .map(({ fleet, d }) => fleetDeployment(fleet, d));
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    {
      ...input,
      operation: "ListFleetDeployments",
      filters: [fleets.length === 1 && input.FleetId ? fleets[0]!.fleetId : null],
      defaultLimit: 50,
    },
    async (afterId, limit) => sliceAfter(all, (d) => d.DeploymentId!, afterId, limit),
    (d) => d.DeploymentId!,
  );
  return { FleetDeployments: items, ...(nextToken ? { NextToken: nextToken } : {}) };
}
