/**
 * What the operations need from storage. Every store (SQLite, PostgreSQL) implements this one
 * interface and passes one contract suite (test/contract). Methods are async so that a network
 * database fits the same shape.
 *
 * Events are ordered newest first: EventTime descending, then the store-assigned sequence number
 * descending (the later-stored of two events at the same millisecond comes first).
 */

/** The account and region everything is scoped by. */
export interface Scope {
  accountId: string;
  region: string;
}

export interface FleetRecord extends Scope {
  fleetId: string;
  fleetArn: string;
  name: string;
  /** "simulated" fleets run liftlog's lifecycle; "external" ones follow the events ingested for them. */
  kind: "simulated" | "external";
  status: string;
  creationTimeMs: number;
  terminationTimeMs?: number;
  deleted: boolean;
  /** The GameLift-shaped attributes (FleetAttributes members) beyond the columns above. */
  attributes: Record<string, unknown>;
  /**
   * liftlog's own bookkeeping for the fleet (its lifecycle position, capacity, locations, tags),
   * opaque to the store. Absent on fleets that have none.
   */
  state?: Record<string, unknown>;
  /** Service-clock time of the fleet's next scheduled transition; absent when nothing is pending. */
  nextDueMs?: number;
  /**
   * The row's version when it was read. Writing a record that carries one succeeds only while the
   * row still has that version (else StaleFleet, and nothing of the write is kept), so two nodes
   * changing one fleet at once cannot both apply a change made from the same state. Every write
   * bumps it.
   */
  version?: number;
}

export interface NewEvent {
  eventId: string;
  fleetId: string;
  resourceId: string;
  eventCode: string;
  message: string;
  eventTimeMs: number;
  count?: number;
  log?: string;
  /** A repeatable event (a crash, an interruption) that may add to a stored repeat's Count: see AppendOptions. */
  coalesce?: boolean;
}

export interface StoredEvent extends NewEvent {
  seq: number;
  count: number;
  hasLog: boolean;
}

/**
 * An appended event as both stores return it, with its sequence number: a literal of fixed shape.
 * Not a spread: on the differently shaped events of one batch, {...event} falls to V8's slow path
 * (about 5 µs an event).
 */
export function storedEvent(event: NewEvent, seq: number): StoredEvent {
  const stored: StoredEvent = {
    eventId: event.eventId,
    fleetId: event.fleetId,
    resourceId: event.resourceId,
    eventCode: event.eventCode,
    message: event.message,
    eventTimeMs: event.eventTimeMs,
    seq,
    count: event.count ?? 1,
    hasLog: event.log !== undefined,
  };
  if (event.log !== undefined) stored.log = event.log;
  if (event.coalesce !== undefined) stored.coalesce = event.coalesce;
  return stored;
}

/** A position in a fleet's log: the last event a page returned. */
export interface Cursor {
  eventTimeMs: number;
  seq: number;
}

/**
 * A position in the order events were appended (the live feed's order, unlike the newest-first
 * EventTime order of queryEvents). SQLite appends one at a time, so its sequence number alone is the
 * position (`txid` 0). PostgreSQL transactions may commit out of sequence-number order, so there it
 * is the appending transaction's ID, then the sequence number; a reader only reads past
 * transactions that have all finished, so a slower transaction can never land behind a reader.
 */
export interface AppendPosition {
  txid: number;
  seq: number;
}

export interface AppendedEvent extends StoredEvent {
  position: AppendPosition;
}

/** One fleet's events, or (no fleetId) the events of every fleet of the scope. */
export interface FeedQuery {
  fleetId?: string;
  limit: number;
}

export interface EventQuery {
  fleetId: string;
  /** Inclusive bounds in epoch milliseconds. */
  startMs?: number;
  endMs?: number;
  /** Return only events strictly after this cursor in newest-first order. */
  after?: Cursor;
  limit: number;
}

export interface FleetQuery {
  /** Return fleets created after this one (by the store's insertion order). */
  afterFleetId?: string;
  limit: number;
  includeDeleted?: boolean;
}

export interface AppendOptions {
  /**
   * Count coalescing, for events marked `coalesce`: one that repeats an event already stored for the
   * same fleet, resource, code and message whose first occurrence (its EventTime) lies within this
   * many milliseconds before it increments that event's Count instead of adding a row, up to 101;
   * the next repeat starts a new event. The returned StoredEvent is then the existing event with its
   * new count. Other events (state changes) are always rows of their own.
   */
  coalesceWithinMs?: number;
  /** Ends this owner's claim (claimDueFleets) on the fleets written, in the same transaction. */
  releaseClaimOf?: string;
  /**
   * The caller has already refused U+0000 in every text field of these events (as the admin API's
   * validation does): the store does not scan them again. Fleets are still checked.
   */
  eventsStorable?: boolean;
  /**
   * The batch is still arriving (an ingest body being read and checked): `events` grows while the
   * store works, and the store may store the first events while the rest are being checked. Only
   * for stores with `takesArriving`, only for events of one fleet, and with `eventsStorable`.
   */
  arriving?: ArrivingEvents;
}

/** What an append still arriving (AppendOptions.arriving) is told of the batch. */
export type Arrival = { state: "more" } | { state: "complete"; fleets: FleetRecord[] } | { state: "dropped" };

export interface ArrivingEvents {
  /** At most this many events will arrive. */
  readonly limit: number;
  /**
   * Resolves once the events hold more than `count` events ("more") or the batch is settled:
   * complete (store it, and write `fleets` with it) or dropped (store nothing; the append rejects).
   */
  wait(count: number): Promise<Arrival>;
}

/** The most times one stored event counts a repeat (the model's Count maximum). */
export const MAX_EVENT_COUNT = 101;

export interface DueClaim {
  /** Who claims: one name per server process. */
  owner: string;
  /** Wall-clock milliseconds the claim holds if its owner never commits (it crashed, say). */
  leaseMs: number;
  limit: number;
}

/** A GameLift resource that is not a fleet (a build, a custom location, a container group definition). */
export interface ResourceRecord {
  type: string;
  id: string;
  body: Record<string, unknown>;
}

export interface EventStore {
  /** Whether appendEvents takes batches still arriving (AppendOptions.arriving). */
  readonly takesArriving?: boolean;
  /**
   * Stores events atomically (all or none), in order, returning them with their sequence numbers.
   * `fleets` are fleet records written in the same transaction (a status that moves with an event).
   */
  appendEvents(scope: Scope, events: NewEvent[], fleets?: FleetRecord[], options?: AppendOptions): Promise<StoredEvent[]>;
  /** Newest first, keyset-paged: the cost of a page does not depend on its depth. */
  queryEvents(scope: Scope, query: EventQuery): Promise<StoredEvent[]>;
  getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined>;
  /**
   * Retention: deletes at most `limit` events (of any fleet) older than `cutoffMs`, with their logs,
   * in one short transaction; returns how many it deleted. Callers loop while it returns `limit`.
   */
  deleteEventsBefore(cutoffMs: number, limit: number): Promise<number>;
  /** The position after every append that has finished: a feed that starts "now" starts here. */
  appendHead(): Promise<AppendPosition>;
  /**
   * A value that differs after any committed write to the store — by this process or another on the
   * same data — so that something read before can be reused while it is unchanged; undefined when
   * the store cannot tell cheaply (then nothing read may be reused).
   */
  changeMark(): Promise<string | undefined>;
  /**
   * Events appended after `after`, in append order, at most `limit`. `through` is where the next
   * read continues: the last event's position, or the append head when the page is not full (so a
   * reader of a quiet fleet does not rescan other fleets' appends).
   */
  readAppended(scope: Scope, query: FeedQuery & { after: AppendPosition }): Promise<{ events: AppendedEvent[]; through: AppendPosition }>;
  /**
   * Events with EventTime at or after `sinceMs` that were appended at or before `head`, oldest first
   * (EventTime, then sequence number), strictly after `from` in that order.
   */
  replayEvents(scope: Scope, query: FeedQuery & { sinceMs: number; from?: Cursor; head: AppendPosition }): Promise<StoredEvent[]>;
}

export interface FleetStore {
  /** Registers a fleet together with its first events, atomically. */
  createFleet(fleet: FleetRecord, events?: NewEvent[]): Promise<StoredEvent[]>;
  getFleet(scope: Scope, fleetId: string): Promise<FleetRecord | undefined>;
  listFleets(scope: Scope, query: FleetQuery): Promise<FleetRecord[]>;
  /** Replaces status, deletion and attributes of an existing fleet. */
  updateFleet(fleet: FleetRecord): Promise<void>;
  /**
   * Claims fleets (of every account and region) whose nextDueMs is at or before `untilMs`, earliest
   * first, that no other owner holds a live claim on. A claim lasts until its owner writes the fleet
   * with `releaseClaimOf` or the lease runs out, so that no two server nodes run the same transition.
   */
  claimDueFleets(untilMs: number, claim: DueClaim): Promise<FleetRecord[]>;
  /** The earliest nextDueMs of any fleet, or undefined when nothing is scheduled. */
  nextDueMs(): Promise<number | undefined>;
}

/** Builds, custom locations, container group definitions: JSON bodies by type and ID, in creation order. */
export interface ResourceStore {
  /** Inserts, or replaces the body of, the resource; a replaced one keeps its place in listings. */
  putResource(scope: Scope, resource: ResourceRecord): Promise<void>;
  /** Inserts the resource unless one of that type and ID exists: false, and nothing written, if one does. */
  insertResource(scope: Scope, resource: ResourceRecord): Promise<boolean>;
  /**
   * Replaces the body of the resource only while its stored body still equals `expected` (the body
   * read before the change): false, and nothing written, when another writer changed or deleted it.
   */
  replaceResource(scope: Scope, resource: ResourceRecord, expected: ResourceRecord["body"]): Promise<boolean>;
  getResource(scope: Scope, type: string, id: string): Promise<ResourceRecord | undefined>;
  /** Resources of a type created after `afterId` (insertion order), at most `limit`. */
  listResources(scope: Scope, type: string, query: { afterId?: string; limit: number }): Promise<ResourceRecord[]>;
  /**
   * True when there was such a resource (and, given `expected`, its body still equalled it, as in
   * replaceResource: otherwise nothing is deleted).
   */
  deleteResource(scope: Scope, type: string, id: string, expected?: ResourceRecord["body"]): Promise<boolean>;
}

/** The service clock's high-water mark, shared by all nodes: the clock never runs behind it. */
export interface ClockStore {
  readClock(): Promise<number | undefined>;
  /** Raises the mark to `ms` if it is later; returns the mark. */
  advanceClock(ms: number): Promise<number>;
}

/**
 * A webhook subscription: which events of one account and region go to which URL. Subscriptions
 * never change after creation; they are created and deleted.
 */
export interface SubscriptionRecord extends Scope {
  subscriptionId: string;
  url: string;
  /** Only these fleets (IDs); absent: every fleet of the scope. */
  fleetIds?: string[];
  /** As asked for; what matches is `matchCodes`. */
  eventCodes?: string[];
  categories?: string[];
  /** Event codes that match (EventCodes and the Categories' codes together); absent: every code. */
  matchCodes?: string[];
  /** Key of the HMAC-SHA256 body signature; absent: deliveries are unsigned. */
  secret?: string;
  createdMs: number;
}

export interface SubscriptionSummary extends SubscriptionRecord {
  pending: number;
  parked: number;
}

/** One event owed to one subscription, as the delivery worker needs it. */
export interface Delivery {
  deliveryId: number;
  subscription: SubscriptionRecord;
  fleetArn: string;
  event: StoredEvent;
  /** Failed attempts so far. */
  attempts: number;
  parked: boolean;
  nextAttemptMs: number;
  lastError?: string;
}

/** What happened to a claimed delivery's attempt that failed. */
export interface DeliveryFailure {
  error: string;
  /** Wall-clock time of the next attempt; ignored when parked. */
  nextAttemptMs: number;
  /** No more attempts until re-driven. */
  park: boolean;
}

/**
 * The durable outbox of webhook deliveries. appendEvents and createFleet add one delivery per
 * (new event, matching subscription) in their own transaction, so an acknowledged event is never
 * without its deliveries. Deliveries of one subscription and fleet (a lane) go out in store order:
 * only a lane's oldest unparked delivery can be claimed. Times here are wall-clock milliseconds.
 */
export interface DeliveryStore {
  createSubscription(subscription: SubscriptionRecord): Promise<void>;
  listSubscriptions(): Promise<SubscriptionSummary[]>;
  getSubscription(subscriptionId: string): Promise<SubscriptionSummary | undefined>;
  /** Ends the subscription and drops its undelivered deliveries; false when there was none. */
  deleteSubscription(subscriptionId: string): Promise<boolean>;
  /**
   * Claims up to `limit` lane heads due by `nowMs` that no live claim holds, oldest due first (see
   * DueClaim), each with up to `perLane - 1` deliveries behind it; returned lane by lane, in lane order.
   */
  claimDeliveries(nowMs: number, claim: DueClaim & { perLane: number }): Promise<Delivery[]>;
  /** Gives up claims not acted on (the lane stopped at a failure, or the worker is stopping). */
  releaseDeliveries(deliveryIds: number[], owner: string): Promise<void>;
  /** The delivery succeeded: removes it, if `owner` still holds it. */
  completeDelivery(deliveryId: number, owner: string): Promise<void>;
  /**
   * The attempt failed: counts it, schedules the next or parks, and ends the claim. Unless parked,
   * the rest of its lane waits until the same time (so the due scan passes over it); the owner's
   * claims on the rest of the lane end too.
   */
  failDelivery(deliveryId: number, owner: string, failure: DeliveryFailure): Promise<void>;
  /** A subscription's deliveries in store order, parked ones or pending ones. */
  listDeliveries(subscriptionId: string, query: { parked: boolean; afterId?: number; limit: number }): Promise<Delivery[]>;
  /** Makes parked deliveries (all of the subscription's, or those named) due now with fresh attempts; returns how many. */
  redriveDeliveries(subscriptionId: string, nowMs: number, deliveryIds?: number[]): Promise<number>;
  /** Undelivered deliveries of every subscription, for metrics. */
  deliveryBacklog(): Promise<{ pending: number; parked: number }>;
  /** Fleets whose next lifecycle transition is due at or before `untilMs`, for metrics. */
  countDueFleets(untilMs: number): Promise<number>;
}

export interface Store extends EventStore, FleetStore, ResourceStore, ClockStore, DeliveryStore {
  /** A secret of the deployment (token and URL signing), created on first use and shared by all nodes. */
  secret(name: string): Promise<Buffer>;
  close(): Promise<void>;
}
