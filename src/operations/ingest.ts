/**
 * The admin side of the event log: registering external fleets (hosted elsewhere, not simulated)
 * and ingesting batches of events for any fleet. A batch is validated whole before anything is
 * stored, and stored in one transaction: all or nothing.
 * An external fleet's Status follows the newest FLEET_STATE_* event ingested for it.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { retryStale } from "../fleets/lifecycle.js";
import { fleetArn, newFleetId, parseFleetRef } from "../fleets/ids.js";
import { compileCheck, validationProblems, satisfies } from "../model/validate.js";
import { conflict, invalidRequest, notFound } from "../protocol/errors.js";
import { isUniqueViolation } from "../store/conflicts.js";
import { newEventId } from "../store/event-ids.js";
import { hasNul } from "../store/text.js";
import type { Arrival, ArrivingEvents, FleetRecord, NewEvent, Scope, Store, StoredEvent } from "../store/types.js";
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

/** The model's constraints on an event (EventCode enum, lengths, Count range), compiled once. */
const eventSatisfiesModel = compileCheck("Event");
const STRING_FIELDS = ["EventId", "EventCode", "Message", "ResourceId", "Log"] as const;

/** The common case in one pass: an event every check below accepts. Anything else takes the slow path for its message. */
function eventIsValid(e: Record<string, unknown>): boolean {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return false;
  for (const key in e) if (!EVENT_FIELDS.has(key)) return false;
  if (typeof e.EventCode !== "string" || typeof e.Message !== "string") return false;
  for (const field of STRING_FIELDS) {
    const value = e[field];
    if (value !== undefined && (typeof value !== "string" || hasNul(value))) return false;
  }
  const t = e.EventTime;
  if (t !== undefined && (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 253402300799)) return false;
  if (e.Count !== undefined && !Number.isInteger(e.Count)) return false;
  return eventSatisfiesModel(e);
}

/** Checks one event's fields; returns its problem (naming the field) or undefined. */
function eventProblem(e: Record<string, unknown>): string | undefined {
  if (eventIsValid(e)) return undefined;
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "must be a JSON object";
  const unknown = Object.keys(e).find((k) => !EVENT_FIELDS.has(k));
  if (unknown) return `has unknown field '${unknown}'; known fields are ${[...EVENT_FIELDS].join(", ")}`;
  if (e.EventCode === undefined) return "EventCode is required";
  if (e.Message === undefined) return "Message is required";
  for (const field of STRING_FIELDS) {
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

/**
 * How long a batch may take to arrive while the store is already storing it (Store.takesArriving):
 * that append holds its fleet's lock, a database connection, and the live feed's horizon. A batch
 * slower than this is stored whole once it has arrived.
 */
const ARRIVING_BUDGET_MS = 500;
/** Events checked between the turns that let the store send them (see IngestBatch.arrive). */
const TURN_EVERY = 500;

/** A batch the store is storing as it arrives (AppendOptions.arriving). */
class ArrivingBatch implements ArrivingEvents {
  readonly stored: Promise<StoredEvent[]>;
  private settled: Arrival | undefined;
  private waiter: { count: number; resolve: (arrival: Arrival) => void } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    store: Store,
    scope: Scope,
    private readonly events: NewEvent[],
    readonly limit: number,
  ) {
    // Every text field was checked for U+0000 with the rest of the event (eventIsValid).
    this.stored = store.appendEvents(scope, events, [], { eventsStorable: true, arriving: this });
    this.stored.catch(() => undefined); // a dropped batch's rejection is expected; finish() awaits the rest
    this.timer = setTimeout(() => this.settle({ state: "dropped" }), ARRIVING_BUDGET_MS).unref();
  }

  wait(count: number): Promise<Arrival> {
    if (this.settled) return Promise.resolve(this.settled);
    if (this.events.length > count) return Promise.resolve({ state: "more" });
    return new Promise((resolve) => (this.waiter = { count, resolve }));
  }

  /** Tells the store of the events added since. */
  added(): void {
    if (this.waiter && this.events.length > this.waiter.count) this.wake({ state: "more" });
  }

  /** Completes or drops the batch; false when it was settled already (dropped, having taken too long). */
  settle(arrival: Arrival): boolean {
    if (this.settled) return false;
    this.settled = arrival;
    clearTimeout(this.timer);
    this.wake(arrival);
    return true;
  }

  private wake(arrival: Arrival): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(arrival);
  }
}

/** A fleet reference of the batch (FleetId, Region, AccountId as given) and what it resolved to. */
interface Resolved {
  ref: unknown;
  region: unknown;
  accountId: unknown;
  scope: Scope;
  fleet: FleetRecord;
}

/**
 * One ingest batch, built event by event as events arrive (a JSON body's array, an NDJSON stream's
 * lines), then stored whole by finish(): all or nothing. The answer names the first bad event, as
 * if every event had been checked in order; after it the rest are only counted. A fleet reference
 * is checked and looked up once per batch.
 */
export class IngestBatch {
  private readonly events: NewEvent[] = [];
  private readonly givenIds = new Set<string>();
  /** Resolved fleet references by FleetId, and the last one used (a JSON batch names one fleet). */
  private readonly resolved = new Map<unknown, Resolved[]>();
  private last: Resolved | undefined;
  private scope: Scope | undefined;
  private mixedScopes = false;
  private failure: unknown;
  private readonly now: number;
  /** Events offered, counted past the batch limit too (its message says how many). */
  private count = 0;
  /** The batch being stored as it arrives, while it names one fleet and the store can (Store.takesArriving). */
  private arriving: ArrivingBatch | undefined;
  private streamable = true;

  constructor(
    private readonly services: Services,
    private readonly defaultFleet?: string,
    private readonly bodyScope?: { Region?: unknown; AccountId?: unknown },
  ) {
    this.now = services.clock.now();
  }

  /**
   * Takes the next event. Returns a promise when its fleet is new to the batch and must be looked
   * up, or when the store should get a turn (see arrive); await it before adding the next event,
   * so that events keep their order.
   */
  add(raw: IngestEvent): Promise<void> | undefined {
    const index = this.count++;
    if (this.failure !== undefined || index >= MAX_INGEST_BATCH) return undefined;
    try {
      const where = `Events[${index}]`;
      const problem = eventProblem(raw as unknown as Record<string, unknown>);
      if (problem) throw invalidRequest(`${where}: ${problem}.${NOTHING_STORED}`);
      if (raw.EventId !== undefined) {
        if (this.givenIds.has(raw.EventId))
          throw conflict(`${where}: EventId ${raw.EventId} appears twice in this batch.${NOTHING_STORED}`);
        this.givenIds.add(raw.EventId);
      }
      const ref = raw.FleetId ?? this.defaultFleet;
      const region = raw.Region ?? this.bodyScope?.Region;
      const accountId = raw.AccountId ?? this.bodyScope?.AccountId;
      const last = this.last;
      if (last && last.ref === ref && last.region === region && last.accountId === accountId) return this.push(raw, last);
      const known = this.resolved.get(ref)?.find((r) => r.region === region && r.accountId === accountId);
      if (known) return this.push(raw, known);
      return this.lookUp(where, raw, ref, region, accountId).catch((err: unknown) => {
        this.failure = err;
      });
    } catch (err) {
      this.failure = err;
      return undefined;
    }
  }

  private async lookUp(where: string, raw: IngestEvent, ref: unknown, region: unknown, accountId: unknown): Promise<void> {
    if (typeof ref !== "string" || !satisfies(ref, "FleetIdOrArn")) {
      throw invalidRequest(
        `${where}: FleetId must be a fleet ID (fleet-...) or fleet ARN, got ${JSON.stringify(ref ?? null)}.${NOTHING_STORED}`,
      );
    }
    const scope = fleetRefScope(this.services, `${where}: `, ref, region, accountId, NOTHING_STORED);
    const fleet = await findFleet(this.services.store, scope, ref);
    if (!fleet) {
      throw notFound(`${where}: fleet ${ref} not found in account ${scope.accountId}, region ${scope.region}.${NOTHING_STORED}`);
    }
    const resolved: Resolved = { ref, region, accountId, scope, fleet };
    const same = this.resolved.get(ref);
    if (same) same.push(resolved);
    else this.resolved.set(ref, [resolved]);
    await this.push(raw, resolved);
  }

  private push(raw: IngestEvent, resolved: Resolved): Promise<void> | undefined {
    this.last = resolved;
    const { scope, fleet } = resolved;
    if (!this.scope) this.scope = scope;
    else if (this.scope.accountId !== scope.accountId || this.scope.region !== scope.region) this.mixedScopes = true;
    const event: NewEvent = {
      eventId: raw.EventId ?? newEventId(),
      fleetId: fleet.fleetId,
      resourceId: raw.ResourceId ?? fleet.fleetId,
      eventCode: raw.EventCode,
      message: raw.Message,
      eventTimeMs: raw.EventTime !== undefined ? Math.round(raw.EventTime * 1000) : this.now,
    };
    if (raw.Count !== undefined) event.count = raw.Count;
    if (raw.Log !== undefined) event.log = raw.Log;
    this.events.push(event);
    return this.arrive(event);
  }

  /**
   * Tells the append under way of a new event, or starts one; a batch naming a second fleet or
   * scope is stored whole. Every TURN_EVERY events, a turn of the event loop (the promise returned)
   * lets the store send what is checked while the rest is checked.
   */
  private arrive(event: NewEvent): Promise<void> | undefined {
    if (!this.streamable) return undefined;
    if (!this.arriving) {
      if (!this.services.store.takesArriving) return void (this.streamable = false);
      this.arriving = new ArrivingBatch(this.services.store, this.scope!, this.events, MAX_INGEST_BATCH);
    } else if (event.fleetId !== this.events[0]!.fleetId || this.mixedScopes) {
      this.drop();
      this.streamable = false;
      return undefined;
    }
    this.arriving.added();
    return this.events.length % TURN_EVERY === 0 ? nextTurn() : undefined;
  }

  private drop(): void {
    this.arriving?.settle({ state: "dropped" });
    this.arriving = undefined;
  }

  /** Stores the batch in one transaction, or throws the answer for its first problem. */
  async finish(): Promise<{ EventIds: string[] }> {
    try {
      return await this.finishChecked();
    } finally {
      this.drop(); // unless stored, nothing of an append under way is
    }
  }

  private async finishChecked(): Promise<{ EventIds: string[] }> {
    if (this.count === 0) throw invalidRequest("Events must hold at least one event.");
    if (this.count > MAX_INGEST_BATCH)
      throw invalidRequest(`A batch holds at most ${MAX_INGEST_BATCH} events; this one has ${this.count}. Split it.`);
    if (this.failure !== undefined) throw this.failure;
    if (this.mixedScopes) {
      throw invalidRequest("A batch may only hold events of one account and region; send one batch per account and region.");
    }
    const stored = await this.store(this.scope!);
    return { EventIds: stored.map((e) => e.eventId) };
  }

  private async store(scope: Scope): Promise<StoredEvent[]> {
    const { services, events } = this;
    // One record per fleet, however many ways the batch named it.
    let read = [...new Map([...this.resolved.values()].flat().map(({ fleet }) => [fleet.fleetId, fleet])).values()];
    try {
      // Statuses follow from the fleets as they are when written: when another node wrote one first,
      // the batch is redone from fresh reads.
      let attempts = 0;
      return await retryStale(async () => {
        if (attempts++ > 0) read = await Promise.all(read.map(async (f) => (await services.store.getFleet(f, f.fleetId)) ?? f));
        const updated = read.map((f) => followStatus(f, events)).filter((f): f is FleetRecord => !!f);
        // The append under way takes the first attempt (unless it took too long); a retry starts afresh.
        const arriving = this.arriving;
        this.arriving = undefined;
        if (arriving?.settle({ state: "complete", fleets: updated })) return arriving.stored;
        // Every text field was checked for U+0000 with the rest of the event (eventIsValid).
        return services.store.appendEvents(scope, events, updated, { eventsStorable: true });
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw conflict(`An EventId of this batch is already stored on this server (events keep their IDs).${NOTHING_STORED}`);
    }
  }
}

/** Ingests a batch given whole (a JSON body's Events). */
export async function ingestEvents(
  services: Services,
  events: IngestEvent[],
  defaultFleet?: string,
  bodyScope?: { Region?: unknown; AccountId?: unknown },
): Promise<{ EventIds: string[] }> {
  const batch = new IngestBatch(services, defaultFleet, bodyScope);
  for (const event of events) {
    const lookup = batch.add(event);
    if (lookup) await lookup;
  }
  return batch.finish();
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
