/**
 * The append hub: the one place that learns of every stored event, in-process, after its
 * transaction committed. `watchStore` hooks the store's two write paths that add events
 * (appendEvents: ingest, lifecycle steps, faults, fleet operations; createFleet: a fleet's first
 * events), so nothing that stores an event can bypass it. On PostgreSQL, other nodes' appends
 * arrive here too (src/feed/postgres-notify.ts), as notices with `local: false` and no events.
 *
 * API (small on purpose; alerts and the SSE endpoint use it):
 *   hub.subscribe({ scope, fleetId }, listener)  listener(notice) after each append to that fleet;
 *                                                omit fleetId for every fleet of the scope, omit
 *                                                both for every append anywhere. Returns unsubscribe.
 *   hub.publish(notice)                          what the store hook and the PostgreSQL bridge call.
 *   hub.wakeAll()                                calls every listener with a notice that names no
 *                                                fleet (after a lost connection to other nodes:
 *                                                "something may have changed, re-read").
 * A notice is a wake-up call, not the data: listeners re-read from their own last position with
 * the store's ordinary queries (readAppended), so a coalesced or missed notice delays but never
 * loses an event. Listeners run synchronously inside publish: keep them cheap (schedule work).
 * Publishing when nobody listens costs a map lookup per fleet touched.
 */
import type { AppendOptions, FleetRecord, NewEvent, Scope, Store, StoredEvent } from "../store/types.js";

export interface AppendNotice {
  scope: Scope;
  /** The fleets that got events; empty when the notice names none (wakeAll, or a remote notice too large to list them). */
  fleetIds: readonly string[];
  /** True for appends made by this process; false for other nodes' (then `events` is absent). */
  local: boolean;
  /** The events as stored (with sequence numbers), for local appends. */
  events?: readonly StoredEvent[];
}

export type AppendListener = (notice: AppendNotice) => void;

export interface AppendFilter {
  scope?: Scope;
  fleetId?: string;
}

const ANY = "*";
const scopeKey = (scope: Scope) => `${scope.accountId}/${scope.region}`;

export class AppendHub {
  /** scope key -> fleet ID (or ANY) -> listeners. */
  private readonly byScope = new Map<string, Map<string, Set<AppendListener>>>();
  private readonly everywhere = new Set<AppendListener>();

  subscribe(filter: AppendFilter, listener: AppendListener): () => void {
    if (!filter.scope) {
      this.everywhere.add(listener);
      return () => this.everywhere.delete(listener);
    }
    const key = scopeKey(filter.scope);
    const fleet = filter.fleetId ?? ANY;
    let fleets = this.byScope.get(key);
    if (!fleets) this.byScope.set(key, (fleets = new Map()));
    let listeners = fleets.get(fleet);
    if (!listeners) fleets.set(fleet, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      fleets.delete(fleet);
      if (fleets.size === 0) this.byScope.delete(key);
    };
  }

  publish(notice: AppendNotice): void {
    for (const listener of this.everywhere) notify(listener, notice);
    const fleets = this.byScope.get(scopeKey(notice.scope));
    if (!fleets) return;
    const called = new Set<AppendListener>();
    const call = (listeners: Set<AppendListener> | undefined) => {
      for (const listener of listeners ?? []) {
        if (called.has(listener)) continue;
        called.add(listener);
        notify(listener, notice);
      }
    };
    call(fleets.get(ANY));
    // A notice naming no fleet may concern any of them.
    if (notice.fleetIds.length === 0) for (const listeners of fleets.values()) call(listeners);
    for (const fleetId of notice.fleetIds) call(fleets.get(fleetId));
  }

  wakeAll(): void {
    for (const listener of this.everywhere) notify(listener, { scope: { accountId: "", region: "" }, fleetIds: [], local: false });
    for (const [key, fleets] of this.byScope) {
      const [accountId = "", region = ""] = key.split("/");
      const notice: AppendNotice = { scope: { accountId, region }, fleetIds: [], local: false };
      for (const listeners of fleets.values()) for (const listener of listeners) notify(listener, notice);
    }
  }

  /** Makes every event `store` commits a local notice; returns the same store. */
  watchStore(store: Store): Store {
    const appendEvents = store.appendEvents.bind(store);
    const createFleet = store.createFleet.bind(store);
    store.appendEvents = async (scope: Scope, events: NewEvent[], fleets?: FleetRecord[], options?: AppendOptions) => {
      const stored = await appendEvents(scope, events, fleets, options);
      this.publishStored(scope, stored);
      return stored;
    };
    store.createFleet = async (fleet: FleetRecord, events?: NewEvent[]) => {
      const stored = await createFleet(fleet, events);
      this.publishStored(fleet, stored);
      return stored;
    };
    return store;
  }

  private publishStored(scope: Scope, stored: StoredEvent[]): void {
    if (stored.length === 0 || (this.everywhere.size === 0 && this.byScope.size === 0)) return;
    const notice = {
      scope: { accountId: scope.accountId, region: scope.region },
      fleetIds: [...new Set(stored.map((e) => e.fleetId))],
      local: true,
      events: stored,
    };
    this.publish(notice);
  }
}

/**
 * A listener's failure is its own: the append it hears of has committed and must not look failed,
 * and the other listeners must still hear of it.
 */
function notify(listener: AppendListener, notice: AppendNotice): void {
  try {
    listener(notice);
  } catch (err) {
    console.error("liftlog: append listener failed:", err);
  }
}
