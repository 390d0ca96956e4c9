/**
 * Writes a planned demo through the Store interface: each fleet with all of its events in one
 * transaction, so that a reader (a server on the same data dir) sees a fleet whole or not at all.
 */
import type { Store, StoredEvent } from "../store/types.js";
import type { DemoFleet } from "./demo.js";

export interface SeededFleet extends DemoFleet {
  /** The events as the store holds them (with their sequence numbers), oldest first. */
  stored: StoredEvent[];
}

/** The data dir already holds fleets of this plan (seeded before with the same random seed). */
export class SeedConflictError extends Error {}

export async function writeDemo(
  store: Store,
  plan: DemoFleet[],
  onFleet: (eventsWritten: number) => void = () => {},
): Promise<SeededFleet[]> {
  for (const { fleet } of plan) {
    if (await store.getFleet(fleet, fleet.fleetId)) {
      throw new SeedConflictError(
        `fleet ${fleet.fleetId} already exists in account ${fleet.accountId}, region ${fleet.region}: this data dir was seeded with this random seed before. Nothing was written; pick another --random-seed or a fresh --data-dir.`,
      );
    }
  }
  const seeded: SeededFleet[] = [];
  for (const demo of plan) {
    seeded.push({ ...demo, stored: await store.createFleet(demo.fleet, demo.events) });
    onFleet(demo.events.length);
  }
  return seeded;
}
