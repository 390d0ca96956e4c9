/**
 * Loads one fleet with many events through the Store, in large transactions. The events look like
 * a busy fleet's: a year of scaling, crashes (some with logs and Count > 1), spot interruptions,
 * with some events sharing a millisecond so that the sequence tie-break is exercised.
 */
import { randomUUID } from "node:crypto";
import { fleetArn } from "../src/fleets/ids.js";
import { SeededRandom } from "../src/seed/random.js";
import { newEventId } from "../src/store/event-ids.js";
import type { FleetRecord, NewEvent, Scope, Store } from "../src/store/types.js";

const BATCH = 50_000;
const YEAR_MS = 365 * 86_400_000;

/**
 * `messageLength`: messages cut to this many characters (variable parts first: instance, session,
 * capacity), for a log of short messages; absent: the full messages of about 110–150 characters.
 */
export async function loadFleet(
  store: Store,
  scope: Scope,
  events: number,
  onBatch: (loaded: number) => void,
  messageLength?: number,
): Promise<FleetRecord> {
  const endMs = Date.now() - 60_000;
  const startMs = endMs - YEAR_MS;
  const fleet = benchFleet(scope, `fleet-${randomUUID()}`, "bench-busy-fleet", startMs);
  await store.createFleet(fleet);
  const rng = new SeededRandom(events);
  const step = YEAR_MS / events;
  for (let done = 0; done < events; ) {
    const batch: NewEvent[] = [];
    for (; batch.length < BATCH && done < events; done++) {
      // One event in eight shares the previous event's millisecond.
      const timeMs = Math.round(startMs + (done - (rng.chance(0.125) ? 1 : 0)) * step);
      batch.push(benchEvent(rng, fleet.fleetId, timeMs, messageLength));
    }
    await store.appendEvents(scope, batch);
    onBatch(done);
    // A synchronous store never yields to the event loop; let it handle signals (Ctrl-C) between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return fleet;
}

/** An external fleet, active since `creationTimeMs`. */
export function benchFleet(scope: Scope, fleetId: string, name: string, creationTimeMs: number): FleetRecord {
  return {
    ...scope,
    fleetId,
    fleetArn: fleetArn(scope, fleetId),
    name,
    kind: "external",
    status: "ACTIVE",
    creationTimeMs,
    deleted: false,
    attributes: { ComputeType: "ANYWHERE", NewGameSessionProtectionPolicy: "NoProtection", MetricGroups: ["default"] },
  };
}

export function benchEvent(rng: SeededRandom, fleetId: string, eventTimeMs: number, messageLength?: number): NewEvent {
  const base = { eventId: newEventId(), fleetId, resourceId: fleetId, eventTimeMs };
  const instance = `i-${rng.hex(17)}`;
  const roll = rng.next();
  // Short messages lead with what varies, then run on into the full message.
  const message = (short: string, full: string) => (messageLength === undefined ? full : `${short} ${full}`.slice(0, messageLength));
  if (roll < 0.5) {
    const desired = rng.int(1, 40);
    return {
      ...base,
      eventCode: "FLEET_SCALING_EVENT",
      message: message(
        `Desired instances ${desired} (was ${desired + 1}) for ${fleetId}`,
        `Fleet ${fleetId} capacity changed in us-east-1: desired instances ${desired} (was ${desired + 1}), minimum 1, maximum 50`,
      ),
    };
  }
  if (roll < 0.8) {
    return {
      ...base,
      eventCode: "SERVER_PROCESS_CRASHED",
      message: message(
        `Process on ${instance} exited without ProcessEnding() (exit code 139)`,
        `Server process /local/game/bin/server.x86_64 on instance ${instance} of fleet ${fleetId} exited without calling ProcessEnding() (exit code 139)`,
      ),
      count: rng.int(1, 30),
      // A few carry their log, so that pages mint some pre-signed log URLs as real pages do.
      ...(rng.chance(0.1)
        ? { log: "GameLift SDK: ProcessReady sent\nCaught SIGSEGV; no ProcessEnding() was called\nProcess exited with code 139" }
        : {}),
    };
  }
  if (roll < 0.9) {
    return {
      ...base,
      eventCode: "INSTANCE_INTERRUPTED",
      message: message(
        `Spot instance ${instance} was interrupted by EC2 (two-minute notice)`,
        `Spot instance ${instance} in fleet ${fleetId} (us-east-1) was interrupted by EC2 with a two-minute notification`,
      ),
    };
  }
  const session = `gsess-${rng.uuid()}`;
  return {
    ...base,
    eventCode: "GAME_SESSION_ACTIVATION_TIMEOUT",
    message: message(
      `Game session ${session} failed to activate within 600 seconds`,
      `Game session arn:aws:gamelift:us-east-1::gamesession/${fleetId}/${session} failed to activate within the expected time (600 seconds)`,
    ),
  };
}
