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
}

export interface StoredEvent extends NewEvent {
  seq: number;
  count: number;
  hasLog: boolean;
}

/** A position in a fleet's log: the last event a page returned. */
export interface Cursor {
  eventTimeMs: number;
  seq: number;
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

export interface EventStore {
  /**
   * Stores events atomically (all or none), in order, returning them with their sequence numbers.
   * `fleets` are fleet records written in the same transaction (a status that moves with an event).
   */
  appendEvents(scope: Scope, events: NewEvent[], fleets?: FleetRecord[]): Promise<StoredEvent[]>;
  /** Newest first, keyset-paged: the cost of a page does not depend on its depth. */
  queryEvents(scope: Scope, query: EventQuery): Promise<StoredEvent[]>;
  getEventLog(scope: Scope, eventId: string): Promise<{ fleetId: string; log: string } | undefined>;
  /**
   * Retention: deletes at most `limit` events (of any fleet) older than `cutoffMs`, with their logs,
   * in one short transaction; returns how many it deleted. Callers loop while it returns `limit`.
   */
  deleteEventsBefore(cutoffMs: number, limit: number): Promise<number>;
}

export interface FleetStore {
  /** Registers a fleet together with its first events, atomically. */
  createFleet(fleet: FleetRecord, events?: NewEvent[]): Promise<StoredEvent[]>;
  getFleet(scope: Scope, fleetId: string): Promise<FleetRecord | undefined>;
  listFleets(scope: Scope, query: FleetQuery): Promise<FleetRecord[]>;
  /** Replaces status, deletion and attributes of an existing fleet. */
  updateFleet(fleet: FleetRecord): Promise<void>;
}

export interface Store extends EventStore, FleetStore {
  /** A secret of the deployment (token and URL signing), created on first use and shared by all nodes. */
  secret(name: string): Promise<Buffer>;
  close(): Promise<void>;
}
