/**
 * Ingest throughput through the real server's admin API, and what HTTP and validation cost on top of
 * the store: `clients` concurrent clients, each with its own fleet (registered through
 * POST /_liftlog/fleets) and its own keep-alive connection, post batches of `batch` events to
 * POST /_liftlog/events back to back, as JSON bodies or NDJSON streams (one event a line, each
 * naming its fleet). Bodies are built before the clock starts; every answer must carry one distinct
 * EventId per event sent. Right after, the same batches (as store events with their IDs) go to the
 * store's appendEvents in-process from as many concurrent callers, on the same data.
 *
 * Run alone (a fresh SQLite data dir, or a temp PostgreSQL database with --db):
 *   node dist/bench/ingest.js [--events N] [--db postgres://...]
 */
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SeededRandom } from "../src/seed/random.js";
import { newEventId } from "../src/store/event-ids.js";
import type { NewEvent, Scope, Store } from "../src/store/types.js";
import { RawGameLiftClient } from "./http-client.js";
import { benchEvent } from "./load.js";
import { formatCount, formatMs, percentiles, table, wholeNumber } from "./measure.js";
import { processTicks } from "./nodes.js";
import { postgresTarget, sqliteTarget, type BenchTarget } from "./targets.js";
import { startServer, type RunningServer } from "../test/helpers/server.js";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface IngestSetup {
  format: "JSON" | "NDJSON";
  batch: number;
  clients: number;
}

export const INGEST_SETUPS: IngestSetup[] = [
  { format: "JSON", batch: 5_000, clients: 1 },
  { format: "JSON", batch: 5_000, clients: 2 },
  { format: "NDJSON", batch: 5_000, clients: 1 },
  { format: "NDJSON", batch: 5_000, clients: 2 },
];

export interface IngestFigures extends IngestSetup {
  /** Events timed (a warm-up batch per client is not counted). */
  events: number;
  perSecond: number;
  /** Latency of one batch. */
  p50Ms: number;
  p99Ms: number;
  /** The same batches through the store's appendEvents in-process. */
  inProcessPerSecond: number;
  /** CPU time per event (user + system): the server process's, and the in-process appends'. */
  serverCpuUs: number;
  inProcessCpuUs: number;
}

/** One event as the admin API takes it. */
interface WireEvent {
  EventCode: string;
  Message: string;
  EventTime: number;
  Count?: number;
  Log?: string;
}

interface Client {
  http: RawGameLiftClient;
  fleetId: string;
  fleetArn: string;
  /** The warm-up batch first, then the timed ones. */
  batches: WireEvent[][];
  bodies: string[];
}

/** Every setup in turn on one running server; prints a table and returns the figures. */
export async function benchmarkIngest(
  server: { endpoint: string; pid: number },
  store: Store,
  scope: Scope,
  events: number,
  checkpoint: () => void,
): Promise<IngestFigures[]> {
  const figures: IngestFigures[] = [];
  for (const setup of INGEST_SETUPS) figures.push(await measureIngest(server, store, scope, { ...setup, events }, checkpoint));
  console.log(
    `\nIngest through POST /_liftlog/events, each client its own fleet and connection, batches back to back after one` +
      ` warm-up batch per client; in-process: the same batches through the store's appendEvents from as many callers.` +
      ` CPU µs/event: user + system time of the server process (from /proc), and of the in-process appends\n`,
  );
  console.log(
    table(
      [
        "body",
        "events per batch",
        "clients",
        "events",
        "events/s",
        "batch p50 ms",
        "batch p99 ms",
        "in-process events/s",
        "HTTP / in-process",
        "server CPU µs/event",
        "in-process CPU µs/event",
      ],
      figures.map((f) => [
        f.format,
        formatCount(f.batch),
        String(f.clients),
        formatCount(f.events),
        formatCount(f.perSecond),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        formatCount(f.inProcessPerSecond),
        `${(f.perSecond / f.inProcessPerSecond).toFixed(2)}×`,
        f.serverCpuUs.toFixed(1),
        f.inProcessCpuUs.toFixed(1),
      ]),
    ),
  );
  return figures;
}

/** The comparison table's rows for these figures: `row(name, value of one engine's figures)`. */
export function ingestRows<R>(row: (name: string, value: (r: R) => string) => void, of: (r: R) => IngestFigures[]): void {
  INGEST_SETUPS.forEach(({ format, batch, clients }, k) => {
    const name = `ingest ${format}, ${formatCount(batch)} per batch, ${clients} client${clients > 1 ? "s" : ""}`;
    row(`${name}: events/s`, (r) => formatCount(of(r)[k]!.perSecond));
    row(`${name}: HTTP / in-process`, (r) => `${(of(r)[k]!.perSecond / of(r)[k]!.inProcessPerSecond).toFixed(2)}×`);
    row(`${name}: server / in-process CPU µs/event`, (r) => `${of(r)[k]!.serverCpuUs.toFixed(1)} / ${of(r)[k]!.inProcessCpuUs.toFixed(1)}`);
  });
}

/** Runs `events` events (rounded down to whole batches per client, at least one each) in `batch`-sized posts from `clients` clients. */
export async function measureIngest(
  server: { endpoint: string; pid: number },
  store: Store,
  scope: Scope,
  setup: IngestSetup & { events: number },
  checkpoint: () => void,
): Promise<IngestFigures> {
  const { batch, clients, format } = setup;
  const batchesPerClient = Math.max(1, Math.floor(setup.events / (batch * clients)));
  const rng = new SeededRandom(batch * 31 + clients);
  const workers: Client[] = await Promise.all(
    Array.from({ length: clients }, async () => {
      const http = new RawGameLiftClient(server.endpoint, scope.region);
      const registered = await http.admin(
        "/_liftlog/fleets",
        JSON.stringify({ Name: "bench-ingest", Region: scope.region, AccountId: scope.accountId }),
      );
      const { FleetId: fleetId, FleetArn: fleetArn } = JSON.parse(registered.toString("utf8")) as { FleetId: string; FleetArn: string };
      const batches = Array.from({ length: batchesPerClient + 1 }, () => wireBatch(rng, fleetId, batch));
      const bodies = batches.map((events) => (format === "JSON" ? jsonBody(scope, fleetId, events) : ndjsonBody(fleetArn, events)));
      return { http, fleetId, fleetArn, batches, bodies };
    }),
  );
  const contentType = format === "JSON" ? "application/json" : "application/x-ndjson";
  const ids = new Set<string>();
  const post = async (client: Client, body: string) => {
    checkpoint();
    const out = JSON.parse((await client.http.admin("/_liftlog/events", body, contentType)).toString("utf8")) as { EventIds: string[] };
    if (out.EventIds.length !== batch) throw new Error(`ingest answered ${out.EventIds.length} EventIds for ${batch} events`);
    for (const id of out.EventIds) ids.add(id);
  };
  try {
    await Promise.all(workers.map((client) => post(client, client.bodies[0]!)));
    const latencies: number[] = [];
    const ticks = processTicks(server.pid);
    const seconds = await timed(() =>
      Promise.all(
        workers.map(async (client) => {
          for (const body of client.bodies.slice(1)) {
            const t0 = process.hrtime.bigint();
            await post(client, body);
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
        }),
      ),
    );
    const events = batchesPerClient * clients * batch;
    if (ids.size !== events + clients * batch)
      throw new Error(`ingest returned ${ids.size} distinct EventIds for ${events + clients * batch} events`);
    const serverCpuUs = ((processTicks(server.pid) - ticks) / TICKS_PER_SECOND / events) * 1e6;
    const cpu = process.cpuUsage();
    const inProcessSeconds = await appendInProcess(store, scope, workers);
    const { user, system } = process.cpuUsage(cpu);
    return {
      ...setup,
      events,
      perSecond: events / seconds,
      ...percentiles(latencies),
      inProcessPerSecond: events / inProcessSeconds,
      serverCpuUs,
      inProcessCpuUs: (user + system) / events,
    };
  } finally {
    for (const { http } of workers) http.close();
  }
}

/** The timed batches again, as store events with new IDs, through appendEvents from one caller per client; seconds taken. */
async function appendInProcess(store: Store, scope: Scope, workers: Client[]): Promise<number> {
  const batches = workers.map(({ fleetId, batches }) => batches.slice(1).map((events) => storeEvents(fleetId, events)));
  return timed(() =>
    Promise.all(
      batches.map(async (mine) => {
        for (const events of mine) {
          // As the admin API stores a validated batch (its check has refused U+0000 already).
          await store.appendEvents(scope, events, [], { eventsStorable: true });
          // A synchronous store never yields; let the other callers take turns, as the server's clients do.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    ),
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** One batch of events of the last minute, so that retention never takes them. */
function wireBatch(rng: SeededRandom, fleetId: string, batch: number): WireEvent[] {
  const now = Date.now();
  return Array.from({ length: batch }, () => {
    const e = benchEvent(rng, fleetId, now - rng.int(0, 60_000));
    return {
      EventCode: e.eventCode,
      Message: e.message,
      EventTime: e.eventTimeMs / 1000,
      ...(e.count !== undefined ? { Count: e.count } : {}),
      ...(e.log !== undefined ? { Log: e.log } : {}),
    };
  });
}

const jsonBody = (scope: Scope, fleetId: string, events: WireEvent[]) =>
  JSON.stringify({ FleetId: fleetId, Region: scope.region, AccountId: scope.accountId, Events: events });

/** One event a line, each naming its fleet by ARN (which carries its account and region). */
const ndjsonBody = (fleetArn: string, events: WireEvent[]) =>
  events.map((e) => JSON.stringify({ FleetId: fleetArn, ...e })).join("\n") + "\n";

/** The store events the server makes of `events`. */
function storeEvents(fleetId: string, events: WireEvent[]): NewEvent[] {
  return events.map((e) => ({
    eventId: newEventId(),
    fleetId,
    resourceId: fleetId,
    eventCode: e.EventCode,
    message: e.Message,
    eventTimeMs: Math.round(e.EventTime * 1000),
    ...(e.Count !== undefined ? { count: e.Count } : {}),
    ...(e.Log !== undefined ? { log: e.Log } : {}),
  }));
}

/**
 * The ingest figures alone, on one engine's empty store (this file run alone, and `npm run bench --
 * --ingest-only`): the real server on the target's data, then the target thrown away.
 */
export async function benchmarkIngestAlone(target: BenchTarget, scope: Scope, events: number, checkpoint: () => void): Promise<void> {
  let server: RunningServer | undefined;
  try {
    console.log(`\n## ${target.label}\n`);
    // The figures move with the machine's load: they are quoted with it.
    const before = loadAverage();
    server = await startServer(target.server);
    await benchmarkIngest({ endpoint: server.endpoint, pid: server.process.pid! }, target.store, scope, events, checkpoint);
    console.log(`\nnode ${process.version}, load average ${before} at the start, ${loadAverage()} at the end`);
  } finally {
    await server?.dispose();
    await target.dispose();
  }
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const BENCH_SCOPE: Scope = { accountId: "000000000000", region: "us-east-1" };

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { events: { type: "string" }, db: { type: "string" } } });
  try {
    const target = values.db ? await postgresTarget(values.db) : await sqliteTarget();
    await benchmarkIngestAlone(target, BENCH_SCOPE, wholeNumber("events", values.events, 100_000, 1), () => undefined);
  } catch (err) {
    console.error(`ingest: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
