/**
 * `liftlog events --follow`: the fleet's newest events, then each new one as it is stored, oldest
 * first, until interrupted. It runs on liftlog/client's follower: liftlog's live feed (resumed
 * after a server restart from the last event printed), or polling DescribeFleetEvents where there
 * is no feed (Amazon GameLift); the output is the same either way.
 */
import { DescribeFleetEventsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { followFleetEvents, type FollowStatus } from "../client/index.js";
import { errorLine } from "./errors.js";
import { awsText, eventLine, eventRow, severityColour, type OutputFormat, type Query, type Style } from "./output.js";

export interface FollowRequest {
  client: GameLiftClient;
  /** liftlog's base URL; undefined for Amazon GameLift (polling). */
  endpoint: string | undefined;
  region: string;
  fleetId: string;
  /** The fleet's ARN when known, for NDJSON lines. */
  fleet: string;
  /** From when to show history first (--start-time); default: the `tail` newest events. */
  sinceMs?: number;
  tail: number;
  codes?: ReadonlySet<string>;
  format: OutputFormat;
  query?: Query;
  style: Style;
  adminToken?: string;
}

export async function follow(request: FollowRequest): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const since = request.sinceMs ?? (await tailStart(request));
  const arnScope = request.fleetId.startsWith("arn:") ? request.fleetId.split(":")[4] : undefined;
  const print = linePrinter(request);
  try {
    for await (const event of followFleetEvents({
      client: request.client,
      endpoint: request.endpoint,
      fleetId: request.fleetId,
      region: request.region,
      ...(arnScope ? { accountId: arnScope } : {}),
      ...(request.codes ? { eventCodes: [...request.codes] } : {}),
      // No history to show: replay from the epoch, which holds exactly what is stored from now on.
      since: new Date(since ?? 0),
      adminToken: request.adminToken,
      signal: controller.signal,
      onStatus: reportStatus,
    })) {
      print(eventLine(request.fleet, event));
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}

/** The time of the oldest of the fleet's `tail` newest (matching) events: following starts there. */
async function tailStart({ client, fleetId, tail, codes }: FollowRequest): Promise<number | undefined> {
  if (tail === 0) return undefined;
  let oldest: number | undefined;
  let kept = 0;
  let NextToken: string | undefined;
  do {
    const page = await client.send(new DescribeFleetEventsCommand({ FleetId: fleetId, NextToken, Limit: Math.max(tail, 10) }));
    for (const event of page.Events ?? []) {
      if (codes && !codes.has(event.EventCode ?? "")) continue;
      oldest = event.EventTime?.getTime();
      if (++kept === tail) return oldest;
    }
    NextToken = page.NextToken;
  } while (NextToken && codes);
  return oldest;
}

/** One line per event: a table row (coloured on a terminal), the AWS CLI's text line, or JSON (json and ndjson alike). */
function linePrinter({ format, query, style }: FollowRequest): (line: Record<string, unknown>) => void {
  return (line) => {
    if (query) return void process.stdout.write(JSON.stringify(query(line)) + "\n");
    if (format === "json" || format === "ndjson") return void process.stdout.write(JSON.stringify(line) + "\n");
    const { FleetId: _fleet, ...event } = line;
    if (format === "text") return void process.stdout.write(awsText({ Events: [event] }));
    const [time, code, ...rest] = eventRow(event);
    const row = [time, code!.padEnd(30), ...rest].join("  ");
    const colour = severityColour(String(event.EventCode));
    process.stdout.write((colour ? style.paint(row, colour) : row) + "\n");
  };
}

/** Reconnects and fallbacks go to stderr, so that the events on stdout stay clean. */
function reportStatus(status: FollowStatus): void {
  if (status.state === "retrying") {
    process.stderr.write(`liftlog events: ${errorLine(status.error)}; retrying in ${(status.delayMs / 1000).toFixed(1)} s\n`);
  } else if (status.state === "fallback") {
    process.stderr.write(`liftlog events: no live feed at this endpoint (${status.reason}); polling DescribeFleetEvents instead\n`);
  }
}
