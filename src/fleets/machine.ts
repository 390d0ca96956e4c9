/**
 * The fleet state machine. A fleet's pending steps (its agenda) run in due order; each step emits
 * its events at its due time on the service clock, moves the fleet's status and schedules what
 * comes next. Nothing here touches the store or the wall clock: the engine (lifecycle.ts) and the
 * operations hand in a Transition and write out its result.
 */
import { processLog, stageLog, type LogContext } from "./logs.js";
import {
  creationMessage,
  deletedMessage,
  expiredMessage,
  locationMessage,
  peeringMessage,
  runtimeMessage,
  stateMessage,
  type MessageContext,
} from "./messages.js";
import { cancelDeployments, deploymentFailure, locationDeployed } from "./deployments.js";
import { evaluateScaling } from "./scaling.js";
import { creationPath, LOCATION_PATH, scenario, type PathEntry } from "./scenarios.js";
import type { Capacity, FleetState, Peering, Scheduled, Transition } from "./state.js";

/** The launch paths of the runtime configuration: EC2 fleets always have one; Anywhere fleets when their agent runs one; container fleets none. */
export function launchPaths(t: Transition): LogContext["launchPaths"] {
  const configured = t.state.runtime?.ServerProcesses ?? [];
  if (t.state.kind === "CONTAINER") return [];
  if (configured.length > 0) {
    return configured.map((p) => ({ path: p.LaunchPath!, parameters: p.Parameters, concurrent: p.ConcurrentExecutions ?? 1 }));
  }
  if (t.state.kind === "ANYWHERE") return [];
  const legacy = t.fleet.attributes.ServerLaunchPath as string | undefined;
  const windows = String(t.fleet.attributes.OperatingSystem ?? "").startsWith("WINDOWS");
  return [{ path: legacy ?? (windows ? "C:\\game\\GameServer.exe" : "/local/game/GameServer"), concurrent: 1 }];
}

/** What messages and logs say about an event on `resource` (an instance, or an Anywhere fleet's compute). */
export function context(t: Transition, resource: string | undefined): MessageContext & LogContext {
  const paths = launchPaths(t);
  return {
    fleet: t.fleet,
    instance: resource,
    host: t.state.kind === "ANYWHERE" ? "compute" : "instance",
    at: t.at,
    launchPaths: paths,
    launchPath: paths[0]?.path,
    failure: scenario(t.state.scenario).failure?.code,
  };
}

const pathOf = (s: FleetState): PathEntry[] => creationPath(scenario(s.scenario), s.kind, { peering: s.peering, activates: s.activates });

/** Runs the steps due at or before `until`, at most `maxSteps`; true when more are due. */
export function runDue(t: Transition, until: number, maxSteps = Number.POSITIVE_INFINITY): boolean {
  for (let n = 0; t.state.agenda.length > 0 && t.state.agenda[0]!.at <= until; n++) {
    if (n >= maxSteps) return true;
    const step = t.state.agenda.shift()!;
    t.at = step.at;
    applyStep(t, step);
  }
  return false;
}

function applyStep(t: Transition, step: Scheduled): void {
  switch (step.kind) {
    case "create":
      return creationStep(t, step.index);
    case "location":
      return locationStep(t, step.location, step.index);
    case "location-delete":
      t.state.locations[step.location] = "DELETED";
      delete t.state.capacity[step.location];
      t.emit("LOCATION_STATE_DELETED", locationMessage(t.id, step.location, "DELETED"));
      return;
    case "delete":
      return finishDeletion(t);
    case "cycle":
      return cycleStep(t, step.index);
    case "ready": {
      const capacity = t.state.capacity[step.location];
      if (capacity) {
        const ready = Math.min(step.count, capacity.pending);
        capacity.pending -= ready;
        capacity.active += ready;
      }
      return;
    }
    case "terminated": {
      const capacity = t.state.capacity[step.location];
      if (capacity) capacity.terminating = Math.max(0, (capacity.terminating ?? 0) - step.count);
      return;
    }
    case "peering":
      return settlePeering(t, step.id);
    case "peering-delete": {
      const p = t.state.peerings.find((x) => x.id === step.id);
      if (!p) return;
      t.state.peerings = t.state.peerings.filter((x) => x !== p);
      t.emit("FLEET_VPC_PEERING_DELETED", peeringMessage(t.id, p, "FLEET_VPC_PEERING_DELETED"));
      return;
    }
    case "deploy":
      return finishDeployment(t);
    case "scale":
      return evaluateScaling(t);
  }
}

/** The creation path's event number `index`, at the step's time; schedules the next one. */
export function creationStep(t: Transition, index: number): void {
  const path = pathOf(t.state);
  const entry = path[index]!;
  if (entry.status) t.setStatus(entry.status);
  // Creation happens on the fleet's first instance (none when it could not get one).
  const c = context(t, t.state.instances[0]);
  if (entry.code === "FLEET_VPC_PEERING_SUCCEEDED" || entry.code === "FLEET_VPC_PEERING_FAILED") {
    settlePeering(t, t.state.peerings[0]!.id);
  } else {
    t.emit(entry.code, creationMessage(entry.code, c), entry.log ? { log: stageLog(entry.log, c) } : {});
  }
  if (entry.code === "FLEET_STATE_ACTIVE") becameActive(t);
  if (entry.code === "FLEET_STATE_ERROR") failed(t);
  const next = path[index + 1];
  // A container fleet's first deployment is done in its home Region once the fleet runs (or, with no game server group, is CREATED).
  if (entry.code === "FLEET_STATE_ACTIVE" || (!next && entry.code !== "FLEET_STATE_ERROR")) locationDeployed(t, t.home);
  if (next) t.schedule({ kind: "create", index: index + 1 }, t.at + t.stage(next.after));
}

function becameActive(t: Transition): void {
  const home = t.state.capacity[t.home]!;
  home.active += home.pending;
  home.pending = 0;
  for (const [location, status] of Object.entries(t.state.locations)) {
    if (status === "PENDING") t.schedule({ kind: "location", location, index: 1 }, t.at + t.stage(LOCATION_PATH[1]!.after));
  }
  const cycle = scenario(t.state.scenario).cycle;
  if (cycle) t.schedule({ kind: "cycle", index: 0 }, t.at + cycle[0]!.afterSeconds * 1000);
}

/** Creation failed: no instances remain, and remote locations waiting on the fleet fail with it. */
function failed(t: Transition): void {
  t.state.instances = [];
  for (const capacity of Object.values(t.state.capacity)) Object.assign(capacity, { active: 0, pending: 0 });
  moveLocations(t, (status) => status !== "DELETED" && status !== "DELETING", "ERROR");
}

/** Moves each remote location whose status `from` accepts to `to`, with its LOCATION_STATE_* event. */
function moveLocations(t: Transition, from: (status: string) => boolean, to: string): void {
  for (const [location, status] of Object.entries(t.state.locations)) {
    if (!from(status)) continue;
    t.state.locations[location] = to;
    t.emit(`LOCATION_STATE_${to}`, locationMessage(t.id, location, to));
  }
}

function locationStep(t: Transition, location: string, index: number): void {
  const entry = LOCATION_PATH[index]!;
  t.state.locations[location] = entry.status;
  t.emit(entry.code, locationMessage(t.id, location, entry.status));
  const next = LOCATION_PATH[index + 1];
  if (next) {
    t.schedule({ kind: "location", location, index: index + 1 }, t.at + t.stage(next.after));
    return;
  }
  const capacity = t.state.capacity[location]!;
  capacity.active += capacity.pending;
  capacity.pending = 0;
  locationDeployed(t, location);
}

function cycleStep(t: Transition, index: number): void {
  const cycle = scenario(t.state.scenario).cycle!;
  const entry = cycle[index]!;
  // While every instance is still starting (a replacement), nothing runs that could fail.
  const resource = t.runtimeResource();
  if (resource) {
    emitRuntime(t, entry.code, resource);
    if (entry.replacesInstance) replaceInstance(t, resource);
  }
  const next = (index + 1) % cycle.length;
  t.schedule({ kind: "cycle", index: next }, t.at + cycle[next]!.afterSeconds * 1000);
}

/** A runtime event on one instance (or container group, or compute), repeats coalescing; process failures carry the process's log. */
export function emitRuntime(t: Transition, code: string, resourceId: string, message?: string) {
  const c = context(t, resourceId);
  const log = code.startsWith("SERVER_PROCESS_") ? processLog(code, c) : undefined;
  const event = t.emit(code, message ?? runtimeMessage(code, c), { resourceId, coalesce: true, ...(log !== undefined ? { log } : {}) });
  deploymentFailure(t, code);
  return event;
}

/** GameLift replaces a lost instance: a new one starts (PENDING) and becomes ACTIVE after the replacing stage. */
export function replaceInstance(t: Transition, instance: string): void {
  const capacity = t.state.capacity[t.home];
  const i = t.state.instances.indexOf(instance);
  if (!capacity || i < 0) return;
  t.state.instances.splice(i, 1);
  t.state.instances.push(t.newInstance());
  capacity.active = Math.max(0, capacity.active - 1);
  capacity.pending += 1;
  t.schedule({ kind: "ready", location: t.home, count: 1 }, t.at + t.stage("replacing"));
}

function settlePeering(t: Transition, id: string): void {
  const p = t.state.peerings.find((x) => x.id === id);
  if (!p) return;
  const fails = scenario(t.state.scenario).requires === "vpc-peering";
  p.status = fails ? "failed" : "active";
  const code = fails ? "FLEET_VPC_PEERING_FAILED" : "FLEET_VPC_PEERING_SUCCEEDED";
  t.emit(code, peeringMessage(t.id, p, code));
}

// ---- Changes that operations start ----------------------------------------------------------

/**
 * A new fleet's first events: the creation path's start (with whatever of it happens at once), then
 * its remote locations waiting (PENDING), so no location has a state before its fleet does.
 */
export function beginCreation(t: Transition, remoteLocations: string[], peer?: { vpcId: string; accountId: string }): void {
  if (t.state.kind !== "ANYWHERE" && !scenario(t.state.scenario).noInstance) t.state.instances.push(t.newInstance());
  if (peer) startPeering(t, peer.vpcId, peer.accountId);
  creationStep(t, 0);
  runDue(t, t.at);
  for (const location of remoteLocations) addLocation(t, location);
}

export function addLocation(t: Transition, location: string): void {
  t.state.locations[location] = "PENDING";
  t.state.capacity[location] = { desired: 1, min: 0, max: 1, active: 0, pending: 1 };
  t.emit("LOCATION_STATE_PENDING", locationMessage(t.id, location, "PENDING"));
  if (t.fleet.status === "ACTIVE") t.schedule({ kind: "location", location, index: 1 }, t.at + t.stage(LOCATION_PATH[1]!.after));
}

export function removeLocation(t: Transition, location: string): void {
  t.cancel((s) => "location" in s && s.location === location);
  t.state.locations[location] = "DELETING";
  t.emit("LOCATION_STATE_DELETING", locationMessage(t.id, location, "DELETING"));
  t.schedule({ kind: "location-delete", location }, t.at + t.stage("deleting"));
}

/** DeleteFleet: DELETING now (its remote locations too), FLEET_DELETED and TERMINATED after the deleting stage. */
export function beginDeletion(t: Transition): void {
  t.cancel(() => true);
  if (t.state) cancelDeployments(t);
  t.setStatus("DELETING");
  moveLocations(t, (status) => status !== "DELETED" && status !== "DELETING", "DELETING");
  t.schedule({ kind: "delete" }, t.at + t.stage("deleting"));
}

function finishDeletion(t: Transition): void {
  moveLocations(t, (status) => status === "DELETING", "DELETED");
  t.emit("FLEET_DELETED", deletedMessage(t.id, t.fleet.status));
  endFleet(t);
}

/** The fleet is gone: TERMINATED, no instances, nothing pending. */
export function endFleet(t: Transition): void {
  t.cancel(() => true);
  t.setStatus("TERMINATED");
  t.fleet.deleted = true;
  t.fleet.terminationTimeMs = t.at;
  if (t.state) {
    t.state.instances = [];
    for (const capacity of Object.values(t.state.capacity)) Object.assign(capacity, { desired: 0, min: 0, active: 0, pending: 0 });
  }
}

/**
 * A container fleet deployment on an ACTIVE fleet: the fleet (its home Region) and each ACTIVE remote
 * location go UPDATING, and after the updating stage each location and then the fleet are ACTIVE
 * again. A deployment already under way is replaced by the new one and finishes with it. (What the
 * deployment itself records, and how it fails, is deployments.ts's.)
 */
export function startDeployment(t: Transition): void {
  t.cancel((s) => s.kind === "deploy");
  if (t.fleet.status !== "UPDATING") {
    t.setStatus("UPDATING");
    t.emit("FLEET_STATE_UPDATING", stateMessage(t.id, "UPDATING"));
  }
  moveLocations(t, (status) => status === "ACTIVE", "UPDATING");
  t.schedule({ kind: "deploy" }, t.at + t.stage("updating"));
}

function finishDeployment(t: Transition): void {
  const updating = Object.keys(t.state.locations).filter((l) => t.state.locations[l] === "UPDATING");
  moveLocations(t, (status) => status === "UPDATING", "ACTIVE");
  t.setStatus("ACTIVE");
  t.emit("FLEET_STATE_ACTIVE", stateMessage(t.id, "ACTIVE"));
  for (const location of [...updating, t.home]) locationDeployed(t, location);
}

export function expire(t: Transition): void {
  t.cancel(() => true);
  cancelDeployments(t);
  t.emit("FLEET_EXPIRED", expiredMessage(t.id, t.fleet.status));
  t.setStatus("EXPIRED");
}

export function startPeering(t: Transition, peerVpcId: string, peerAccountId: string): Peering {
  const n = t.state.serial++;
  const hex = t.newInstance().slice(2);
  const p: Peering = {
    id: `pcx-${hex}`,
    peerVpcId,
    peerAccountId,
    status: "initiating-request",
    gameLiftVpcId: `vpc-${hex.split("").reverse().join("")}`,
    cidr: `10.${n % 250}.0.0/16`,
  };
  t.state.peerings.push(p);
  return p;
}

export function deletePeering(t: Transition, p: Peering): void {
  p.status = "deleting";
  t.cancel((s) => s.kind === "peering" && s.id === p.id);
  t.schedule({ kind: "peering-delete", id: p.id }, t.at + t.stage("deleting"));
}

/**
 * UpdateFleetCapacity: new instances start (PENDING, then ACTIVE after the scaling stage); removed
 * ones that were still starting stop at once, running ones drain (TERMINATING) for the terminating stage.
 */
export function setCapacity(t: Transition, location: string, next: Omit<Capacity, "active" | "pending">): void {
  const capacity = t.state.capacity[location]!;
  Object.assign(capacity, next);
  const running = capacity.active + capacity.pending;
  if (capacity.desired > running) {
    const more = capacity.desired - running;
    capacity.pending += more;
    if (location === t.home) for (let i = 0; i < more; i++) t.state.instances.push(t.newInstance());
    t.schedule({ kind: "ready", location, count: more }, t.at + t.stage("scaling"));
  } else if (capacity.desired < running) {
    let fewer = running - capacity.desired;
    const fromPending = Math.min(fewer, capacity.pending);
    capacity.pending -= fromPending;
    fewer -= fromPending;
    capacity.active -= fewer;
    if (location === t.home) t.state.instances.splice(capacity.desired);
    if (fewer > 0) {
      capacity.terminating = (capacity.terminating ?? 0) + fewer;
      t.schedule({ kind: "terminated", location, count: fewer }, t.at + t.stage("terminating"));
    }
  }
}
