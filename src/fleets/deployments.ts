/**
 * Container fleet deployments, kept in the fleet's state so that they are written with the events
 * that move them. A fleet's creation, and each UpdateContainerFleet that deploys, opens one
 * (IN_PROGRESS in the home Region and each live remote location); it is COMPLETE in a location when
 * that location is ACTIVE on the new settings, and COMPLETE once every location is.
 *
 * While a deployment rolls out, failures of game server container groups (crashes, unhealthy
 * replacements, server processes that never get ready) count against its MinimumHealthyPercentage:
 * when the healthy share of the fleet's game server container groups drops below it, the deployment
 * fails. With ImpairmentStrategy ROLLBACK it is ROLLBACK_IN_PROGRESS, then ROLLBACK_COMPLETE; with
 * MAINTAIN it is IMPAIRED. Either way the fleet returns to the definitions of its last deployment
 * for another "updating" stage before it is ACTIVE again. A deployment replaced by a newer one
 * before it finished is CANCELLED.
 */
import type { DeploymentConfiguration } from "@aws-sdk/client-gamelift";
import { atLocation, type FleetState, type Transition } from "./state.js";

export interface Deployment {
  id: string;
  createdMs: number;
  /** DeploymentStatus: IN_PROGRESS, IMPAIRED, COMPLETE, ROLLBACK_IN_PROGRESS, ROLLBACK_COMPLETE, CANCELLED. */
  status: string;
  config: Required<DeploymentConfiguration>;
  /** The versioned container group definition ARNs deployed, and those a failure returns to. */
  targets: Targets;
  rollback?: Targets;
  /** The DeploymentStatus in each location the deployment covers (the home Region first). */
  locations: Record<string, string>;
  /** Game server container groups that failed while it rolled out. */
  failures: number;
}

export interface Targets {
  gameServer?: string;
  perInstance?: string;
}

export const DEFAULT_DEPLOYMENT: Required<DeploymentConfiguration> = {
  ProtectionStrategy: "WITH_PROTECTION",
  MinimumHealthyPercentage: 75,
  ImpairmentStrategy: "MAINTAIN",
};

/** Runtime events that mean a game server container group of the new version is not healthy. */
const GROUP_FAILURES = new Set([
  "GAME_SERVER_CONTAINER_GROUP_CRASHED",
  "GAME_SERVER_CONTAINER_GROUP_REPLACED_UNHEALTHY",
  "SERVER_PROCESS_CRASHED",
  "SERVER_PROCESS_TERMINATED_UNHEALTHY",
  "SERVER_PROCESS_PROCESS_READY_TIMEOUT",
  "SERVER_PROCESS_SDK_INITIALIZATION_FAILED",
  "SERVER_PROCESS_MISCONFIGURED_CONTAINER_PORT",
]);

const UNDER_WAY = new Set(["IN_PROGRESS", "ROLLBACK_IN_PROGRESS"]);
const FINISHED_AS: Record<string, string> = { IN_PROGRESS: "COMPLETE", ROLLBACK_IN_PROGRESS: "ROLLBACK_COMPLETE" };

/** The container group definition versions a fleet's attributes name. */
export const targetsOf = (attributes: Record<string, unknown>): Targets => ({
  ...(attributes.GameServerContainerGroupDefinitionArn ? { gameServer: attributes.GameServerContainerGroupDefinitionArn as string } : {}),
  ...(attributes.PerInstanceContainerGroupDefinitionArn
    ? { perInstance: attributes.PerInstanceContainerGroupDefinitionArn as string }
    : {}),
});

/** Locations a deployment reaches: the home Region and every remote location not being removed. */
const liveLocations = (state: FleetState, home: string) => [
  home,
  ...Object.entries(state.locations)
    .filter(([, status]) => !["DELETING", "DELETED", "ERROR"].includes(status))
    .map(([location]) => location),
];

export function newDeployment(spec: {
  id: string;
  at: number;
  config?: DeploymentConfiguration;
  targets: Targets;
  rollback?: Targets;
  locations: string[];
}): Deployment {
  return {
    id: spec.id,
    createdMs: spec.at,
    status: "IN_PROGRESS",
    config: { ...DEFAULT_DEPLOYMENT, ...definedOnly(spec.config ?? {}) },
    targets: spec.targets,
    ...(spec.rollback && (spec.rollback.gameServer || spec.rollback.perInstance) ? { rollback: spec.rollback } : {}),
    locations: Object.fromEntries(spec.locations.map((l) => [l, "IN_PROGRESS"])),
    failures: 0,
  };
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export const latestDeployment = (state: FleetState): Deployment | undefined => state.deployments?.at(-1);

/**
 * UpdateContainerFleet deploys: the deployment under way (if any) is CANCELLED, and a new one starts
 * for the fleet's settings now. A failure returns to `before` (the versions the fleet ran), or, when
 * the deployment being replaced never finished, to where that one would have returned.
 */
export function openDeployment(t: Transition, id: string, config: DeploymentConfiguration | undefined, before: Targets): void {
  const previous = latestDeployment(t.state);
  cancelDeployments(t);
  const rollback = previous && previous.status !== "COMPLETE" && previous.rollback ? previous.rollback : before;
  const locations = liveLocations(t.state, t.home);
  const deployment = newDeployment({ id, at: t.at, config, targets: targetsOf(t.fleet.attributes), rollback, locations });
  (t.state.deployments ??= []).push(deployment);
}

/** Deployments under way end CANCELLED (a newer deployment, or the fleet's deletion). */
export function cancelDeployments(t: Transition): void {
  for (const d of t.state.deployments ?? []) {
    if (!UNDER_WAY.has(d.status)) continue;
    d.status = "CANCELLED";
    for (const [l, s] of Object.entries(d.locations)) if (UNDER_WAY.has(s)) d.locations[l] = "CANCELLED";
  }
}

/** A location is ACTIVE on the latest deployment's settings: its part is done, and the deployment once every live location's is. */
export function locationDeployed(t: Transition, location: string): void {
  const d = t.state ? latestDeployment(t.state) : undefined;
  const status = d && atLocation(d.locations, location);
  if (!d || !status || !FINISHED_AS[status]) return;
  d.locations[location] = FINISHED_AS[status]!;
  const live = new Set(liveLocations(t.state, t.home));
  const open = Object.entries(d.locations).some(([l, s]) => live.has(l) && UNDER_WAY.has(s));
  if (!open && FINISHED_AS[d.status]) d.status = FINISHED_AS[d.status]!;
}

/** The game server container groups a deployment rolls out: groups per instance times the instances of its locations. */
function groupsDeployed(t: Transition, d: Deployment): number {
  const perInstance = (t.fleet.attributes.GameServerContainerGroupsPerInstance as number | undefined) ?? 1;
  const instances = Object.keys(d.locations).reduce((n, l) => {
    const c = atLocation(t.state.capacity, l);
    return n + (c ? c.active + c.pending : 0);
  }, 0);
  return perInstance * Math.max(1, instances);
}

/**
 * A runtime event during a rollout: a failed game server container group counts against the
 * deployment, which fails once fewer than MinimumHealthyPercentage of the groups are healthy.
 */
export function deploymentFailure(t: Transition, code: string): void {
  const d = latestDeployment(t.state);
  if (!d || d.status !== "IN_PROGRESS" || t.fleet.status !== "UPDATING" || !GROUP_FAILURES.has(code)) return;
  d.failures += 1;
  const groups = groupsDeployed(t, d);
  const healthy = (100 * Math.max(0, groups - d.failures)) / groups;
  if (healthy >= d.config.MinimumHealthyPercentage) return;
  const to = d.config.ImpairmentStrategy === "ROLLBACK" ? "ROLLBACK_IN_PROGRESS" : "IMPAIRED";
  d.status = to;
  for (const [l, s] of Object.entries(d.locations)) if (s === "IN_PROGRESS") d.locations[l] = to;
  if (d.rollback) returnTo(t, d.rollback);
  // Returning the fleet to its last deployment's versions takes another updating stage.
  t.cancel((s) => s.kind === "deploy");
  t.schedule({ kind: "deploy" }, t.at + t.stage("updating"));
}

/** The fleet's settings name the definition versions of `targets` again. */
function returnTo(t: Transition, targets: Targets): void {
  const a = t.fleet.attributes;
  for (const [slot, arn] of [
    ["GameServer", targets.gameServer],
    ["PerInstance", targets.perInstance],
  ] as const) {
    if (arn) {
      a[`${slot}ContainerGroupDefinitionArn`] = arn;
      a[`${slot}ContainerGroupDefinitionName`] = arn.slice(arn.indexOf("/") + 1).split(":")[0];
    } else {
      delete a[`${slot}ContainerGroupDefinitionArn`];
      delete a[`${slot}ContainerGroupDefinitionName`];
    }
  }
}
