/**
 * `liftlog mirror`: keeps copying fleets' events from another GameLift endpoint (Amazon GameLift
 * with the user's credentials, or another liftlog) into a liftlog server, as external fleets under
 * the source's fleet IDs and ARNs, with the source's event IDs.
 *
 * Where to resume is read from the copy itself, so a restart (or a crash) loses nothing and
 * copies nothing twice: events are stored oldest first in all-or-nothing batches, so everything
 * older than the copy's newest event is there; of the events at that very time, those whose IDs the
 * copy holds are skipped. The source is read newest first (as DescribeFleetEvents pages), spooled
 * to a temporary file page by page, and stored from the last page back: memory stays flat.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeFleetEventsCommand, GameLiftClient, type FleetAttributes } from "@aws-sdk/client-gamelift";
import { paginateDescribeFleetEvents } from "../client/index.js";
import { CliError, integerOption, parseCommand, UsageError } from "./args.js";
import { ADMIN_TOKEN_HELP, adminClient, adminToken, ensureFleet, type AdminClient } from "./admin-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, type Connection } from "./connection.js";
import { allFleets, describeFleet, resolveFleetRef } from "./fleet-ref.js";
import { errorLine } from "./errors.js";
import { portableLine } from "./output.js";

const OPTIONS = {
  "source-endpoint": { type: "string" },
  "source-region": { type: "string" },
  "source-profile": { type: "string" },
  "fleet-id": { type: "string", multiple: true },
  once: { type: "boolean" },
  interval: { type: "string" },
  "batch-size": { type: "string" },
  "admin-token": { type: "string" },
  ...CONNECTION_OPTIONS,
} as const;

const HELP = `Usage: liftlog mirror --source-endpoint <URL|aws> [--fleet-id F ...] [options]

Keeps copying the events of fleets from another GameLift endpoint into this liftlog server (the
one --endpoint-url names, by default the local one), as external fleets with the source's fleet
IDs, ARNs and event IDs. Incremental and resumable: each pass copies what the copy lacks, read
from the copy itself, so a restart neither loses nor repeats an event. The copy keeps a fleet's
history past the source's retention; read it with 'liftlog events', follow it with --follow.

  --source-endpoint E the source: a liftlog URL, or 'aws' for Amazon GameLift
  --source-region R   the source's region (default: --region, AWS_REGION, the profile's region)
  --source-profile P  the AWS profile for the source (default: the SDK's default credentials)
  --fleet-id F        a source fleet to copy (ID, ARN or name; repeat for several); default: every
                      fleet the source lists, checked again on each pass
  --once              one pass, then exit (default: a pass every --interval until Ctrl-C)
  --interval S        seconds between passes (default 60)
  --batch-size N      events stored per all-or-nothing batch (default 5000)
${ADMIN_TOKEN_HELP}
${CONNECTION_HELP}

The copy is read with the fleet's account ID as access key, as a liftlog server in its default
auth mode maps 12-digit keys. Repeats the source adds to an event's Count after it was copied are
not copied.

Examples:
  liftlog mirror --source-endpoint aws --source-profile prod --source-region us-west-2
  liftlog mirror --source-endpoint http://other-liftlog:4580 --fleet-id fleet-1234 --once
`;

export async function mirror(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: OPTIONS, help: HELP }, args);
  if (!parsed) return 0;
  const { values } = parsed;
  if (values["source-endpoint"] === undefined)
    throw new UsageError("--source-endpoint is required: a liftlog URL, or 'aws' for Amazon GameLift");
  const interval = integerOption("--interval", values.interval, 60, 1, 86_400);
  const batchSize = integerOption("--batch-size", values["batch-size"], 5000, 1, 10_000);
  const admin = await adminClient(values, adminToken(values));
  const source = await connect({
    "endpoint-url": values["source-endpoint"],
    region: values["source-region"] ?? values.region,
    profile: values["source-profile"],
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    do {
      try {
        for (const fleet of await sourceFleets(source, values["fleet-id"])) {
          if (controller.signal.aborted) break;
          await mirrorFleet(source, admin, fleet, batchSize);
        }
      } catch (err) {
        // A one-off pass reports and fails; a standing mirror reports and tries again next pass.
        if (values.once) throw err;
        process.stderr.write(`liftlog mirror: ${errorLine(err)}; trying again in ${interval} s\n`);
      }
      if (values.once) break;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, interval * 1000);
        controller.signal.addEventListener("abort", () => resolve(clearTimeout(timer)), { once: true });
      });
    } while (!controller.signal.aborted);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}

/** The fleets to copy: those named (resolved on the source), else every fleet the source lists. */
async function sourceFleets(source: Connection, named: string[] | undefined): Promise<FleetAttributes[]> {
  if (!named || named.length === 0) return allFleets(source.client);
  const fleets: FleetAttributes[] = [];
  for (const given of named) {
    const ref = await resolveFleetRef(source.client, given);
    const fleet = await describeFleet(source.client, ref);
    if (!fleet?.FleetArn) throw new CliError(`the source does not describe fleet ${given}; check --fleet-id and --source-region`);
    fleets.push(fleet);
  }
  return fleets;
}

/** One pass over one fleet: what the source has that the copy lacks, stored oldest first. */
async function mirrorFleet(source: Connection, admin: AdminClient, fleet: FleetAttributes, batchSize: number): Promise<void> {
  const arn = fleet.FleetArn!;
  await ensureFleet(admin, arn, fleet.Name ?? fleet.FleetId!);
  const { sinceMs, idsAtSince } = await copyPosition(admin.endpoint, arn);
  const spool = new Spool();
  try {
    const walk = paginateDescribeFleetEvents(
      source.client,
      { FleetId: fleet.FleetId!, ...(sinceMs !== undefined ? { StartTime: new Date(sinceMs) } : {}) },
      { PageSize: 1000 },
    );
    for await (const page of walk) {
      const fresh = (page.Events ?? []).filter((e) => !idsAtSince.has(e.EventId!));
      spool.page(await Promise.all(fresh.map((e) => portableLine(arn, e))));
    }
    let copied = 0;
    let batch: Record<string, unknown>[] = [];
    const store = async () => {
      await admin.post("/_liftlog/events", { Events: batch });
      copied += batch.length;
      process.stderr.write(`${fleet.FleetId}: copied ${copied} of ${spool.count} new events\n`);
      batch = [];
    };
    for (const line of spool.oldestFirst()) {
      batch.push(line);
      if (batch.length >= batchSize) await store();
    }
    if (batch.length > 0) await store();
    if (spool.count === 0) process.stderr.write(`${fleet.FleetId}: up to date\n`);
  } finally {
    spool.close();
  }
}

/** Where the copy stands: its newest event's time, and the IDs of its events at that time. */
async function copyPosition(endpoint: string, arn: string): Promise<{ sinceMs?: number; idsAtSince: Set<string> }> {
  const [, , , region, accountId] = arn.split(":");
  const copy = new GameLiftClient({ endpoint, region, credentials: { accessKeyId: accountId!, secretAccessKey: "liftlog" } });
  const newest = await copy.send(new DescribeFleetEventsCommand({ FleetId: arn, Limit: 1 }));
  const sinceMs = newest.Events?.[0]?.EventTime?.getTime();
  const idsAtSince = new Set<string>();
  if (sinceMs !== undefined) {
    const at = new Date(sinceMs);
    for await (const e of paginateDescribeFleetEvents(copy, { FleetId: arn, StartTime: at, EndTime: at }).items())
      idsAtSince.add(e.EventId!);
  }
  return { sinceMs, idsAtSince };
}

/** Pages of NDJSON lines in a temporary file, read back from the last page to the first, each reversed: oldest first. */
class Spool {
  readonly #dir = mkdtempSync(join(tmpdir(), "liftlog-mirror-"));
  readonly #fd = openSync(join(this.#dir, "pages.ndjson"), "w+");
  /** Byte offset where each page starts, and the end. */
  readonly #offsets: number[] = [0];
  count = 0;

  page(lines: Record<string, unknown>[]): void {
    if (lines.length === 0) return;
    const bytes = Buffer.from(lines.map((l) => JSON.stringify(l) + "\n").join(""), "utf8");
    writeSync(this.#fd, bytes, 0, bytes.length, this.#offsets.at(-1));
    this.#offsets.push(this.#offsets.at(-1)! + bytes.length);
    this.count += lines.length;
  }

  *oldestFirst(): Generator<Record<string, unknown>> {
    for (let i = this.#offsets.length - 2; i >= 0; i--) {
      const start = this.#offsets[i]!;
      const bytes = Buffer.alloc(this.#offsets[i + 1]! - start);
      readSync(this.#fd, bytes, 0, bytes.length, start);
      const lines = bytes.toString("utf8").trimEnd().split("\n");
      for (let j = lines.length - 1; j >= 0; j--) yield JSON.parse(lines[j]!) as Record<string, unknown>;
    }
  }

  close(): void {
    closeSync(this.#fd);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
