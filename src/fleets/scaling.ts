/**
 * Auto scaling: a fleet's scaling policies, evaluated once a minute on the service clock in every
 * ACTIVE location whose AUTO_SCALING actions are not stopped. A policy that changes a location's
 * desired capacity does so as UpdateFleetCapacity would, with a FLEET_SCALING_EVENT whose message
 * names the policy and the metric value that moved it.
 *
 * Metrics come from the simulated fleet: liftlog runs no game sessions, so every ACTIVE server
 * process is an available game session and every ACTIVE instance is idle.
 */
import type { FleetRecord } from "../store/types.js";
import { setCapacity } from "./machine.js";
import { scalingMessage } from "./messages.js";
import { atLocation, type FleetState, type Transition } from "./state.js";

export const EVALUATION_MS = 60_000;

export interface StoredScalingPolicy {
  name: string;
  policyType: "RuleBased" | "TargetBased";
  metricName: string;
  comparisonOperator?: string;
  threshold?: number;
  evaluationPeriods?: number;
  scalingAdjustment?: number;
  scalingAdjustmentType?: string;
  targetValue?: number;
  /** Rule-based: consecutive minutes the rule has held, by location. */
  breaches: Record<string, number>;
}

/** Server processes one instance runs: the runtime configuration's, or one per game server container group. */
export function processesPerInstance(fleet: FleetRecord, state: FleetState): number {
  if (state.kind === "CONTAINER") {
    if (!fleet.attributes.GameServerContainerGroupDefinitionName) return 0;
    return (fleet.attributes.GameServerContainerGroupsPerInstance as number | undefined) ?? 1;
  }
  const configured = state.runtime?.ServerProcesses?.reduce((sum, p) => sum + (p.ConcurrentExecutions ?? 0), 0);
  return configured ?? (fleet.attributes.ServerLaunchPath ? 1 : 0);
}

/** A metric's value in one location of the fleet now. */
export function metric(fleet: FleetRecord, state: FleetState, location: string, name: string): number {
  const active = atLocation(state.capacity, location)?.active ?? 0;
  const available = active * processesPerInstance(fleet, state);
  switch (name) {
    case "ActiveInstances":
    case "IdleInstances":
      return active;
    case "PercentIdleInstances":
      return active > 0 ? 100 : 0;
    case "AvailableGameSessions":
    case "ConcurrentActivatableGameSessions":
      return available;
    case "PercentAvailableGameSessions":
      return available > 0 ? 100 : 0;
    default:
      // Game sessions, player sessions, queue depth and wait time: none are simulated.
      return 0;
  }
}

const HOLDS: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** The desired capacity a policy asks for in a location now, with why; undefined when it asks nothing. */
function decide(t: Transition, p: StoredScalingPolicy, location: string, desired: number): { desired: number; why: string } | undefined {
  const value = metric(t.fleet, t.state, location, p.metricName);
  if (p.policyType === "TargetBased") {
    // Keep TargetValue percent of game sessions available: the instances the active sessions need (none here) plus that buffer.
    const perInstance = processesPerInstance(t.fleet, t.state);
    const sessions = metric(t.fleet, t.state, location, "ActiveGameSessions");
    const share = 1 - p.targetValue! / 100;
    const needed = perInstance > 0 && share > 0 ? Math.ceil(sessions / (share * perInstance)) : desired;
    return { desired: needed, why: `target ${p.targetValue}% ${p.metricName}, now ${value}% with ${sessions} active game sessions` };
  }
  const breaches = (p.breaches[location] ?? 0) + 1;
  const holds = HOLDS[p.comparisonOperator!]!(value, p.threshold!);
  p.breaches[location] = holds ? breaches : 0;
  if (!holds || breaches < p.evaluationPeriods!) return undefined;
  p.breaches[location] = 0;
  const adjustment = p.scalingAdjustment!;
  const next =
    p.scalingAdjustmentType === "ExactCapacity"
      ? adjustment
      : p.scalingAdjustmentType === "PercentChangeInCapacity"
        ? desired + Math.round((desired * adjustment) / 100)
        : desired + adjustment;
  return { desired: next, why: `${p.metricName} ${value} ${p.comparisonOperator} ${p.threshold} for ${p.evaluationPeriods} minute(s)` };
}

/** One evaluation of every policy; schedules the next while the fleet has policies. */
export function evaluateScaling(t: Transition): void {
  const policies = t.state.scalingPolicies ?? [];
  // A fleet that will never run again (failed, expired) needs no more evaluations.
  if (policies.length === 0 || ["ERROR", "EXPIRED", "TERMINATED"].includes(t.fleet.status)) return;
  t.schedule({ kind: "scale" }, t.at + EVALUATION_MS);
  for (const location of Object.keys(t.state.capacity)) {
    const status = location === t.home ? t.fleet.status : atLocation(t.state.locations, location);
    if (status !== "ACTIVE" || atLocation(t.state.stoppedActions, location)?.includes("AUTO_SCALING")) {
      // Suspended or not running: rules count their periods afresh once evaluation resumes.
      for (const p of policies) delete p.breaches[location];
      continue;
    }
    for (const p of policies) {
      const capacity = t.state.capacity[location]!;
      const decision = decide(t, p, location, capacity.desired);
      if (!decision) continue;
      const desired = Math.min(capacity.max, Math.max(capacity.min, decision.desired));
      if (desired === capacity.desired) continue;
      const before = { ...capacity };
      setCapacity(t, location, { desired, min: capacity.min, max: capacity.max });
      t.emit("FLEET_SCALING_EVENT", `${scalingMessage(t.id, location, before, capacity)} Scaling policy ${p.name}: ${decision.why}.`);
    }
  }
}

/** Starts the once-a-minute evaluation if it is not running. */
export function startScaling(t: Transition): void {
  if (!t.state.agenda.some((s) => s.kind === "scale")) t.schedule({ kind: "scale" }, t.at + EVALUATION_MS);
}
