/**
 * The lifecycle engine: where fleets come to life and move on the service clock.
 *
 * Every change to a simulated fleet — a due step, or an operation such as DeleteFleet — runs on a
 * Transition of the freshly read fleet and is written back in one store transaction together with
 * the events it emitted, so status and events never disagree and a restart resumes each fleet from
 * its persisted agenda. Events carry the time they were due, not the time a timer happened to fire.
 *
 * Steps come due through `catchUp()`: the store hands out the fleets whose next step is due
 * (claimDueFleets: one node at a time per fleet), each runs its due steps, and the claim ends with
 * the write. Real and scaled clocks arm a timer for the earliest due step; the manual clock only
 * moves (and runs what is due) through `setClock`. Within this process, changes to one fleet are
 * serialized by a per-fleet lock.
 */
import { randomUUID } from "node:crypto";
import { setImmediate as yieldToIo } from "node:timers/promises";
import { invalidRequest, notFound } from "../protocol/errors.js";
import { StaleWrite } from "../store/conflicts.js";
import type { FleetRecord, Scope, Store, StoredEvent } from "../store/types.js";
import type { Clock } from "./clock.js";
import { ManualClock } from "./clock.js";
import { fleetArn, newFleetId } from "./ids.js";
import { beginCreation, runDue } from "./machine.js";
import { STAGES, type StageDurations } from "./scenarios.js";
import { Transition, type FleetState } from "./state.js";

export interface LifecycleOptions {
  durations: StageDurations;
  /** Count coalescing window for the events the lifecycle emits (see AppendOptions). */
  coalesceWindowMs: number;
}

export const DEFAULT_COALESCE_WINDOW_SECONDS = 900;

export const DEFAULT_LIFECYCLE: LifecycleOptions = { durations: { ...STAGES }, coalesceWindowMs: DEFAULT_COALESCE_WINDOW_SECONDS * 1000 };

export interface NewFleet {
  name: string;
  kind: FleetRecord["kind"];
  attributes: Record<string, unknown>;
  /** Simulated fleets: their initial lifecycle state (see newState). */
  state?: FleetState;
  /** Remote locations to bring up once the fleet is ACTIVE. */
  remoteLocations?: string[];
  /** A VPC to peer with during creation (EC2 fleets). */
  peer?: { vpcId: string; accountId: string };
}

/** Steps one fleet runs in one transaction at most; more due steps run in the next round. */
const BATCH_STEPS = 2000;
/** How long a claim on a due fleet lasts if this node dies before writing it. */
const CLAIM_LEASE_MS = 60_000;
/** Real and scaled clocks look for due steps at least this often (another node may have scheduled some). */
const POLL_MS = 30_000;

/** Runs async work one at a time per key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

const lockKey = (f: Scope & { fleetId: string }) => `${f.accountId}/${f.region}/${f.fleetId}`;

export class FleetLifecycle {
  private readonly owner = `liftlog-${randomUUID()}`;
  private readonly locks = new KeyedLock();
  private rounds: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    readonly clock: Clock,
    readonly options: LifecycleOptions = DEFAULT_LIFECYCLE,
  ) {}

  /** Runs whatever came due while the server was down, then keeps time. */
  start(): void {
    this.stopped = false;
    void this.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.rounds;
  }

  /** Resolves once every step due by now has been emitted and persisted. */
  catchUp(): Promise<void> {
    const round = this.rounds.then(() => this.runRound());
    this.rounds = round.catch((err) => console.error("liftlog: lifecycle:", err));
    return round;
  }

  /** Manual clock only: moves it forward, then runs everything due by then. */
  async setClock(change: { advanceSeconds?: number; setTimeMs?: number }): Promise<number> {
    if (!(this.clock instanceof ManualClock)) {
      throw invalidRequest(`The clock is ${this.clock.mode}; only a manual clock (liftlog serve --clock manual) can be advanced.`);
    }
    const now = this.clock.now();
    const target = change.setTimeMs ?? now + Math.round(change.advanceSeconds! * 1000);
    if (target < now) {
      throw invalidRequest(`SetTime ${target / 1000} is before the clock's current time ${now / 1000}; the clock never runs backwards.`);
    }
    this.clock.set(target);
    await this.store.advanceClock(target);
    await this.catchUp();
    return this.clock.now();
  }

  /** Registers a fleet and emits its first events (for Anywhere fleets, all the way to ACTIVE). */
  async create(scope: Scope, spec: NewFleet): Promise<{ fleet: FleetRecord; events: StoredEvent[] }> {
    const now = this.clock.now();
    const fleetId = newFleetId(spec.state?.kind === "CONTAINER" ? "containerfleet" : "fleet");
    const record: FleetRecord = {
      ...scope,
      fleetId,
      fleetArn: fleetArn(scope, fleetId),
      name: spec.name,
      kind: spec.kind,
      status: "NEW",
      creationTimeMs: now,
      deleted: false,
      attributes: spec.attributes,
      ...(spec.state ? { state: spec.state as unknown as Record<string, unknown> } : {}),
    };
    const t = new Transition(record, this.options, now);
    if (spec.state) {
      beginCreation(t, spec.remoteLocations ?? [], spec.peer);
      runDue(t, now);
    }
    const { fleet, events } = t.result();
    const stored = await this.store.createFleet(fleet, events);
    this.wake(fleet.nextDueMs);
    return { fleet, events: stored };
  }

  /**
   * Changes one fleet: steps already due run first, then `change` (which may throw a ServiceError:
   * then nothing is written), then steps it made due at once; all is written in one transaction.
   */
  async change<R>(
    scope: Scope,
    fleetId: string,
    change: (t: Transition) => R,
  ): Promise<{ fleet: FleetRecord; events: StoredEvent[]; result: R }> {
    // The lock serializes this node's changes; the fleet's version serializes them with other nodes'.
    return this.locks.run(lockKey({ ...scope, fleetId }), () =>
      retryStale(async () => {
        const current = await this.store.getFleet(scope, fleetId);
        if (!current) throw notFound(`Fleet ${fleetId} not found in account ${scope.accountId}, region ${scope.region}.`);
        const now = this.clock.now();
        const t = new Transition(current, this.options, now);
        if (current.state) runDue(t, now);
        t.at = now;
        const result = change(t);
        if (current.state) runDue(t, now);
        const { fleet, events } = t.result();
        const stored = await this.store.appendEvents(scope, events, [fleet], { coalesceWithinMs: this.options.coalesceWindowMs });
        this.wake(fleet.nextDueMs);
        return { fleet, events: stored, result };
      }),
    );
  }

  private async runRound(): Promise<void> {
    const until = this.clock.now();
    for (;;) {
      const due = await this.store.claimDueFleets(until, { owner: this.owner, leaseMs: CLAIM_LEASE_MS, limit: 50 });
      if (due.length === 0) break;
      for (const claimed of due) {
        await this.locks.run(lockKey(claimed), () => this.runDueSteps(claimed, until));
        // Long catch-ups (a manual clock moved by a month) must not starve HTTP requests.
        await yieldToIo();
      }
    }
    if (this.clock.mode !== "manual") await this.store.advanceClock(until);
    this.armedFor = undefined;
    this.wake(await this.store.nextDueMs());
  }

  private async runDueSteps(claimed: FleetRecord, until: number): Promise<void> {
    await retryStale(async () => {
      const current = (await this.store.getFleet(claimed, claimed.fleetId)) ?? claimed;
      const t = new Transition(current, this.options, until);
      if (current.state) runDue(t, until, BATCH_STEPS);
      const { fleet, events } = t.result();
      await this.store.appendEvents(current, events, [fleet], {
        coalesceWithinMs: this.options.coalesceWindowMs,
        releaseClaimOf: this.owner,
      });
    });
  }

  /** Arms the timer for a step due at `dueMs` if nothing earlier is armed (real and scaled clocks). */
  private wake(dueMs: number | undefined): void {
    if (this.stopped || this.clock.mode === "manual") return;
    const target = dueMs ?? this.clock.now() + POLL_MS * this.clock.speed;
    if (this.armedFor !== undefined && this.armedFor <= target) return;
    clearTimeout(this.timer);
    this.armedFor = target;
    const delay = Math.min(this.clock.wallDelayUntil(target) ?? POLL_MS, POLL_MS);
    this.timer = setTimeout(() => void this.catchUp(), delay);
    this.timer.unref();
  }
}

/** How often a change is redone from a fresh read when other nodes keep changing the fleet first. */
const STALE_RETRIES = 50;

/** Runs `attempt` (read, change, write) again while its write finds the fleet (or resource) changed since its read. */
export async function retryStale<R>(attempt: () => Promise<R>): Promise<R> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StaleWrite) || n >= STALE_RETRIES) throw err;
    }
  }
}
