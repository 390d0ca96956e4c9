/**
 * `liftlog events`: `aws gamelift describe-fleet-events` with the same flags and, with --output json
 * (and text), the same bytes; beyond it NDJSON, friendly times, --code/--category filters, tables
 * coloured by severity, and --follow.
 */
import { DescribeFleetEventsCommand, type Event, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { paginateDescribeFleetEvents, type PaginateInput, type PaginationConfig } from "../client/index.js";
import { integerOption, parseCommand, timeOption, UsageError, type ParsedValues } from "./args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from "./connection.js";
import { selectedCodes } from "./event-filter.js";
import { CATEGORY_NAMES } from "../model/event-categories.js";
import { fleetArnOf, resolveFleetRef } from "./fleet-ref.js";
import { follow } from "./follow.js";
import {
  awsJson,
  awsText,
  compileQuery,
  eventLine,
  eventRecord,
  eventRow,
  outputFormat,
  queryTable,
  renderTable,
  severityColour,
  styleFor,
  type OutputFormat,
  type Query,
  type Style,
} from "./output.js";

export const EVENTS_OPTIONS = {
  "fleet-id": { type: "string" },
  "start-time": { type: "string" },
  "end-time": { type: "string" },
  "max-items": { type: "string" },
  "page-size": { type: "string" },
  "starting-token": { type: "string" },
  "no-paginate": { type: "boolean" },
  output: { type: "string", short: "o" },
  query: { type: "string" },
  code: { type: "string", multiple: true },
  category: { type: "string", multiple: true },
  follow: { type: "boolean", short: "f" },
  tail: { type: "string" },
  "admin-token": { type: "string" },
  ...CONNECTION_OPTIONS,
} as const;

const HELP = `Usage: liftlog events --fleet-id <id|arn|name> [options]

A fleet's events, newest first, as 'aws gamelift describe-fleet-events' prints them: the same flags
mean the same, and --output json gives the same bytes (NextToken included when --max-items cuts
the log short; pass it to --starting-token to go on).

  --fleet-id F        a fleet ID (fleet-...), fleet ARN, or fleet name
  --start-time T      only events at or after T: epoch seconds, ISO 8601 (2024-05-01T12:00:00Z),
                      or an age such as 90s, 15m, 2h, 3d, 1w
  --end-time T        only events at or before T (same forms)
  --max-items N       print at most N events, then the NextToken to continue from
  --page-size N       events per request (the API's Limit)
  --starting-token T  continue from a NextToken printed before (by liftlog, aws or boto3)
  --no-paginate       one request only; prints the service's own NextToken
  --output F          json (the AWS CLI's), text (the AWS CLI's), table, ndjson (one event a line);
                      default: table on a terminal, json otherwise
  --query Q           a JMESPath expression applied to the result, as in the AWS CLI
                      (with ndjson: to each event)
  --code C            only these event codes (repeat, or separate by commas)
  --category C        only these families of codes: ${CATEGORY_NAMES.join(", ")}
  -f, --follow        the newest events, then each new one as it is stored, oldest first, until
                      Ctrl-C; survives a server restart; polls where there is no live feed (AWS)
  --tail N            with --follow: how many of the newest events to show first (default 10);
                      --start-time shows all from then instead
  --admin-token T     with --follow: the server's admin token (env LIFTLOG_ADMIN_TOKEN)
${CONNECTION_HELP}

Colour marks failures red and warnings yellow on a terminal; none when piped or with NO_COLOR.

Examples:
  liftlog events --fleet-id fleet-1234 --follow
  liftlog events --fleet-id fleet-1234 --start-time 2h
  liftlog events --fleet-id my-fleet --category state,creation --output table
  liftlog events --fleet-id fleet-1234 --max-items 50 --output json --query 'Events[].EventCode'
  liftlog events --fleet-id fleet-1234 --output ndjson > events.ndjson
`;

type Values = ParsedValues<typeof EVENTS_OPTIONS>;

export async function events(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: EVENTS_OPTIONS, help: HELP }, args);
  if (!parsed) return 0;
  const { values } = parsed;
  const range = timeRange(values);
  const paging = pagingOf(values);
  if (values.follow) checkFollowFlags(values, paging);
  const codes = selectedCodes(values.code, values.category);
  const format = outputFormat(values.output);
  const query = compileQuery(values.query);
  const { client, endpoint, region } = await connect(values);
  const FleetId = await resolveFleetRef(client, values["fleet-id"]);
  const input: PaginateInput<"DescribeFleetEvents"> = { FleetId, ...range };
  const print = (text: string) => process.stdout.write(text);
  const style = styleFor();
  if (values.follow) {
    return follow({
      client,
      endpoint,
      region,
      fleetId: FleetId,
      fleet: format === "ndjson" || format === "json" ? await fleetArnOf(client, FleetId) : FleetId,
      sinceMs: range.StartTime?.getTime(),
      tail: integerOption("--tail", values.tail, 10, 0, 10_000),
      codes,
      format,
      query,
      style,
      adminToken: values["admin-token"] ?? process.env.LIFTLOG_ADMIN_TOKEN,
    });
  }

  if (paging === "single") {
    const page = await client.send(new DescribeFleetEventsCommand(input));
    const result = { Events: keep(page.Events ?? [], codes).map(eventRecord), ...(page.NextToken ? { NextToken: page.NextToken } : {}) };
    print(format === "text" ? awsText(query ? query(result) : result) : render(format, result, query, style));
    return 0;
  }
  if (format === "ndjson") {
    await streamLines(client, input, paging, codes, query, print, await fleetArnOf(client, FleetId));
    return 0;
  }
  if (format === "text" && !codes) {
    // The AWS CLI formats text page by page, then the NextToken.
    const walk = paginateDescribeFleetEvents(client, input, paging);
    for await (const page of walk) {
      const current = { Events: (page.Events ?? []).map(eventRecord) };
      print(awsText(query ? query(current) : current));
    }
    const next = { NextToken: { NextToken: walk.resumeToken } };
    if (walk.resumeToken !== undefined) print(awsText(query ? query(next) : next));
    return 0;
  }
  const result = await fullResult(client, input, paging, codes);
  print(format === "text" ? awsText(query ? query(result) : result) : render(format, result, query, style));
  return 0;
}

function timeRange(values: Values): { StartTime?: Date; EndTime?: Date } {
  const now = Date.now();
  const start = values["start-time"] === undefined ? undefined : timeOption("--start-time", values["start-time"], now);
  const end = values["end-time"] === undefined ? undefined : timeOption("--end-time", values["end-time"], now);
  if (start !== undefined && end !== undefined && start > end) {
    throw new UsageError(`--start-time (${new Date(start).toISOString()}) is after --end-time (${new Date(end).toISOString()})`);
  }
  return { ...(start !== undefined ? { StartTime: new Date(start) } : {}), ...(end !== undefined ? { EndTime: new Date(end) } : {}) };
}

function checkFollowFlags(values: Values, paging: PaginationConfig | "single"): void {
  const paged = paging === "single" ? ["--no-paginate"] : ["MaxItems", "StartingToken", "PageSize"].filter((k) => k in paging);
  if (paged.length > 0 || values["end-time"] !== undefined) {
    throw new UsageError(
      "--follow prints events as they are stored, without end: it takes --start-time or --tail, not --end-time or paging flags",
    );
  }
}

/** PaginationConfig from the AWS CLI's paging flags, or "single" for --no-paginate. */
function pagingOf(values: Values): PaginationConfig | "single" {
  const config: PaginationConfig = {
    MaxItems: integerOption("--max-items", values["max-items"], undefined, 1, Number.MAX_SAFE_INTEGER),
    PageSize: integerOption("--page-size", values["page-size"], undefined, 1, 1_000_000),
    StartingToken: values["starting-token"],
  };
  if (values["no-paginate"]) {
    const given = [
      ["--page-size", config.PageSize],
      ["--max-items", config.MaxItems],
      ["--starting-token", config.StartingToken],
    ].filter(([, v]) => v !== undefined);
    if (given.length > 0) {
      throw new UsageError(`Cannot specify --no-paginate along with pagination arguments: ${given.map(([name]) => name).join(", ")}`);
    }
    return "single";
  }
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

const keep = (events: Event[], codes: ReadonlySet<string> | undefined) =>
  codes ? events.filter((e) => codes.has(e.EventCode ?? "")) : events;

interface Result {
  Events: Record<string, unknown>[];
  NextToken?: string;
}

/** The whole (filtered) walk: the paginator's full result, or the matching events with the token after the last one kept. */
async function fullResult(
  client: GameLiftClient,
  input: PaginateInput<"DescribeFleetEvents">,
  paging: PaginationConfig,
  codes: ReadonlySet<string> | undefined,
): Promise<Result> {
  if (!codes) {
    const full = await paginateDescribeFleetEvents(client, input, paging).buildFullResult();
    return { Events: (full.Events ?? []).map(eventRecord), ...(full.NextToken ? { NextToken: full.NextToken } : {}) };
  }
  const events: Record<string, unknown>[] = [];
  const nextToken = await walkMatching(client, input, paging, codes, (e) => events.push(eventRecord(e)));
  return { Events: events, ...(nextToken ? { NextToken: nextToken } : {}) };
}

/**
 * Walks the log, handing each event that matches `codes` to `handle`; MaxItems counts matches.
 * Returns the token to continue after the last event handled, when MaxItems stopped the walk.
 */
async function walkMatching(
  client: GameLiftClient,
  input: PaginateInput<"DescribeFleetEvents">,
  { MaxItems, ...paging }: PaginationConfig,
  codes: ReadonlySet<string> | undefined,
  handle: (event: Event) => void,
): Promise<string | undefined> {
  const walk = paginateDescribeFleetEvents(client, input, codes ? paging : { ...paging, MaxItems });
  let handled = 0;
  for await (const event of walk.items()) {
    if (codes && !codes.has(event.EventCode ?? "")) continue;
    handle(event);
    if (++handled === MaxItems) return walk.resumeToken;
  }
  return walk.resumeToken;
}

/** NDJSON: one event a line, as it arrives, with its fleet; the NextToken (if any) goes to stderr. */
async function streamLines(
  client: GameLiftClient,
  input: PaginateInput<"DescribeFleetEvents">,
  paging: PaginationConfig,
  codes: ReadonlySet<string> | undefined,
  query: Query | undefined,
  print: (text: string) => void,
  fleet: string,
): Promise<void> {
  const nextToken = await walkMatching(client, input, paging, codes, (event) => {
    const line = eventLine(fleet, event);
    print(JSON.stringify(query ? query(line) : line) + "\n");
  });
  if (nextToken) process.stderr.write(`NextToken: ${nextToken}\n`);
}

function render(format: OutputFormat, result: Result, query: Query | undefined, style: Style): string {
  if (format === "json") return awsJson(query ? query(result) : result);
  if (format === "ndjson") return result.Events.map((e) => JSON.stringify(query ? query(e) : e) + "\n").join("");
  if (query) return queryTable(query(result), style);
  const table = eventTable(result.Events, style);
  return result.NextToken ? `${table}NextToken: ${result.NextToken}\n` : table;
}

/** Events as a table for people: UTC time, code, resource, count, message; coloured by severity. */
export function eventTable(events: Record<string, unknown>[], style: Style): string {
  if (events.length === 0) return "No events.\n";
  const rows = events.map((e) => eventRow(e));
  return renderTable(["TIME (UTC)", "EVENT", "RESOURCE", "COUNT", "MESSAGE"], rows, style, (i) =>
    severityColour(String(events[i]!.EventCode)),
  );
}
