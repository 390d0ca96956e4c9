/**
 * What a `GET /_liftlog/events/stream` asks for: the fleet (or the whole account and region), the
 * event codes wanted, and where to start. Every parameter is checked before the stream opens, so a
 * bad one is an AWS-shaped 400, never a stream that fails later.
 */
import type { IncomingHttpHeaders } from "node:http";
import { enumValues } from "../model/service-model.js";
import { satisfies } from "../model/validate.js";
import type { Services } from "../operations/context.js";
import { requireFleet } from "../operations/fleet-lookup.js";
import { fleetRefScope, scopeOf } from "../operations/ingest.js";
import { invalidRequest } from "../protocol/errors.js";
import type { StreamPositions, StreamStart, StreamTarget } from "./positions.js";

export interface StreamRequest {
  target: StreamTarget;
  /** Only these codes are sent; absent: all. */
  codes?: ReadonlySet<string>;
  start: StreamStart;
}

const PARAMETERS = new Set(["FleetId", "Region", "AccountId", "EventCodes", "after", "since"]);
const REPEATABLE = new Set(["EventCodes"]);
/** The latest time a timestamp may name (9999-12-31T23:59:59Z), as elsewhere in the admin API. */
const MAX_EPOCH_SECONDS = 253402300799;
const EVENT_CODES = new Set(enumValues("EventCode"));

export async function parseStreamRequest(
  services: Services,
  positions: StreamPositions,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): Promise<StreamRequest> {
  for (const name of new Set(query.keys())) {
    if (!PARAMETERS.has(name)) {
      throw invalidRequest(`Unknown parameter '${name}'. The stream takes ${[...PARAMETERS].join(", ")}.`);
    }
    if (!REPEATABLE.has(name) && query.getAll(name).length > 1) throw invalidRequest(`Parameter '${name}' is given more than once.`);
  }
  const target = await streamTarget(services, query);
  const codes = eventCodes(query.getAll("EventCodes"));
  // A reconnecting EventSource repeats the URL (with ?since= or ?after=) and adds Last-Event-ID: the header wins.
  const lastEventId = headers["last-event-id"];
  const after = typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : query.get("after");
  const since = query.get("since");
  let start: StreamStart;
  if (after !== null && after !== "") start = positions.open(target, after);
  else if (since !== null) start = { kind: "replay", sinceMs: sinceMs(since), head: await services.store.appendHead() };
  else start = { kind: "live", after: await services.store.appendHead() };
  return { target, ...(codes ? { codes } : {}), start };
}

async function streamTarget(services: Services, query: URLSearchParams): Promise<StreamTarget> {
  const ref = query.get("FleetId");
  const region = query.get("Region") ?? undefined;
  const accountId = query.get("AccountId") ?? undefined;
  if (ref === null) return { scope: scopeOf(services, "", region, accountId) };
  if (!satisfies(ref, "FleetIdOrArn")) {
    throw invalidRequest(`FleetId must be a fleet ID (fleet-...) or fleet ARN, got ${JSON.stringify(ref.slice(0, 200))}.`);
  }
  const scope = fleetRefScope(services, "", ref, region, accountId);
  const fleet = await requireFleet(services.store, scope, ref);
  return { scope, fleetId: fleet.fleetId };
}

function eventCodes(values: string[]): ReadonlySet<string> | undefined {
  const codes = values.flatMap((v) => v.split(",")).map((c) => c.trim());
  if (values.length === 0) return undefined;
  const unknown = codes.find((c) => !EVENT_CODES.has(c));
  if (unknown !== undefined) {
    throw invalidRequest(
      `EventCodes: ${JSON.stringify(unknown.slice(0, 100))} is not a GameLift event code. Give a comma-separated list such as FLEET_STATE_ACTIVE,SERVER_PROCESS_CRASHED.`,
    );
  }
  return new Set(codes);
}

/** `since` as epoch seconds (1700000000.123) or an ISO 8601 time. */
function sinceMs(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) / 1000 : NaN;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_EPOCH_SECONDS) {
    throw invalidRequest(
      `since must be epoch seconds (e.g. 1700000000.123) or an ISO 8601 time (2024-01-01T00:00:00Z), got ${JSON.stringify(text.slice(0, 100))}.`,
    );
  }
  return Math.round(seconds * 1000);
}
