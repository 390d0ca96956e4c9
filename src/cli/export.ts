/**
 * `liftlog export`: a fleet's whole event log (or a time range of it) to NDJSON or CSV, streamed
 * page by page so that memory stays flat however long the log. Each event keeps its ID, its fleet's
 * ARN and the text of its log, so that `liftlog import` rebuilds the same log elsewhere.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import { paginateDescribeFleetEvents } from "../client/index.js";
import { CliError, integerOption, parseCommand, timeOption, UsageError } from "./args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from "./connection.js";
import { describeFleet, resolveFleetRef } from "./fleet-ref.js";
import { portableLine } from "./output.js";
import { progress } from "./progress.js";

const OPTIONS = {
  "fleet-id": { type: "string" },
  format: { type: "string" },
  out: { type: "string", short: "o" },
  "start-time": { type: "string" },
  "end-time": { type: "string" },
  "page-size": { type: "string" },
  ...CONNECTION_OPTIONS,
} as const;

const HELP = `Usage: liftlog export --fleet-id <id|arn|name> [--format ndjson|csv] [--out FILE] [options]

Writes a fleet's events, newest first, to a file (or stdout): every event with its ID, its fleet's
ARN and the text of its log, streamed, so that millions of events take no more memory than a few.
'liftlog import' reads the NDJSON and CSV it writes. A progress bar shows on a terminal.

  --fleet-id F        a fleet ID, fleet ARN or fleet name
  --format F          ndjson (default; one JSON event a line) or csv (a header line, then
                      FleetId, EventId, ResourceId, EventCode, Message, EventTime, Count, Log)
  --out FILE          write here instead of stdout (the format defaults from a .csv name)
  --start-time T      only events at or after T (epoch seconds, ISO 8601, or 15m, 2h, 3d ago)
  --end-time T        only events at or before T
  --page-size N       events per request (default 1000)
${CONNECTION_HELP}

Examples:
  liftlog export --fleet-id fleet-1234 --out fleet-1234.ndjson
  liftlog export --fleet-id my-fleet --format csv --start-time 7d > last-week.csv
  liftlog export --fleet-id fleet-1234 --profile prod --out from-aws.ndjson    # from Amazon GameLift
`;

export const CSV_COLUMNS = ["FleetId", "EventId", "ResourceId", "EventCode", "Message", "EventTime", "Count", "Log"] as const;

export async function exportEvents(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: OPTIONS, help: HELP }, args);
  if (!parsed) return 0;
  const { values } = parsed;
  const format = values.format ?? (values.out?.toLowerCase().endsWith(".csv") ? "csv" : "ndjson");
  if (format !== "ndjson" && format !== "csv") throw new UsageError(`--format must be ndjson or csv, got '${format}'`);
  const now = Date.now();
  const startMs = values["start-time"] === undefined ? undefined : timeOption("--start-time", values["start-time"], now);
  const endMs = values["end-time"] === undefined ? undefined : timeOption("--end-time", values["end-time"], now);
  const pageSize = integerOption("--page-size", values["page-size"], 1000, 1, 1_000_000);
  const { client } = await connect(values);
  const fleetId = await resolveFleetRef(client, values["fleet-id"]);
  const fleet = await describeFleet(client, fleetId);
  const out: Writable = values.out ? createWriteStream(values.out) : process.stdout;
  if (values.out) await once(out, "open").catch((err: Error) => Promise.reject(new CliError(`cannot write ${values.out}: ${err.message}`)));
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  if (format === "csv") await write(stringify([[...CSV_COLUMNS]]));

  const walk = paginateDescribeFleetEvents(
    client,
    {
      FleetId: fleetId,
      ...(startMs !== undefined ? { StartTime: new Date(startMs) } : {}),
      ...(endMs !== undefined ? { EndTime: new Date(endMs) } : {}),
    },
    { PageSize: pageSize },
  );
  let count = 0;
  let bar: ReturnType<typeof progress> | undefined;
  let newestMs = 0;
  try {
    for await (const event of walk.items()) {
      const timeMs = event.EventTime?.getTime() ?? 0;
      if (!bar) {
        // Progress is the share of the time span covered: newest event back to the start (or the fleet's creation).
        newestMs = timeMs;
        const oldestMs = startMs ?? fleet?.CreationTime?.getTime() ?? timeMs;
        bar = progress("exporting", Math.max(0, newestMs - oldestMs));
      }
      const record = await portableLine(fleet?.FleetArn ?? fleetId, event);
      await write(format === "csv" ? stringify([CSV_COLUMNS.map((c) => csvCell(c, record[c]))]) : JSON.stringify(record) + "\n");
      bar.update(newestMs - timeMs, ++count);
    }
  } finally {
    bar?.stop();
  }
  if (values.out) {
    out.end();
    await once(out, "finish");
    process.stderr.write(`Exported ${count.toLocaleString("en-US")} events of ${fleetId} to ${values.out}\n`);
  }
  return 0;
}

function csvCell(column: string, value: unknown): string {
  if (value === undefined) return "";
  return column === "EventTime" ? new Date(Math.round((value as number) * 1000)).toISOString() : String(value);
}
