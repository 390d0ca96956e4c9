/**
 * A realistic fleet event log for the interop tests: a fleet's creation sequence, then months of
 * runtime events from many instances and processes, with bursts that share one millisecond and
 * ingestion that is not in time order (forwarders send batches late). Generated from a seed, so a
 * failure reproduces.
 */
import assert from "node:assert/strict";
import type { Event } from "@aws-sdk/client-gamelift";
import { expectedOrder, ingest, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { EC2_CREATION as CREATION } from "../helpers/sequences.js";

export const REGION = "us-west-2";
const BASE_MS = 1_750_000_000_000;

/** mulberry32: a small seeded PRNG, so the log is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RUNTIME = [
  "SERVER_PROCESS_CRASHED",
  "SERVER_PROCESS_TERMINATED_UNHEALTHY",
  "SERVER_PROCESS_PROCESS_READY_TIMEOUT",
  "SERVER_PROCESS_FORCE_TERMINATED",
  "GAME_SESSION_ACTIVATION_TIMEOUT",
  "INSTANCE_INTERRUPTED",
  "INSTANCE_RECYCLED",
  "INSTANCE_REPLACED_UNHEALTHY",
  "FLEET_SCALING_EVENT",
  "GENERIC_EVENT",
];

/** Epoch seconds with a millisecond fraction, as the admin API and the JSON wire carry them. */
const seconds = (ms: number) => ms / 1000;

/**
 * `count` events for one fleet in ingestion order. About one event in eight shares its
 * millisecond with the one before it, and bursts of 3-8 crashes land on one millisecond.
 */
export function realisticEvents(fleetId: string, count: number, seed = 2015): IngestedEvent[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const instances = Array.from({ length: 40 }, (_, i) => `i-0${(0x1a2b3c4d5e6f7 + i * 7919).toString(16)}`);
  const inTimeOrder: IngestedEvent[] = [];
  let t = BASE_MS;
  for (const code of CREATION.slice(0, Math.min(CREATION.length, count))) {
    t += 1000 + Math.floor(random() * 60_000);
    inTimeOrder.push({ EventCode: code, Message: `Fleet ${fleetId} ${code.toLowerCase().replaceAll("_", " ")}.`, EventTime: seconds(t) });
  }
  while (inTimeOrder.length < count) {
    const r = random();
    if (r > 0.125) t += 1 + Math.floor(-Math.log(1 - random()) * 20_000);
    const instance = pick(instances);
    if (r > 0.98) {
      const burst = Math.min(3 + Math.floor(random() * 6), count - inTimeOrder.length);
      for (let p = 0; p < burst; p++) {
        inTimeOrder.push({
          EventCode: "SERVER_PROCESS_CRASHED",
          Message: `Server process exited without calling ProcessEnding(); exit code 139 (process ${p} on ${instance}).`,
          EventTime: seconds(t),
          ResourceId: instance,
          Log: `core dumped: process ${p}`,
        });
      }
      continue;
    }
    const code = pick(RUNTIME);
    const event: IngestedEvent = {
      EventCode: code,
      Message: `${code} on ${instance} at step ${inTimeOrder.length}.`,
      EventTime: seconds(t),
    };
    if (code !== "FLEET_SCALING_EVENT" && code !== "GENERIC_EVENT") event.ResourceId = instance;
    inTimeOrder.push(event);
  }
  // Forwarders deliver late: shuffle inside windows of 25, so ingestion order is not time order.
  const events = [...inTimeOrder];
  for (let start = 0; start < events.length; start += 25) {
    const end = Math.min(start + 25, events.length);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(random() * (i - start + 1));
      [events[i], events[j]] = [events[j]!, events[i]!];
    }
  }
  return events;
}

/** An ingested event as DescribeFleetEvents must return it, in a form that compares whole. */
export interface EventLine {
  id: string;
  line: string;
}

/** One comparable line per event: every field the service returns for it. */
export function describeEvent(e: {
  EventId?: string;
  EventCode?: string;
  ResourceId?: string;
  Message?: string;
  timeMs: number;
  Count?: number;
  hasLog: boolean;
}): string {
  return [e.EventId, e.EventCode, e.ResourceId, e.timeMs, e.Count ?? 1, e.hasLog ? "log" : "-", e.Message].join(" | ");
}

/** The line of an event the JS SDK returned. */
export function sdkLine(e: Event): string {
  return describeEvent({ ...e, timeMs: e.EventTime!.getTime(), hasLog: e.PreSignedLogUrl !== undefined });
}

export interface FleetLog {
  server: RunningServer;
  fleetId: string;
  fleetArn: string;
  events: IngestedEvent[];
  ids: string[];
  /** Every event, newest first, as lines (see describeEvent). */
  expected: string[];
}

/** What the service must return for `ids[i]` = `events[i]`, newest first. */
export function expectedLines(fleetId: string, ids: string[], events: IngestedEvent[]): string[] {
  const byId = new Map(ids.map((id, i) => [id, events[i]!]));
  return expectedOrder(ids, events).map((id) => ingestedLine(fleetId, id, byId.get(id)!));
}

/** The line of an event ingested (with an EventTime) as `id`. */
export function ingestedLine(fleetId: string, id: string, e: IngestedEvent): string {
  return describeEvent({
    ...e,
    EventId: id,
    ResourceId: e.ResourceId ?? fleetId,
    timeMs: Math.round(e.EventTime! * 1000),
    hasLog: e.Log !== undefined,
  });
}

/** Starts a server and ingests `count` realistic events into one external fleet through the admin API. */
export async function startWithFleetLog(count = 10_000, options: Parameters<typeof startServer>[0] = {}): Promise<FleetLog> {
  const server = await startServer(options);
  try {
    const { FleetId, FleetArn } = await registerFleet(server.endpoint, REGION);
    const events = realisticEvents(FleetId, count);
    // By ARN: a bare fleet ID would be looked up in the server's default region, not REGION.
    const ids = await ingest(server.endpoint, FleetArn, events);
    return { server, fleetId: FleetId, fleetArn: FleetArn, events, ids, expected: expectedLines(FleetId, ids, events) };
  } catch (err) {
    await server.dispose();
    throw err;
  }
}

/**
 * Fails unless `got` is exactly `want`: same events, same order, none twice, none missing. The
 * message says where they part (a 10,000-line diff would say nothing).
 */
export function assertSameEvents(got: string[], want: string[], what: string): void {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== want[i]) {
      assert.fail(
        `${what}: got ${got.length} events (${new Set(got).size} distinct), want ${want.length}; first difference at #${i}:\n  got  ${got[i]}\n  want ${want[i]}`,
      );
    }
  }
}
