/**
 * Count coalescing, planned without SQL so that every store engine applies the same rule:
 * a repeat of an event (same fleet, resource, code and message) whose first occurrence lies at most
 * `windowMs` before it adds to that event's Count, up to MAX_EVENT_COUNT; past that, or outside the
 * window, the repeat starts a new event. The store supplies, per key, the newest stored event of that
 * key in the window (`stored`); the plan says which rows to insert and which stored counts to raise.
 */
import { MAX_EVENT_COUNT, type NewEvent, type StoredEvent } from "./types.js";

type EventKey = Pick<NewEvent, "fleetId" | "resourceId" | "eventCode" | "message">;

export const coalesceKey = (e: EventKey) => JSON.stringify([e.fleetId, e.resourceId, e.eventCode, e.message]);

/** Where a repeat lands: a row already stored (seq known) or one this batch inserts. */
export interface Target {
  event: NewEvent;
  count: number;
  seq?: number;
  hasLog?: boolean;
}

export interface CoalescePlan {
  /** New rows, in input order, each carrying the count it ends with. */
  inserts: Target[];
  /** Stored rows whose count rises. */
  raised: Target[];
  /** For each input event, the target it landed in. */
  landing: Target[];
}

/** The first time each key of a coalescing event occurs in the batch: the window to look up stored events in starts there. */
export function firstOccurrences(events: NewEvent[]): Map<string, NewEvent> {
  const first = new Map<string, NewEvent>();
  for (const e of events) if (e.coalesce && !first.has(coalesceKey(e))) first.set(coalesceKey(e), e);
  return first;
}

export function planCoalesced(events: NewEvent[], windowMs: number, stored: Map<string, StoredEvent>): CoalescePlan {
  const open = new Map<string, Target>();
  for (const [key, e] of stored) open.set(key, { event: e, count: e.count, seq: e.seq, hasLog: e.hasLog });
  const plan: CoalescePlan = { inserts: [], raised: [], landing: [] };
  for (const e of events) {
    const key = coalesceKey(e);
    const adds = e.count ?? 1;
    const target = e.coalesce ? open.get(key) : undefined;
    const age = target ? e.eventTimeMs - target.event.eventTimeMs : -1;
    if (target && age >= 0 && age <= windowMs && target.count + adds <= MAX_EVENT_COUNT) {
      target.count += adds;
      if (target.seq !== undefined && !plan.raised.includes(target)) plan.raised.push(target);
      plan.landing.push(target);
    } else {
      const row: Target = { event: e, count: adds };
      plan.inserts.push(row);
      if (e.coalesce) open.set(key, row);
      plan.landing.push(row);
    }
  }
  return plan;
}

/** The stored form of where each input event landed, once inserted rows have sequence numbers. */
export function landedEvents(plan: CoalescePlan, seqOf: (t: Target) => number): StoredEvent[] {
  return plan.landing.map((t) => {
    const { log: _log, count: _count, coalesce: _coalesce, ...event } = t.event;
    return { ...event, seq: seqOf(t), count: t.count, hasLog: t.hasLog ?? t.event.log !== undefined };
  });
}
