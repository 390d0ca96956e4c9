/** Stored resources (builds, aliases, scripts, locations, container group definitions): lookup and change. */
import { inScope, parseRef } from "../fleets/ids.js";
import { retryStale } from "../fleets/lifecycle.js";
import { StaleResource } from "../store/conflicts.js";
import type { ResourceRecord, Scope, Store } from "../store/types.js";

/** A body as the store keeps it: plain JSON data. */
export const plain = <T>(value: T): ResourceRecord["body"] => JSON.parse(JSON.stringify(value)) as ResourceRecord["body"];

/** Looks a resource up by the ID or ARN a caller gave, in the caller's scope only. */
export async function findResource(store: Store, scope: Scope, type: string, idOrArn: string): Promise<ResourceRecord | undefined> {
  const ref = parseRef(idOrArn);
  return inScope(ref, scope) ? store.getResource(scope, type, ref.id) : undefined;
}

/**
 * Writes a resource's changed body only if it is still `before`, the body as read (StaleResource
 * otherwise: another request or node changed or deleted it meanwhile, and retryStale redoes the
 * change from a fresh read), so that no change is lost and nothing deleted comes back.
 */
export async function saveChanged(
  store: Store,
  scope: Scope,
  type: string,
  id: string,
  before: ResourceRecord["body"],
  after: ResourceRecord["body"],
): Promise<void> {
  if (!(await store.replaceResource(scope, { type, id, body: after }, before))) throw new StaleResource(type, id);
}

/**
 * Reads a resource's body with `read` (which throws when there is none), changes it and saves it
 * with saveChanged, all again from a fresh read while other writers get there first. Returns the
 * body saved.
 */
export function changeResource<T extends object>(
  store: Store,
  scope: Scope,
  type: string,
  read: () => Promise<T>,
  idOf: (body: T) => string,
  change: (body: T) => T | Promise<T>,
): Promise<T> {
  return retryStale(async () => {
    const before = await read();
    const after = await change(before);
    await saveChanged(store, scope, type, idOf(before), plain(before), plain(after));
    return after;
  });
}
