/**
 * A simulated fleet's lifecycle position, kept in FleetRecord.state and written in the same
 * transaction as the events that move it, so a restarted server resumes every fleet where it stood:
 * its pending steps (the agenda, each due at a service-clock time), capacity, instances, remote
 * locations and VPC peerings.
 */
import { createHash } from "node:crypto";
import type { RuntimeConfiguration } from "@aws-sdk/client-gamelift";
import { newEventId } from "../store/event-ids.js";
import type { FleetRecord, NewEvent } from "../store/types.js";
import type { Deployment } from "./deployments.js";
import type { StoredScalingPolicy } from "./scaling.js";
import type { FleetKind, Stage, StageDurations } from "./scenarios.js";

export interface Capacity {
  desired: number;
  min: number;
  max: number;
  active: number;
  pending: number;
  /** Instances draining after a scale-in, gone after the "terminating" stage (absent in states written before). */
  terminating?: number;
}

export interface Peering {
  id: string;
  peerVpcId: string;
  peerAccountId: string;
  /** initiating-request, active, failed, deleting: the connection's EC2-style status code. */
  status: string;
  gameLiftVpcId: string;
  cidr: string;
}

/** A compute registered with RegisterCompute on an Anywhere fleet: the caller's own machine. */
export interface RegisteredCompute {
  name: string;
  location: string;
  ipAddress?: string;
  dnsName?: string;
  certificatePath?: string;
  /** Service-clock time of registration. */
  registeredMs: number;
}

export type Step =
  | { kind: "create"; index: number }
  | { kind: "location"; location: string; index: number }
  | { kind: "location-delete"; location: string }
  | { kind: "delete" }
  | { kind: "cycle"; index: number }
  | { kind: "ready"; location: string; count: number }
  | { kind: "terminated"; location: string; count: number }
  | { kind: "peering"; id: string }
  | { kind: "peering-delete"; id: string }
  | { kind: "deploy" }
  | { kind: "scale" };

export type Scheduled = Step & { at: number; n: number };

export interface FleetState {
  kind: FleetKind;
  scenario: string;
  /** Options of the creation path (see creationPath). */
  peering: boolean;
  activates: boolean;
  agenda: Scheduled[];
  /** Counts steps and instances, for a stable order and deterministic instance IDs. */
  serial: number;
  /** The home location's instances, oldest first; the last `capacity[home].pending` of them are still PENDING. */
  instances: string[];
  /** When each of those instances was launched (service clock); absent in states written before it was kept. */
  launchedMs?: Record<string, number>;
  /** PutScalingPolicy's policies, evaluated once a minute (scaling.ts). */
  scalingPolicies?: StoredScalingPolicy[];
  /** Container fleets: their deployments, oldest first (deployments.ts). */
  deployments?: Deployment[];
  /** Anywhere fleets: registered computes, oldest first; runtime events name the first. */
  computes?: RegisteredCompute[];
  /** The time of the fleet's latest event: each later event is at least 1 ms after it, so event times alone give their order. */
  lastEventMs?: number;
  /** By location: the home Region and each remote location. */
  capacity: Record<string, Capacity>;
  /** Remote locations and their LOCATION_STATE_* status (PENDING ... ACTIVE, ERROR, DELETING, DELETED). */
  locations: Record<string, string>;
  /** Stopped fleet actions by location. */
  stoppedActions: Record<string, string[]>;
  peerings: Peering[];
  /** EC2 fleets: how server processes are launched (validation logs, DescribeRuntimeConfiguration). */
  runtime?: RuntimeConfiguration;
}

export interface MachineEnv {
  durations: StageDurations;
}

export function newState(kind: FleetKind, scenario: string, home: string): FleetState {
  return {
    kind,
    scenario,
    peering: false,
    activates: true,
    agenda: [],
    serial: 0,
    instances: [],
    capacity: { [home]: { desired: 1, min: 0, max: 1, active: 0, pending: kind === "ANYWHERE" ? 0 : 1 } },
    locations: {},
    stoppedActions: {},
    peerings: [],
  };
}

/** EC2-style instance IDs, derived from the fleet and a counter so that logs and events are reproducible. */
export const instanceId = (fleetId: string, n: number) => `i-${createHash("sha256").update(`${fleetId}/${n}`).digest("hex").slice(0, 17)}`;

/** The compute an Anywhere fleet's events name when no compute is registered (names like RegisterCompute's). */
export const computeName = (fleetId: string) => `compute-${createHash("sha256").update(`${fleetId}/compute`).digest("hex").slice(0, 17)}`;

export const stateOf = (fleet: FleetRecord) => fleet.state as unknown as FleetState;

/** One location's entry in a by-location table of the state: only its own entries, whatever name the caller gives. */
export const atLocation = <T>(table: Record<string, T>, location: string): T | undefined =>
  Object.hasOwn(table, location) ? table[location] : undefined;

/**
 * A working copy of one fleet while a step or an operation changes it: events to append, status,
 * steps to schedule. `result()` gives the record and events to write in one store transaction.
 */
export class Transition {
  readonly events: NewEvent[] = [];
  readonly fleet: FleetRecord;
  readonly state: FleetState;

  constructor(
    fleet: FleetRecord,
    readonly env: MachineEnv,
    /** The service-clock time of the change (a step's due time, or now for an operation). */
    public at: number,
  ) {
    this.fleet = structuredClone(fleet);
    this.state = stateOf(this.fleet);
  }

  get id(): string {
    return this.fleet.fleetId;
  }

  get home(): string {
    return this.fleet.region;
  }

  emit(code: string, message: string, extra: { resourceId?: string; log?: string; coalesce?: boolean } = {}): NewEvent {
    // Events of one moment (a failure and FLEET_STATE_ERROR, a fleet and its locations) get
    // successive milliseconds: readers that order by EventTime alone see them in the order they happened.
    const time = this.state ? Math.max(this.at, (this.state.lastEventMs ?? Number.NEGATIVE_INFINITY) + 1) : this.at;
    if (this.state) this.state.lastEventMs = time;
    const event: NewEvent = {
      eventId: newEventId(),
      fleetId: this.fleet.fleetId,
      resourceId: extra.resourceId ?? this.fleet.fleetId,
      eventCode: code,
      message,
      eventTimeMs: time,
      ...(extra.log !== undefined ? { log: extra.log } : {}),
      ...(extra.coalesce ? { coalesce: true } : {}),
    };
    this.events.push(event);
    return event;
  }

  setStatus(status: string): void {
    this.fleet.status = status;
  }

  /** Milliseconds a stage lasts. */
  stage(stage: Stage | undefined): number {
    return stage ? this.env.durations[stage] * 1000 : 0;
  }

  schedule(step: Step, at: number): void {
    const scheduled = { ...step, at, n: this.state.serial++ } as Scheduled;
    this.state.agenda.push(scheduled);
    this.state.agenda.sort((a, b) => a.at - b.at || a.n - b.n);
  }

  /** Drops pending steps that match. */
  cancel(match: (step: Scheduled) => boolean): void {
    if (!this.state) return; // an external fleet has no agenda
    this.state.agenda = this.state.agenda.filter((s) => !match(s));
  }

  newInstance(): string {
    const id = instanceId(this.fleet.fleetId, this.state.serial++);
    // Launch times of instances still running, and of this one (which the caller is about to add).
    const launched = Object.entries(this.state.launchedMs ?? {}).filter(([i]) => this.state.instances.includes(i));
    this.state.launchedMs = Object.fromEntries([...launched, [id, this.at]]);
    return id;
  }

  /** The home location's instances that are running (not PENDING), oldest first. */
  activeInstances(): string[] {
    const pending = this.state.capacity[this.home]?.pending ?? 0;
    return this.state.instances.slice(0, Math.max(0, this.state.instances.length - pending));
  }

  /** Instances still starting (PENDING). */
  pendingInstances(): string[] {
    return this.state.instances.slice(this.activeInstances().length);
  }

  /**
   * What a runtime event happens on: an Anywhere fleet's first registered compute (or, before any
   * is registered, a compute name derived from the fleet), else the oldest running instance.
   */
  runtimeResource(): string | undefined {
    if (this.state.kind === "ANYWHERE") return this.state.computes?.[0]?.name ?? computeName(this.fleet.fleetId);
    return this.activeInstances()[0];
  }

  result(): { fleet: FleetRecord; events: NewEvent[] } {
    const next = this.state?.agenda[0]?.at;
    const { nextDueMs: _previous, ...rest } = this.fleet;
    const fleet: FleetRecord = {
      ...rest,
      ...(this.state ? { state: this.state as unknown as Record<string, unknown> } : {}),
      ...(next !== undefined ? { nextDueMs: next } : {}),
    };
    return { fleet, events: this.events };
  }
}
