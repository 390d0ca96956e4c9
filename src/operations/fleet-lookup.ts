/** Resolving a FleetIdOrArn within the caller's account and region. */
import { parseFleetRef } from "../fleets/ids.js";
import type { FleetState } from "../fleets/state.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord, Scope, Store } from "../store/types.js";

export async function findFleet(store: Store, scope: Scope, idOrArn: string): Promise<FleetRecord | undefined> {
  const fleetId = scopedFleetId(scope, idOrArn);
  return fleetId === undefined ? undefined : store.getFleet(scope, fleetId);
}

/**
 * The fleet ID a FleetIdOrArn names within the caller's scope, without reading the store;
 * undefined for an ARN naming another account or region, which never reaches that account's fleets.
 */
export function scopedFleetId(scope: Scope, idOrArn: string): string | undefined {
  const ref = parseFleetRef(idOrArn);
  if (ref.arnScope && (ref.arnScope.accountId !== scope.accountId || ref.arnScope.region !== scope.region)) return undefined;
  return ref.fleetId;
}

/** The fleet, deleted or not (its events outlive it); NotFoundException when it never existed here. */
export async function requireFleet(store: Store, scope: Scope, idOrArn: string): Promise<FleetRecord> {
  const fleet = await findFleet(store, scope, idOrArn);
  if (!fleet) throw notFound(`Fleet ${idOrArn} not found in account ${scope.accountId}, region ${scope.region}.`);
  return fleet;
}

/** A fleet that has not been deleted: what every operation but DescribeFleetEvents acts on. */
export async function requireLiveFleet(store: Store, scope: Scope, idOrArn: string): Promise<FleetRecord> {
  const fleet = await requireFleet(store, scope, idOrArn);
  if (fleet.deleted) throw notFound(`Fleet ${idOrArn} was deleted; only its events remain readable (DescribeFleetEvents).`);
  return fleet;
}

/** A live fleet that liftlog simulates (not one registered through the admin API or seeded), with its lifecycle state. */
export async function requireLiveState(store: Store, scope: Scope, idOrArn: string): Promise<{ fleet: FleetRecord; state: FleetState }> {
  const fleet = await requireLiveFleet(store, scope, idOrArn);
  if (!fleet.state) {
    throw invalidRequest(
      `Fleet ${fleet.fleetId} has no lifecycle in liftlog (it was registered through the admin API, or seeded): its status follows the events recorded for it, and it has no capacity, locations or settings here.`,
    );
  }
  return { fleet, state: fleet.state as unknown as FleetState };
}

/** Every live fleet of the caller, in creation order. */
export async function allFleets(store: Store, scope: Scope): Promise<FleetRecord[]> {
  const fleets: FleetRecord[] = [];
  for (let after: string | undefined; ; ) {
    const batch = await store.listFleets(scope, { afterFleetId: after, limit: 500 });
    fleets.push(...batch);
    if (batch.length < 500) return fleets;
    after = batch[batch.length - 1]!.fleetId;
  }
}
