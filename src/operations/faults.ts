/**
 * Fault injection (admin API): POST /_liftlog/fleets/{FleetId}/faults
 *   {"EventCode": "SERVER_PROCESS_CRASHED", "Repeat": 1, "ResourceId": "i-...", "Message": "..."}
 * puts a runtime fault into a running simulated fleet, and the fleet reacts as the service would:
 * a lost instance (INSTANCE_INTERRUPTED, INSTANCE_RECYCLED, INSTANCE_REPLACED_UNHEALTHY) is replaced
 * (PENDING, then ACTIVE after the "replacing" stage); FLEET_EXPIRED ends the fleet's activity (status
 * EXPIRED). Repeats coalesce into one event's Count like any repeated event.
 */
import { emitRuntime, expire, replaceInstance } from "../fleets/machine.js";
import type { FleetKind } from "../fleets/scenarios.js";
import { parseRef } from "../fleets/ids.js";
import { satisfies, validationProblems } from "../model/validate.js";
import type { Transition } from "../fleets/state.js";
import { invalidFleetStatus, invalidRequest } from "../protocol/errors.js";
import type { Services } from "./context.js";
import { requireLiveState } from "./fleet-lookup.js";
import { liveForChange } from "./fleets.js";
import { scopeOf } from "./ingest.js";

interface Fault {
  kinds: readonly FleetKind[];
  /** Only Spot capacity is interrupted or recycled. */
  spot?: boolean;
  reaction?: "replace-instance" | "expire";
  /**
   * Only where GameLift itself starts server processes from a launch path: EC2 fleets, and Anywhere
   * fleets whose GameLift Agent runs a runtime configuration (a container starts its own process).
   */
  launchedByGameLift?: boolean;
  /** The container group the fleet must run for the fault to happen. */
  group?: "GameServer" | "PerInstance";
}

const ALL: readonly FleetKind[] = ["EC2", "ANYWHERE", "CONTAINER"];
const MANAGED: readonly FleetKind[] = ["EC2", "CONTAINER"];
const LAUNCHING: readonly FleetKind[] = ["EC2", "ANYWHERE"];
const CONTAINER: readonly FleetKind[] = ["CONTAINER"];

// A Map: a caller's EventCode only ever finds one of these, never Object.prototype's.
export const FAULTS: ReadonlyMap<string, Fault> = new Map(
  Object.entries({
    SERVER_PROCESS_INVALID_PATH: { kinds: LAUNCHING, launchedByGameLift: true },
    SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT: { kinds: LAUNCHING, launchedByGameLift: true },
    SERVER_PROCESS_PROCESS_READY_TIMEOUT: { kinds: ALL },
    SERVER_PROCESS_CRASHED: { kinds: ALL },
    SERVER_PROCESS_TERMINATED_UNHEALTHY: { kinds: ALL },
    SERVER_PROCESS_FORCE_TERMINATED: { kinds: ALL },
    SERVER_PROCESS_PROCESS_EXIT_TIMEOUT: { kinds: ALL },
    SERVER_PROCESS_SDK_INITIALIZATION_FAILED: { kinds: ALL },
    SERVER_PROCESS_MISCONFIGURED_CONTAINER_PORT: { kinds: CONTAINER, group: "GameServer" },
    GAME_SESSION_ACTIVATION_TIMEOUT: { kinds: ALL },
    INSTANCE_INTERRUPTED: { kinds: MANAGED, spot: true, reaction: "replace-instance" },
    INSTANCE_RECYCLED: { kinds: MANAGED, spot: true, reaction: "replace-instance" },
    INSTANCE_REPLACED_UNHEALTHY: { kinds: MANAGED, reaction: "replace-instance" },
    GAME_SERVER_CONTAINER_GROUP_CRASHED: { kinds: CONTAINER, group: "GameServer" },
    PER_INSTANCE_CONTAINER_GROUP_CRASHED: { kinds: CONTAINER, group: "PerInstance" },
    GAME_SERVER_CONTAINER_GROUP_REPLACED_UNHEALTHY: { kinds: CONTAINER, group: "GameServer" },
    COMPUTE_LOG_UPLOAD_FAILED: { kinds: ALL },
    GENERIC_EVENT: { kinds: ALL },
    FLEET_EXPIRED: { kinds: ALL, reaction: "expire" },
  } satisfies Record<string, Fault>),
);

export const MAX_FAULT_REPEAT = 10_000;
const FIELDS = ["EventCode", "Repeat", "ResourceId", "Message", "Region", "AccountId"];

interface FaultRequest {
  code: string;
  repeat: number;
  resourceId?: string;
  message?: string;
}

function parseFault(body: unknown): FaultRequest {
  const usage = `Body must be {"EventCode": "<one of ${[...FAULTS.keys()].join(", ")}>", "Repeat": 1, "ResourceId": "...", "Message": "..."} (Repeat, ResourceId and Message optional).`;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidRequest(usage);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !FIELDS.includes(k));
  if (unknown) throw invalidRequest(`Unknown field '${unknown}'. ${usage}`);
  if (typeof b.EventCode !== "string" || !FAULTS.has(b.EventCode)) {
    throw invalidRequest(
      `EventCode ${JSON.stringify(b.EventCode ?? null)} is not a runtime fault. Valid values: ${[...FAULTS.keys()].join(", ")}.`,
    );
  }
  const repeat = b.Repeat ?? 1;
  if (typeof repeat !== "number" || !Number.isInteger(repeat) || repeat < 1 || repeat > MAX_FAULT_REPEAT) {
    throw invalidRequest(`Repeat must be an integer from 1 to ${MAX_FAULT_REPEAT}, got ${JSON.stringify(repeat)}.`);
  }
  for (const field of ["ResourceId", "Message"] as const) {
    if (b[field] !== undefined && typeof b[field] !== "string") throw invalidRequest(`${field} must be a string.`);
  }
  // The model's Event shape bounds ResourceId and Message.
  const problem = validationProblems({ ResourceId: b.ResourceId, Message: b.Message }, "Event")[0];
  if (problem) throw invalidRequest(problem);
  return { code: b.EventCode, repeat, resourceId: b.ResourceId as string | undefined, message: b.Message as string | undefined };
}

export async function injectFault(services: Services, fleetRef: string, body: unknown): Promise<{ EventIds: string[] }> {
  if (!satisfies(fleetRef, "FleetIdOrArn")) throw invalidRequest(`${JSON.stringify(fleetRef)} is not a fleet ID (fleet-...) or fleet ARN.`);
  const fault = parseFault(body);
  const b = body as Record<string, unknown>;
  const arnScope = parseRef(fleetRef).arnScope;
  const scope = scopeOf(services, "", b.Region ?? arnScope?.region, b.AccountId ?? arnScope?.accountId);
  const { fleet, state } = await requireLiveState(services.store, scope, fleetRef);
  const spec = FAULTS.get(fault.code)!;
  if (!spec.kinds.includes(state.kind)) {
    throw invalidRequest(`${fault.code} applies to ${spec.kinds.join("/")} fleets; fleet ${fleet.fleetId} is ${state.kind}.`);
  }
  const billing = state.kind === "CONTAINER" ? fleet.attributes.BillingType : fleet.attributes.FleetType;
  if (spec.spot && billing !== "SPOT")
    throw invalidRequest(`${fault.code} happens to Spot instances; fleet ${fleet.fleetId} is ${String(billing ?? "ON_DEMAND")}.`);
  if (spec.launchedByGameLift && state.kind === "ANYWHERE" && !state.runtime?.ServerProcesses?.length) {
    throw invalidRequest(
      `${fault.code} happens only where GameLift starts the server processes; Anywhere fleet ${fleet.fleetId} has no runtime configuration for the GameLift Agent, so its processes are started by you.`,
    );
  }
  if (spec.group && !fleet.attributes[`${spec.group}ContainerGroupDefinitionName`]) {
    const which = spec.group === "GameServer" ? "game server" : "per-instance";
    throw invalidRequest(`${fault.code} happens to a ${which} container group; container fleet ${fleet.fleetId} runs none.`);
  }
  const { events } = await services.lifecycle.change(scope, fleet.fleetId, (t) => {
    liveForChange(t, "Fault injection");
    const running = ["ACTIVE", "UPDATING"].includes(t.fleet.status);
    if (spec.reaction === "expire" ? t.fleet.status === "EXPIRED" : !running) {
      throw invalidFleetStatus(`Fleet ${t.id} is ${t.fleet.status}; runtime faults apply to a running (ACTIVE) fleet.`);
    }
    if (spec.reaction === "expire") return expire(t);
    for (let i = 0; i < fault.repeat; i++) emitFault(t, fault, spec, i);
  });
  return { EventIds: [...new Set(events.map((e) => e.eventId))] };
}

/** One occurrence, on the named resource or the fleet's oldest running instance (or compute). */
function emitFault(t: Transition, fault: FaultRequest, spec: Fault, occurrence: number): void {
  if (fault.resourceId && t.pendingInstances().includes(fault.resourceId)) {
    throw invalidRequest(
      `Instance ${fault.resourceId} of fleet ${t.id} is still PENDING (starting); runtime faults happen on running instances.`,
    );
  }
  const resource = fault.resourceId ?? t.runtimeResource();
  if (!resource) {
    const after = occurrence > 0 ? ` after ${occurrence} of the ${fault.repeat} occurrences` : "";
    throw invalidFleetStatus(`Fleet ${t.id} has no running instance${after}: every instance is still PENDING (starting).`);
  }
  emitRuntime(t, fault.code, resource, fault.message);
  if (spec.reaction === "replace-instance") replaceInstance(t, resource);
}
