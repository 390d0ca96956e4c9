/**
 * The admin side of the event log: registering external fleets (hosted elsewhere, not simulated)
 * and ingesting batches of events for any fleet. A batch is validated whole before anything is
 * stored, and stored in one transaction: all or nothing.
 * An external fleet's Status follows the newest FLEET_STATE_* event ingested for it.
 */
import { retryStale } from "../fleets/lifecycle.js";
import { fleetArn, newFleetId, parseFleetRef } from "../fleets/ids.js";
import { validationProblems, satisfies } from "../model/validate.js";
import { conflict, invalidRequest, notFound } from "../protocol/errors.js";
import { isUniqueViolation } from "../store/conflicts.js";
import { newEventId } from "../store/event-ids.js";
import { hasNul } from "../store/text.js";
import type { FleetRecord, NewEvent, Scope } from "../store/types.js";
import type { Services } from "./context.js";
import { findFleet } from "./fleet-lookup.js";
import { checkRegion } from "./regions.js";

export interface RegisterFleetInput {
  Name: string;
  /** Register under this fleet ID or ARN (a fleet copied from elsewhere) instead of a new one. */
  FleetId?: string;
  Region?: string;
  AccountId?: string;
}

export interface IngestEvent {
  /** Keep this event ID (an event copied from elsewhere) instead of assigning one; it must be new to this server. */
  EventId?: string;
  FleetId?: string;
  Region?: string;
  AccountId?: string;
  EventCode: string;
  Message: string;
  EventTime?: number;
  ResourceId?: string;
  Log?: string;
  Count?: number;
}

export const MAX_INGEST_BATCH = 10_000;
const ACCOUNT_PATTERN = /^\d{12}$/;
const EVENT_FIELDS = new Set([
  "EventId",
  "FleetId",
  "Region",
  "AccountId",
  "EventCode",
  "Message",
  "EventTime",
  "ResourceId",
  "Log",
  "Count",
]);

/** The account and region an admin request names (body fields), or the server defaults. */
export function scopeOf(services: Services, where: string, region: unknown, accountId: unknown): Scope {
  if (region !== undefined && typeof region !== "string") throw invalidRequest(`${where}Region must be a string such as "us-west-2".`);
  if (accountId !== undefined && (typeof accountId !== "string" || !ACCOUNT_PATTERN.test(accountId))) {
    throw invalidRequest(`${where}AccountId must be a 12-digit AWS account ID, got ${JSON.stringify(accountId)}.`);
  }
  const scope = { region: region ?? services.defaultScope.region, accountId: accountId ?? services.defaultScope.accountId };
  checkRegion(scope.region);
  return scope;
}

/**
 * The scope a fleet reference lives in: an ARN names its own account and region (explicit Region and
 * AccountId must then agree with it); a bare ID lives in the given or the default scope.
 */
export function fleetRefScope(services: Services, where: string, ref: string, region: unknown, accountId: unknown, suffix = ""): Scope {
  const arnScope = parseFleetRef(ref).arnScope;
  const scope = scopeOf(services, where, region ?? arnScope?.region, accountId ?? arnScope?.accountId);
  if (arnScope && (arnScope.region !== scope.region || arnScope.accountId !== scope.accountId)) {
    throw invalidRequest(
      `${where}FleetId ${ref} is in ${arnScope.accountId}/${arnScope.region} but the request names ${scope.accountId}/${scope.region}.${suffix}`,
    );
  }
  return scope;
}

const NOTHING_STORED = " Nothing in this batch was stored.";

export async function registerFleet(services: Services, input: RegisterFleetInput): Promise<{ FleetId: string; FleetArn: string }> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw invalidRequest("Body must be a JSON object.");
  if (typeof input.Name === "string" && hasNul(input.Name))
    throw invalidRequest("Name must not contain U+0000 (NUL), which liftlog does not store.");
  if (typeof input.Name !== "string" || !satisfies(input.Name, "NonZeroAndMaxString")) {
    throw invalidRequest("Name is required: a string of 1 to 1024 characters.");
  }
  const { scope, fleetId } = registrationScope(services, input);
  const now = services.clock.now();
  const fleet: FleetRecord = {
    ...scope,
    fleetId,
    fleetArn: fleetArn(scope, fleetId),
    name: input.Name,
    kind: "external",
    status: "NEW",
    creationTimeMs: now,
    deleted: false,
    attributes: { ComputeType: "ANYWHERE", NewGameSessionProtectionPolicy: "NoProtection", MetricGroups: ["default"] },
  };
  if (await services.store.getFleet(scope, fleetId)) throw fleetExists(fleetId, scope);
  try {
    await services.store.createFleet(fleet);
  } catch (err) {
    if (isUniqueViolation(err)) throw fleetExists(fleetId, scope);
    throw err;
  }
  return { FleetId: fleet.fleetId, FleetArn: fleet.fleetArn };
}

const fleetExists = (fleetId: string, scope: Scope) =>
  conflict(
    `Fleet ${fleetId} already exists in account ${scope.accountId}, region ${scope.region}; register it once, then ingest its events.`,
  );

/** Where a registration lands and under which ID: a new one, or the FleetId given (an ARN names its own account and region). */
function registrationScope(services: Services, input: RegisterFleetInput): { scope: Scope; fleetId: string } {
  if (input.FleetId === undefined) return { scope: scopeOf(services, "", input.Region, input.AccountId), fleetId: newFleetId() };
  if (typeof input.FleetId !== "string" || !satisfies(input.FleetId, "FleetIdOrArn")) {
    throw invalidRequest(
      `FleetId must be a fleet ID (fleet-<letters, digits, hyphens>) or fleet ARN (arn:aws:gamelift:<region>:<account>:fleet/fleet-...), got ${JSON.stringify(input.FleetId)}.`,
    );
  }
  const { fleetId, arnScope } = parseFleetRef(input.FleetId);
  const scope = scopeOf(services, "", input.Region ?? arnScope?.region, input.AccountId ?? arnScope?.accountId);
  if (arnScope && (arnScope.region !== scope.region || arnScope.accountId !== scope.accountId)) {
    throw invalidRequest(
      `FleetId ${input.FleetId} is in ${arnScope.accountId}/${arnScope.region} but the body names ${scope.accountId}/${scope.region}.`,
    );
  }
  return { scope, fleetId };
}

/** Checks one event's fields; returns its problem (naming the field) or undefined. */
function eventProblem(e: Record<string, unknown>): string | undefined {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "must be a JSON object";
  const unknown = Object.keys(e).find((k) => !EVENT_FIELDS.has(k));
  if (unknown) return `has unknown field '${unknown}'; known fields are ${[...EVENT_FIELDS].join(", ")}`;
  if (e.EventCode === undefined) return "EventCode is required";
  if (e.Message === undefined) return "Message is required";
  for (const field of ["EventId", "EventCode", "Message", "ResourceId", "Log"] as const) {
    if (e[field] !== undefined && typeof e[field] !== "string") return `${field} must be a string`;
    if (typeof e[field] === "string" && hasNul(e[field])) return `${field} must not contain U+0000 (NUL), which liftlog does not store`;
  }
  if (e.EventTime !== undefined) {
    const t = e.EventTime;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 253402300799) {
      return `EventTime must be epoch seconds (e.g. 1700000000.123), got ${JSON.stringify(t)}`;
    }
  }
  if (e.Count !== undefined && (typeof e.Count !== "number" || !Number.isInteger(e.Count))) return "Count must be an integer";
  if (e.EventId !== undefined && !satisfies(e.EventId as string, "NonZeroAndMaxString")) return "EventId must be 1 to 1024 characters";
  // The model's Event shape holds the rest: EventCode enum, lengths, Count range.
  const { EventCode, Message, ResourceId, Count } = e;
  const problems = validationProblems({ EventCode, Message, ResourceId, Count }, "Event");
  return problems[0];
}

export async function ingestEvents(
  services: Services,
  batch: IngestEvent[],
  defaultFleet?: string,
  bodyScope?: { Region?: unknown; AccountId?: unknown },
): Promise<{ EventIds: string[] }> {
  if (batch.length === 0) throw invalidRequest("Events must hold at least one event.");
  if (batch.length > MAX_INGEST_BATCH)
    throw invalidRequest(`A batch holds at most ${MAX_INGEST_BATCH} events; this one has ${batch.length}. Split it.`);
  const now = services.clock.now();
  const fleets = new Map<string, FleetRecord>();
  const byScope = new Map<string, { scope: Scope; events: NewEvent[] }>();
  const order: { key: string; index: number }[] = [];
  const givenIds = new Set<string>();

  for (const [i, raw] of batch.entries()) {
    const where = `Events[${i}]`;
    const problem = eventProblem(raw as unknown as Record<string, unknown>);
    if (problem) throw invalidRequest(`${where}: ${problem}. Nothing in this batch was stored.`);
    if (raw.EventId !== undefined) {
      if (givenIds.has(raw.EventId))
        throw conflict(`${where}: EventId ${raw.EventId} appears twice in this batch. Nothing in this batch was stored.`);
      givenIds.add(raw.EventId);
    }
    const ref = raw.FleetId ?? defaultFleet;
    if (typeof ref !== "string" || !satisfies(ref, "FleetIdOrArn")) {
      throw invalidRequest(
        `${where}: FleetId must be a fleet ID (fleet-...) or fleet ARN, got ${JSON.stringify(ref ?? null)}. Nothing in this batch was stored.`,
      );
    }
    const scope = fleetRefScope(
      services,
      `${where}: `,
      ref,
      raw.Region ?? bodyScope?.Region,
      raw.AccountId ?? bodyScope?.AccountId,
      NOTHING_STORED,
    );
    const key = `${scope.accountId}/${scope.region}/${ref}`;
    let fleet = fleets.get(key);
    if (!fleet) {
      fleet = await findFleet(services.store, scope, ref);
      if (!fleet)
        throw notFound(
          `${where}: fleet ${ref} not found in account ${scope.accountId}, region ${scope.region}. Nothing in this batch was stored.`,
        );
      fleets.set(key, fleet);
    }
    const group = `${scope.accountId}/${scope.region}`;
    if (!byScope.has(group)) byScope.set(group, { scope, events: [] });
    const events = byScope.get(group)!.events;
    order.push({ key: group, index: events.length });
    events.push({
      eventId: raw.EventId ?? newEventId(),
      fleetId: fleet.fleetId,
      resourceId: raw.ResourceId ?? fleet.fleetId,
      eventCode: raw.EventCode,
      message: raw.Message,
      eventTimeMs: raw.EventTime !== undefined ? Math.round(raw.EventTime * 1000) : now,
      ...(raw.Count !== undefined ? { count: raw.Count } : {}),
      ...(raw.Log !== undefined ? { log: raw.Log } : {}),
    });
  }
  if (byScope.size > 1) {
    throw invalidRequest("A batch may only hold events of one account and region; send one batch per account and region.");
  }
  const [{ scope, events }] = [...byScope.values()] as [{ scope: Scope; events: NewEvent[] }];
  let stored;
  try {
    // Statuses follow from the fleets as they are when written: when another node wrote one first,
    // the batch is redone from fresh reads.
    let read = [...fleets.values()];
    let attempts = 0;
    stored = await retryStale(async () => {
      if (attempts++ > 0) read = await Promise.all(read.map(async (f) => (await services.store.getFleet(f, f.fleetId)) ?? f));
      const updated = read.map((f) => followStatus(f, events)).filter((f): f is FleetRecord => !!f);
      return services.store.appendEvents(scope, events, updated);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw conflict("An EventId of this batch is already stored on this server (events keep their IDs). Nothing in this batch was stored.");
  }
  return { EventIds: order.map(({ index }) => stored[index]!.eventId) };
}

/** The external fleet's record after these events, or undefined when its status does not move. */
function followStatus(fleet: FleetRecord, events: NewEvent[]): FleetRecord | undefined {
  if (fleet.kind !== "external") return undefined;
  // Imported history may predate the registration: the newest state event wins, whenever it happened.
  const since = (fleet.attributes.statusTimeMs as number | undefined) ?? Number.NEGATIVE_INFINITY;
  let newest: NewEvent | undefined;
  for (const e of events) {
    if (e.fleetId !== fleet.fleetId || e.eventTimeMs < since) continue;
    if (!e.eventCode.startsWith("FLEET_STATE_") && e.eventCode !== "FLEET_DELETED") continue;
    if (!newest || e.eventTimeMs >= newest.eventTimeMs) newest = e;
  }
  if (!newest) return undefined;
  const deleted = newest.eventCode === "FLEET_DELETED";
  return {
    ...fleet,
    status: deleted ? "TERMINATED" : newest.eventCode.slice("FLEET_STATE_".length),
    deleted,
    ...(deleted ? { terminationTimeMs: newest.eventTimeMs } : {}),
    attributes: { ...fleet.attributes, statusTimeMs: newest.eventTimeMs },
  };
}
