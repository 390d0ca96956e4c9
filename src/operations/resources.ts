/** Looking up a stored resource (build, alias, script) by the ID or ARN a caller gave, in the caller's scope only. */
import { inScope, parseRef } from "../fleets/ids.js";
import type { ResourceRecord, Scope, Store } from "../store/types.js";

export async function findResource(store: Store, scope: Scope, type: string, idOrArn: string): Promise<ResourceRecord | undefined> {
  const ref = parseRef(idOrArn);
  return inScope(ref, scope) ? store.getResource(scope, type, ref.id) : undefined;
}
