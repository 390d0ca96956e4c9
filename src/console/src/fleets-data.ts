/**
 * The fleets of the chosen account and region, as the fleets view shows them: ListFleets, then
 * DescribeFleetAttributes, DescribeFleetLocationAttributes and the last hour of DescribeFleetEvents
 * for each, all through the real GameLift API.
 */
import {
  DescribeFleetAttributesCommand,
  DescribeFleetEventsCommand,
  DescribeFleetLocationAttributesCommand,
  paginateListFleets,
  type FleetAttributes,
} from "@aws-sdk/client-gamelift";
import { gamelift } from "./api";
import { fromSdk, healthOf, type FleetEvent, type HealthVerdict } from "./events";
import { kindOf, listContainerFleetIds, type FleetKind } from "./fleet-kind";
import { SPARK_WINDOW_MS } from "./sparkline";

export interface FleetRow {
  attributes: FleetAttributes;
  kind: FleetKind;
  locations: string[];
  /** Events of the last hour (newest first; at most one page), for the sparkline and health. */
  recent: FleetEvent[];
  /** More events in the last hour than `recent` holds. */
  recentTruncated: boolean;
  /** The newest events, however old (what put a fleet in ERROR may be older than an hour). */
  latest: FleetEvent[];
  last?: FleetEvent;
  verdict: HealthVerdict;
}

const RECENT_LIMIT = 1000;
const LATEST_LIMIT = 20;
const CONCURRENCY = 6;

export async function listFleetIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateListFleets({ client: gamelift() }, {})) ids.push(...(page.FleetIds ?? []));
  return ids;
}

/** Runs `work` over `items` with at most CONCURRENCY calls in flight. */
async function mapLimited<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return out;
}

async function describeAll(ids: string[]): Promise<FleetAttributes[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 50) chunks.push(ids.slice(i, i + 50));
  const pages = await mapLimited(chunks, (FleetIds) => gamelift().send(new DescribeFleetAttributesCommand({ FleetIds })));
  return pages.flatMap((p) => p.FleetAttributes ?? []);
}

async function recentEvents(fleet: FleetAttributes, now: number) {
  const client = gamelift();
  const page = await client.send(
    new DescribeFleetEventsCommand({ FleetId: fleet.FleetId, StartTime: new Date(now - SPARK_WINDOW_MS), Limit: RECENT_LIMIT }),
  );
  const recent = (page.Events ?? []).map(fromSdk);
  let latest = recent.slice(0, LATEST_LIMIT);
  if (recent.length === 0 || fleet.Status === "ERROR") {
    const out = await client.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId, Limit: LATEST_LIMIT }));
    latest = (out.Events ?? []).map(fromSdk);
  }
  return { recent, recentTruncated: !!page.NextToken, latest, last: latest[0] };
}

/** The home region first, then the fleet's remote locations. */
async function locationsOf(fleet: FleetAttributes): Promise<string[]> {
  const home = fleet.FleetArn?.split(":")[3] ?? "";
  const out = await gamelift()
    .send(new DescribeFleetLocationAttributesCommand({ FleetId: fleet.FleetId }))
    .catch(() => ({ LocationAttributes: [] }));
  const remote = (out.LocationAttributes ?? []).map((l) => l.LocationState?.Location ?? "").filter((l) => l && l !== home);
  return [home, ...remote].filter(Boolean);
}

/** One row per fleet. `now` is the server's clock (the sparkline's window ends there). */
export async function loadFleetRows(now: number): Promise<FleetRow[]> {
  const [attributes, containers] = await Promise.all([listFleetIds().then(describeAll), listContainerFleetIds()]);
  return mapLimited(attributes, async (a) => {
    const [events, locations] = await Promise.all([recentEvents(a, now), locationsOf(a)]);
    const kind = kindOf(a, containers.has(a.FleetId ?? ""));
    return { attributes: a, kind, locations, ...events, verdict: healthOf(a.Status, events.recent, events.latest) };
  });
}

/** A row after a live event: newest event, recent window, status from FLEET_STATE_*, verdict. */
export function withEvent(row: FleetRow, e: FleetEvent, now: number): FleetRow {
  if (row.recent.some((r) => r.EventId === e.EventId)) {
    const recent = row.recent.map((r) => (r.EventId === e.EventId ? e : r));
    return { ...row, recent, verdict: healthOf(row.attributes.Status, recent, row.latest) };
  }
  const recent = [e, ...row.recent].filter((r) => r.EventTime >= now - SPARK_WINDOW_MS).sort((a, b) => b.EventTime - a.EventTime);
  const state = e.EventCode.startsWith("FLEET_STATE_") ? e.EventCode.slice(12) : undefined;
  const status = (state ?? row.attributes.Status) as FleetAttributes["Status"];
  const latest = [e, ...row.latest].sort((a, b) => b.EventTime - a.EventTime).slice(0, LATEST_LIMIT);
  return {
    ...row,
    attributes: { ...row.attributes, Status: status },
    recent,
    latest,
    last: latest[0],
    verdict: healthOf(status, recent, latest),
  };
}
