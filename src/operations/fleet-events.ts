/**
 * DescribeFleetEvents: a fleet's log, newest first, keyset-paged.
 * The NextToken carries the last returned (EventTime, seq) and is bound by HMAC to the account,
 * region, fleet and time range, so it cannot be replayed against anything else.
 */
import type { DescribeFleetEventsInput, DescribeFleetEventsOutput, Event } from "@aws-sdk/client-gamelift";
import { invalidRequest } from "../protocol/errors.js";
import type { Cursor, Scope, StoredEvent } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { requireFleet } from "./fleet-lookup.js";

export const DEFAULT_EVENTS_PAGE = 100;

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
  const fleet = await requireFleet(services.store, ctx.scope, input.FleetId!);
  const binding = ["DescribeFleetEvents", ctx.scope.accountId, ctx.scope.region, fleet.fleetId, startMs ?? null, endMs ?? null];
  const after = input.NextToken ? toCursor(services.tokens.open(input.NextToken, binding)) : undefined;

  const rows = await services.store.queryEvents(ctx.scope, { fleetId: fleet.fleetId, startMs, endMs, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const now = services.clock.now();
  return {
    Events: page.map((e) => toEvent(services, ctx, e, now)),
    ...(rows.length > limit && last ? { NextToken: services.tokens.seal(binding, [last.eventTimeMs, last.seq]) } : {}),
  };
}

function toCursor(position: unknown): Cursor {
  const [eventTimeMs, seq] = position as [number, number];
  return { eventTimeMs, seq };
}

/** A stored event as the API returns it (with a freshly minted log URL when it has a log). */
export function toEvent(services: Services, ctx: RequestContext, e: StoredEvent, nowMs: number): Event {
  const scope: Scope = ctx.scope;
  return {
    EventId: e.eventId,
    ResourceId: e.resourceId,
    EventCode: e.eventCode as Event["EventCode"],
    Message: e.message,
    EventTime: new Date(e.eventTimeMs),
    ...(e.hasLog ? { PreSignedLogUrl: services.logUrls.mint(ctx.baseUrl, scope, e.eventId, nowMs) } : {}),
    Count: e.count,
  };
}
