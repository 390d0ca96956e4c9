/**
 * DescribeFleetEvents: a fleet's log, newest first, keyset-paged.
 * The NextToken carries the last returned (EventTime, seq) and is bound by HMAC to the account,
 * region, fleet and time range, so it cannot be replayed against anything else.
 */
import type { DescribeFleetEventsInput, DescribeFleetEventsOutput, Event } from "@aws-sdk/client-gamelift";
import { invalidRequest } from "../protocol/errors.js";
import type { Cursor, Scope, StoredEvent } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireFleet, scopedFleetId } from "./fleet-lookup.js";

export const DEFAULT_EVENTS_PAGE = 100;

/** A newest page as the page cache keeps it: events without their log URLs, which are minted per call. */
export interface NewestPage {
  events: readonly { event: Readonly<Event>; logOf?: string }[];
  nextToken?: string;
}

export async function describeFleetEvents(
  services: Services,
  ctx: RequestContext,
  input: DescribeFleetEventsInput,
): Promise<DescribeFleetEventsOutput> {
  const startMs = input.StartTime?.getTime();
  const endMs = input.EndTime?.getTime();
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw invalidRequest(
      `StartTime (${input.StartTime!.toISOString()}) is later than EndTime (${input.EndTime!.toISOString()}); give a StartTime at or before EndTime.`,
    );
  }
  const limit = Math.min(input.Limit ?? DEFAULT_EVENTS_PAGE, services.maxPageSize);
  const fleetId = scopedFleetId(ctx.scope, input.FleetId!) ?? (await requireFleet(services.store, ctx.scope, input.FleetId!)).fleetId;
  if (input.NextToken) return withLogUrls(services, ctx, await readPage(services, ctx, input, { fleetId, startMs, endMs, limit }));

  // The newest page: kept while the store is unchanged (see page-cache.ts).
  const mark = await services.store.changeMark();
  const key = mark === undefined ? "" : [ctx.scope.accountId, ctx.scope.region, fleetId, startMs, endMs, limit].join("\n");
  let page = mark === undefined ? undefined : services.newestPages.get(key, mark);
  if (!page) {
    page = await readPage(services, ctx, input, { fleetId, startMs, endMs, limit });
    if (mark !== undefined) {
      // Frozen: the same objects serve many calls, and the codecs may keep their wire form (protocol/json11.ts).
      for (const { event } of page.events) Object.freeze(event);
      services.newestPages.set(key, mark, page, pageBytes(page));
    }
  }
  return withLogUrls(services, ctx, page);
}

interface PageQuery {
  fleetId: string;
  startMs?: number;
  endMs?: number;
  limit: number;
}

/**
 * One page from the store. The fleet is looked up only when the page is empty or the token does
 * not open: a page with events proves the fleet exists in this scope (the store's query joins it).
 */
async function readPage(services: Services, ctx: RequestContext, input: DescribeFleetEventsInput, q: PageQuery): Promise<NewestPage> {
  const binding = ["DescribeFleetEvents", ctx.scope.accountId, ctx.scope.region, q.fleetId, q.startMs ?? null, q.endMs ?? null];
  let after: Cursor | undefined;
  try {
    after = input.NextToken ? toCursor(services.tokens.open(input.NextToken, binding)) : undefined;
  } catch (err) {
    // A fleet that is not here is NotFound whatever the token.
    await requireFleet(services.store, ctx.scope, input.FleetId!);
    throw err;
  }
  const rows = await services.store.queryEvents(ctx.scope, { ...q, after, limit: q.limit + 1 });
  if (rows.length === 0) await requireFleet(services.store, ctx.scope, input.FleetId!);
  const events = rows.slice(0, q.limit);
  const last = events[events.length - 1];
  return {
    events: events.map((e) => ({ event: eventFields(e), logOf: e.hasLog ? e.eventId : undefined })),
    ...(rows.length > q.limit && last ? { nextToken: services.tokens.seal(binding, [last.eventTimeMs, last.seq]) } : {}),
  };
}

/** The page as the API returns it, with log URLs minted now (they expire 15 minutes after the call). */
function withLogUrls(services: Services, ctx: RequestContext, page: NewestPage): DescribeFleetEventsOutput {
  const now = services.clock.now();
  return {
    Events: page.events.map(({ event, logOf }) =>
      logOf === undefined ? event : { ...event, PreSignedLogUrl: services.logUrls.mint(ctx.baseUrl, ctx.scope, logOf, now) },
    ),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

/** What a kept page costs in memory, roughly: its strings (UTF-16) and a fixed cost per event. */
function pageBytes(page: NewestPage): number {
  let bytes = 256 + (page.nextToken?.length ?? 0) * 2;
  for (const { event } of page.events) {
    bytes += 200 + 2 * (event.EventId!.length + event.ResourceId!.length + event.EventCode!.length + event.Message!.length);
  }
  return bytes;
}

function toCursor(position: unknown): Cursor {
  const [eventTimeMs, seq] = position as [number, number];
  return { eventTimeMs, seq };
}

/** A stored event as the API returns it (with a freshly minted log URL when it has a log). */
export function toEvent(services: Services, ctx: RequestContext, e: StoredEvent, nowMs: number): Event {
  const scope: Scope = ctx.scope;
  return {
    ...eventFields(e),
    ...(e.hasLog ? { PreSignedLogUrl: services.logUrls.mint(ctx.baseUrl, scope, e.eventId, nowMs) } : {}),
  };
}

/** A stored event as the API returns it, but for its log URL. */
function eventFields(e: StoredEvent): Event {
  return {
    EventId: e.eventId,
    ResourceId: e.resourceId,
    EventCode: e.eventCode as Event["EventCode"],
    Message: e.message,
    EventTime: new Date(e.eventTimeMs),
    Count: e.count,
  };
}
