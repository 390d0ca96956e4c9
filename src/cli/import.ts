/**
 * `liftlog import FILE`: events from an export (NDJSON or CSV) into a liftlog server through its
 * admin ingest, streamed in batches, each stored all or nothing. Events keep their IDs and fleets
 * (registered under their own ARNs when missing), so an import never stores an event twice: a
 * second run of the same file is refused. A bad line is named by its number.
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { parse as parseCsv } from "csv-parse";
import { CliError, integerOption, parseCommand, UsageError } from "./args.js";
import { ADMIN_TOKEN_HELP, AdminError, adminClient, adminToken, ensureFleet, type AdminClient } from "./admin-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS } from "./connection.js";
import { progress } from "./progress.js";

const OPTIONS = {
  format: { type: "string" },
  "batch-size": { type: "string" },
  "from-line": { type: "string" },
  "admin-token": { type: "string" },
  ...CONNECTION_OPTIONS,
} as const;

/** The admin ingest's limit per request. */
const MAX_BATCH = 10_000;

const HELP = `Usage: liftlog import FILE [--format ndjson|csv] [options]

Stores the events of FILE (as 'liftlog export' or 'liftlog events --output ndjson' write them) in a
liftlog server, in batches: each batch is stored whole or not at all. Events keep their IDs and
their fleets' IDs and ARNs; a fleet the server lacks is registered. A bad line stops the import
with its line number; the batches before it stay stored, and --from-line continues after the fix.
A progress bar shows on a terminal.

  FILE                an NDJSON or CSV file ('-' reads stdin)
  --format F          ndjson or csv (default: csv for a .csv name, else ndjson)
  --batch-size N      events per batch (default 5000, at most ${MAX_BATCH})
  --from-line N       skip the lines before line N (to continue after fixing a bad line)
${ADMIN_TOKEN_HELP}
${CONNECTION_HELP}

Examples:
  liftlog import fleet-1234.ndjson
  liftlog import last-week.csv --endpoint-url http://liftlog.internal:4580 --admin-token "$TOKEN"
`;

interface Line {
  number: number;
  record: Record<string, unknown>;
}

export async function importEvents(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: OPTIONS, help: HELP, positionals: 1 }, args);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (file === undefined) throw new UsageError("give the FILE to import (an NDJSON or CSV export)");
  const format = values.format ?? (file.toLowerCase().endsWith(".csv") ? "csv" : "ndjson");
  if (format !== "ndjson" && format !== "csv") throw new UsageError(`--format must be ndjson or csv, got '${format}'`);
  const batchSize = integerOption("--batch-size", values["batch-size"], 5000, 1, MAX_BATCH);
  const fromLine = integerOption("--from-line", values["from-line"], 1, 1, Number.MAX_SAFE_INTEGER);
  const admin = await adminClient(values, adminToken(values));

  let size = 0;
  if (file !== "-") {
    try {
      size = statSync(file).size;
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const input = file === "-" ? process.stdin : createReadStream(file);
  const bar = progress("importing", size);
  const importer = new Importer(admin, file, batchSize);
  try {
    const lines = format === "csv" ? csvLines(input, file) : ndjsonLines(input, file);
    for await (const line of lines) {
      if (line.number < fromLine) continue;
      await importer.add(line);
      bar.update((input as { bytesRead?: number }).bytesRead ?? 0, importer.stored);
    }
    await importer.flush();
  } catch (err) {
    if (err instanceof LineError) throw new CliError(`${err.message}. ${importer.storedSoFar(err.line)}`);
    throw err;
  } finally {
    bar.stop();
  }
  process.stderr.write(`Imported ${importer.stored.toLocaleString("en-US")} events from ${file} into ${admin.endpoint}\n`);
  return 0;
}

async function* ndjsonLines(input: NodeJS.ReadableStream, file: string): AsyncGenerator<Line> {
  let number = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (text.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new LineError(file, number, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) throw new LineError(file, number, "not a JSON object");
    yield { number, record: record as Record<string, unknown> };
  }
}

async function* csvLines(input: NodeJS.ReadableStream, file: string): AsyncGenerator<Line> {
  const parser = input.pipe(parseCsv({ columns: true, info: true, skip_empty_lines: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { number: info.lines, record: fromCsv(record, file, info.lines) };
    }
  } catch (err) {
    if (err instanceof LineError) throw err;
    const { lines, message } = err as { lines?: number; message: string };
    throw new LineError(file, lines ?? 0, `not valid CSV (${message})`);
  }
}

/** A CSV row as an event: empty cells are absent, EventTime is ISO 8601 (or epoch seconds), Count a number. */
function fromCsv(row: Record<string, string>, file: string, line: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (value !== "") record[key] = value;
  if (typeof record.EventTime === "string") {
    const text = record.EventTime;
    const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
    if (!Number.isFinite(ms)) throw new LineError(file, line, `EventTime '${text}' is neither ISO 8601 nor epoch seconds`);
    record.EventTime = ms / 1000;
  }
  if (typeof record.Count === "string") record.Count = Number(record.Count);
  return record;
}

/** A bad line: names the file and line; the note on what was stored is added by the importer. */
class LineError extends CliError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/**
 * Batches lines and stores each batch whole. A batch never splits events of one millisecond (their
 * order among themselves is kept by storing each batch oldest first), nor holds two fleets.
 */
class Importer {
  stored = 0;
  #batch: Line[] = [];
  readonly #fleets = new Set<string>();

  constructor(
    readonly admin: AdminClient,
    readonly file: string,
    readonly batchSize: number,
  ) {}

  async add(line: Line): Promise<void> {
    const last = this.#batch.at(-1)?.record;
    const full = this.#batch.length >= this.batchSize && last?.EventTime !== line.record.EventTime;
    if (last && (full || last.FleetId !== line.record.FleetId || this.#batch.length >= MAX_BATCH)) await this.flush();
    this.#batch.push(line);
  }

  async flush(): Promise<void> {
    const batch = this.#batch.reverse();
    this.#batch = [];
    if (batch.length === 0) return;
    const first = Math.min(...batch.map((l) => l.number));
    try {
      const fleet = batch[0]!.record.FleetId;
      if (typeof fleet === "string" && !this.#fleets.has(fleet)) {
        await ensureFleet(this.admin, fleet, fleet.split("/").pop()!);
        this.#fleets.add(fleet);
      }
      // A log URL is minted by the server that stores the event; the log's text travels as Log.
      const events = batch.map(({ record: { PreSignedLogUrl: _url, ...event } }) => event);
      await this.admin.post("/_liftlog/events", { Events: events });
      this.stored += batch.length;
    } catch (err) {
      throw new CliError(`${this.#where(err, batch)} ${this.storedSoFar(first)}`);
    }
  }

  /** The server's message with `Events[i]` turned into the line it came from. */
  #where(err: unknown, batch: Line[]): string {
    if (!(err instanceof AdminError)) throw err;
    const index = /Events\[(\d+)\]: /.exec(err.message);
    const line = index ? batch[Number(index[1])]?.number : undefined;
    const message = index ? err.message.replace(index[0], "") : err.message;
    return line !== undefined
      ? `${this.file}:${line}: ${err.code}: ${message}`
      : `${this.file}: the batch of lines ${Math.min(...batch.map((l) => l.number))}-${Math.max(...batch.map((l) => l.number))} was refused: ${err.code}: ${message}`;
  }

  /** What is stored when the line `bad` stops the import: every batch before the one being gathered. */
  storedSoFar(bad: number): string {
    const first = Math.min(bad, ...this.#batch.map((l) => l.number));
    return `This run stored ${this.stored.toLocaleString("en-US")} events, those before line ${first}; fix the file and run again with --from-line ${first}.`;
  }
}
