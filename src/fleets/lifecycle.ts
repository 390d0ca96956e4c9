/**
 * The seam where fleets come to life. Today a created fleet is registered as NEW and emits
 * FLEET_CREATED; a deleted one emits FLEET_DELETED. The lifecycle engine (state machines on a clock)
 * plugs in here.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "./clock.js";
import { fleetArn, newFleetId } from "./ids.js";
import type { FleetRecord, NewEvent, Scope, Store } from "../store/types.js";

export interface NewFleet {
  name: string;
  kind: FleetRecord["kind"];
  attributes: Record<string, unknown>;
}

export class FleetLifecycle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(scope: Scope, spec: NewFleet): Promise<FleetRecord> {
    const now = this.clock.now();
    const fleetId = newFleetId();
    const fleet: FleetRecord = {
      ...scope,
      fleetId,
      fleetArn: fleetArn(scope, fleetId),
      name: spec.name,
      kind: spec.kind,
      status: "NEW",
      creationTimeMs: now,
      deleted: false,
      attributes: spec.attributes,
    };
    await this.store.createFleet(fleet, [event(fleet, "FLEET_CREATED", `Fleet ${fleetId} created.`, now)]);
    return fleet;
  }

  async delete(fleet: FleetRecord): Promise<FleetRecord> {
    const now = this.clock.now();
    const deleted: FleetRecord = { ...fleet, status: "TERMINATED", deleted: true, terminationTimeMs: now };
    await this.store.appendEvents(
      fleet,
      [event(fleet, "FLEET_DELETED", `Fleet ${fleet.fleetId} deleted; it changed state from ${fleet.status} to TERMINATED.`, now)],
      [deleted],
    );
    return deleted;
  }
}

export function event(fleet: FleetRecord, eventCode: string, message: string, eventTimeMs: number, extra: Partial<NewEvent> = {}): NewEvent {
  return { eventId: randomUUID(), fleetId: fleet.fleetId, resourceId: fleet.fleetId, eventCode, message, eventTimeMs, ...extra };
}
