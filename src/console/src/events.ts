/**
 * What the console knows about fleet events: one shape for events from DescribeFleetEvents and from
 * the live feed, the categories the filters offer, which codes are failures, and how a fleet's
 * recent events make it unhealthy.
 */
import { EventCode, type Event as SdkEvent } from "@aws-sdk/client-gamelift";

export interface FleetEvent {
  EventId: string;
  ResourceId: string;
  EventCode: string;
  Message: string;
  /** Epoch milliseconds. */
  EventTime: number;
  PreSignedLogUrl?: string;
  Count: number;
}

export const ALL_EVENT_CODES: readonly string[] = Object.values(EventCode).sort();

export function fromSdk(e: SdkEvent): FleetEvent {
  return {
    EventId: e.EventId ?? "",
    ResourceId: e.ResourceId ?? "",
    EventCode: e.EventCode ?? "GENERIC_EVENT",
    Message: e.Message ?? "",
    EventTime: e.EventTime ? e.EventTime.getTime() : 0,
    PreSignedLogUrl: e.PreSignedLogUrl,
    Count: e.Count ?? 1,
  };
}

/** An event as the feed sends it: DescribeFleetEvents' JSON shape (EventTime in epoch seconds) plus FleetId. */
export function fromFeed(data: unknown): (FleetEvent & { FleetId: string }) | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const e = data as Record<string, unknown>;
  if (typeof e.EventId !== "string" || typeof e.EventCode !== "string" || typeof e.EventTime !== "number") return undefined;
  return {
    FleetId: String(e.FleetId ?? ""),
    EventId: e.EventId,
    ResourceId: String(e.ResourceId ?? ""),
    EventCode: e.EventCode,
    Message: String(e.Message ?? ""),
    EventTime: Math.round(e.EventTime * 1000),
    PreSignedLogUrl: typeof e.PreSignedLogUrl === "string" ? e.PreSignedLogUrl : undefined,
    Count: typeof e.Count === "number" ? e.Count : 1,
  };
}

/** The groups GameLift's event documentation uses. */
export const CATEGORIES = ["Creation", "State", "Server process", "Spot", "VPC peering", "Other"] as const;
export type Category = (typeof CATEGORIES)[number];

export function categoryOf(code: string): Category {
  if (/^(FLEET_STATE_|LOCATION_STATE_)/.test(code) || code === "FLEET_DELETED" || code === "FLEET_EXPIRED") return "State";
  if (/^FLEET_(CREATED|CREATION_|BINARY_|VALIDATION_|INITIALIZATION_|ACTIVATION_)/.test(code)) return "Creation";
  if (/^FLEET_VPC_PEERING_/.test(code)) return "VPC peering";
  if (code === "INSTANCE_INTERRUPTED" || code === "INSTANCE_RECYCLED") return "Spot";
  if (/^(SERVER_PROCESS_|GAME_SESSION_|INSTANCE_REPLACED_|GAME_SERVER_CONTAINER_|PER_INSTANCE_CONTAINER_)/.test(code)) {
    return "Server process";
  }
  return "Other";
}

export type Severity = "error" | "warning" | "info";

const FAILURE = /ERROR|FAILED|FAILURE|NOT_FOUND|TIMED_OUT|TIMEOUT|CRASHED|UNHEALTHY|INVALID_PATH|MISCONFIGURED|FORCE_TERMINATED/;

export function severityOf(code: string): Severity {
  if (FAILURE.test(code)) return "error";
  if (code === "INSTANCE_INTERRUPTED" || code === "INSTANCE_RECYCLED" || code === "FLEET_EXPIRED" || code.endsWith("_DELETED")) {
    return "warning";
  }
  return "info";
}

export const isFailure = (code: string) => severityOf(code) === "error";

/** Fleet status from a FLEET_STATE_* code (external fleets follow these too). */
export const stateOf = (code: string): string | undefined => (code.startsWith("FLEET_STATE_") ? code.slice(12) : undefined);

export interface EventFilter {
  category?: string;
  code?: string;
}

/** Filters DescribeFleetEvents cannot apply itself (it takes only a time range). */
export function matches(e: FleetEvent, filter: EventFilter): boolean {
  if (filter.code && e.EventCode !== filter.code) return false;
  if (filter.category && categoryOf(e.EventCode) !== filter.category) return false;
  return true;
}

export type Health = "error" | "failing" | "crash-loop" | "warning" | "ok" | "in-progress";

export interface HealthVerdict {
  health: Health;
  /** Why, in a few words a person reads at a glance. */
  reason: string;
  /** The failure event behind the verdict, if any. */
  cause?: FleetEvent;
}

const CREATING = new Set(["NEW", "DOWNLOADING", "VALIDATING", "BUILDING", "ACTIVATING", "PENDING", "CREATING", "CREATED", "UPDATING"]);
/** Repeats of runtime failures within the recent window that make a crash loop. */
export const CRASH_LOOP_REPEATS = 3;

const failuresIn = (events: readonly FleetEvent[]) => events.filter((e) => isFailure(e.EventCode) && e.EventCode !== "FLEET_STATE_ERROR");

/**
 * How unhealthy a fleet is, from its status, its recent events and its latest events (both newest
 * first; the latest name the cause of an ERROR however long ago it came).
 */
export function healthOf(status: string | undefined, recent: readonly FleetEvent[], latest: readonly FleetEvent[] = recent): HealthVerdict {
  const failures = failuresIn(recent);
  const cause = failures[0];
  if (status === "ERROR") {
    const why = failuresIn(latest)[0] ?? cause;
    return { health: "error", reason: why ? why.EventCode : "Fleet is in ERROR", cause: why };
  }
  if (status && CREATING.has(status) && cause && categoryOf(cause.EventCode) === "Creation") {
    return { health: "failing", reason: cause.EventCode, cause };
  }
  const runtime = failures.filter((e) => categoryOf(e.EventCode) === "Server process");
  const repeats = runtime.reduce((n, e) => n + e.Count, 0);
  if (repeats >= CRASH_LOOP_REPEATS) {
    return { health: "crash-loop", reason: `${runtime[0]!.EventCode} ×${repeats} in the last hour`, cause: runtime[0] };
  }
  if (cause) return { health: "warning", reason: cause.EventCode, cause };
  if (status && CREATING.has(status)) return { health: "in-progress", reason: status };
  return { health: "ok", reason: "" };
}

export const HEALTH_RANK: Record<Health, number> = { error: 0, failing: 1, "crash-loop": 2, warning: 3, "in-progress": 4, ok: 5 };
