/**
 * The scale benchmark (not part of `npm run bench` or of the tests: it runs for hours and takes
 * tens of GB): one SQLite store with --fleets fleets (default 1,000), loaded through the Store
 * in-process in transactions of --batch events (default 100,000), and measured each time it
 * reaches one of --sizes (default 1,000,000, 10,000,000, 30,000,000, 100,000,000 events):
 *   - load rate of that stretch, and the database file's bytes per event (after a WAL checkpoint);
 *   - DescribeFleetEvents (Limit 100) first pages and deep pages of random fleets, through the real
 *     server (a child process on the same file) and in-process (Store.queryEvents), the four
 *     interleaved in rounds, sequential, --requests timed calls each (default 400).
 * A deep page starts at a random depth within its fleet: the newest event at or before a random
 * time of the fleet's span, sealed into a NextToken with the server's own signer and key (the
 * benchmark checks that a token it seals is byte for byte the one the server returns, and that
 * the server's deep pages are the store's).
 * Loading stops early, and the reached size is measured, when the disk holding the data has less
 * than --min-free-gb free (default 25) or at --deadline (an ISO time). Figures go to stdout and,
 * as each size is reached, to --out (appended).
 *   node dist/bench/scale.js [--sizes 1e6,1e7,3e7,1e8] [--fleets N] [--requests N] [--batch N]
 *     [--min-free-gb N] [--deadline 2026-01-01T04:00:00Z] [--out figures.md] [--data-dir DIR] [--keep]
 *     [--resume]
 * --resume goes on loading the store an earlier run (same --fleets and --sizes) left in --data-dir:
 * it measures at the size it finds, then at each size still ahead; ratios are to that first row.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, statfsSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { databasePath, defaultConfig, type LiftlogConfig } from "../src/config.js";
import { TokenSigner } from "../src/operations/tokens.js";
import { SeededRandom } from "../src/seed/random.js";
import { openStore } from "../src/server.js";
import type { Cursor, FleetRecord, NewEvent, Scope, Store } from "../src/store/types.js";
import { startServer } from "../test/helpers/server.js";
import { RawGameLiftClient } from "./http-client.js";
import { benchEvent, benchFleet } from "./load.js";
import { formatCount, formatMs, measure, table, wholeNumber, type Figures } from "./measure.js";

const LIMIT = 100;
const SCOPE: Scope = { accountId: "000000000000", region: "us-east-1" };
const YEAR_MS = 365 * 86_400_000;
const GB = 1024 ** 3;

export interface ScaleOptions {
  sizes: number[];
  fleets: number;
  requests: number;
  batch: number;
  minFreeBytes: number;
  deadlineMs?: number;
  out?: string;
  dataDir?: string;
  keep: boolean;
  /** Go on loading the store an earlier run left in dataDir. */
  resume: boolean;
}

/** What was measured at one size. */
interface Checkpoint {
  events: number;
  /** Why loading stopped here before reaching the next size, if it did. */
  stopped?: string;
  loadSeconds: number;
  loadPerSecond: number;
  bytesPerEvent: number;
  fileBytes: number;
  server: { first: Figures; deep: Figures };
  store: { first: Figures; deep: Figures };
  loadAverage: number[];
  at: string;
}

/** The events to load: `fleets` equal fleets appending side by side over a year, oldest first. */
class Loader {
  private readonly rng = new SeededRandom(1);
  readonly startMs: number;
  private readonly stepMs: number;
  loaded = 0;

  constructor(
    private readonly store: Store,
    readonly fleets: FleetRecord[],
    total: number,
  ) {
    this.startMs = fleets[0]!.creationTimeMs;
    this.stepMs = YEAR_MS / total;
  }

  /** The time of the newest event loaded so far. */
  get endMs(): number {
    return this.timeOf(this.loaded - 1);
  }

  private timeOf(i: number): number {
    return this.startMs + Math.floor(i * this.stepMs);
  }

  async append(count: number): Promise<void> {
    const batch: NewEvent[] = [];
    for (let i = 0; i < count; i++) {
      const fleet = this.fleets[this.rng.int(0, this.fleets.length - 1)]!;
      batch.push(benchEvent(this.rng, fleet.fleetId, this.timeOf(this.loaded + i)));
    }
    await this.store.appendEvents(SCOPE, batch);
    this.loaded += count;
  }
}

/**
 * Picks up a store an earlier run (with the same --fleets and --sizes) left in --data-dir: its
 * fleets, and its event count, from which event times go on as if the run had never stopped.
 */
async function resumeLoader(store: Store, config: LiftlogConfig, options: ScaleOptions, total: number): Promise<Loader> {
  const fleets: FleetRecord[] = [];
  for (let i = 0; i < options.fleets; i++) {
    const fleet = await store.getFleet(SCOPE, scaleFleetId(i));
    if (!fleet)
      throw new Error(
        `--resume: ${config.dataDir} holds no fleet ${scaleFleetId(i)}; it is not a scale run's store with --fleets ${options.fleets}`,
      );
    fleets.push(fleet);
  }
  const db = new Database(databasePath(config), { readonly: true });
  try {
    const { n } = db.prepare("SELECT count(*) AS n FROM events").get() as { n: number };
    const loader = new Loader(store, fleets, total);
    loader.loaded = n;
    return loader;
  } finally {
    db.close();
  }
}

const scaleFleetId = (i: number) => `fleet-${String(i).padStart(8, "0")}-0000-4000-8000-${"0".repeat(12)}`;

async function createFleets(store: Store, count: number, startMs: number): Promise<FleetRecord[]> {
  const fleets: FleetRecord[] = [];
  for (let i = 0; i < count; i++) {
    const fleet = benchFleet(SCOPE, scaleFleetId(i), `scale-${i}`, startMs);
    await store.createFleet(fleet);
    fleets.push(fleet);
  }
  return fleets;
}

/** Why loading must stop now, if it must. */
function stopReason(options: ScaleOptions, dataDir: string): string | undefined {
  if (options.deadlineMs !== undefined && Date.now() >= options.deadlineMs) return `deadline ${new Date(options.deadlineMs).toISOString()}`;
  const fs = statfsSync(dataDir);
  const free = fs.bavail * fs.bsize;
  if (free < options.minFreeBytes) return `disk free ${(free / GB).toFixed(1)} GB < ${(options.minFreeBytes / GB).toFixed(0)} GB`;
  return undefined;
}

/** The SQLite file's size once the WAL is checkpointed into it. */
function checkpointedBytes(config: LiftlogConfig): number {
  const path = databasePath(config);
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 60000");
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return statSync(path).size;
}

interface DeepPage {
  fleetId: string;
  cursor: Cursor;
  token: string;
}

/** Reads first and deep pages through the server and in-process, interleaved. */
async function measurePages(
  store: Store,
  loader: Loader,
  endpoint: string,
  requests: number,
): Promise<{ server: { first: Figures; deep: Figures }; store: { first: Figures; deep: Figures } }> {
  const signer = new TokenSigner(await store.secret("pagination-token"));
  const binding = (fleetId: string) => ["DescribeFleetEvents", SCOPE.accountId, SCOPE.region, fleetId, null, null];
  const client = new RawGameLiftClient(endpoint, SCOPE.region);
  const rng = new SeededRandom(loader.loaded);
  const fleetOf = () => loader.fleets[rng.int(0, loader.fleets.length - 1)]!.fleetId;
  const describe = async (fleetId: string, token?: string) =>
    JSON.parse(
      (
        await client.ok("DescribeFleetEvents", JSON.stringify({ FleetId: fleetId, Limit: LIMIT, ...(token ? { NextToken: token } : {}) }))
      ).toString("utf8"),
    ) as { Events: { EventId: string }[]; NextToken?: string };
  try {
    await checkTokens(store, signer, binding, fleetOf(), describe);
    const warmup = Math.max(10, Math.floor(requests / 10));
    const firsts = Array.from({ length: requests + warmup }, fleetOf);
    const deeps: DeepPage[] = [];
    while (deeps.length < requests + warmup) {
      const fleetId = fleetOf();
      const timeMs = loader.startMs + Math.floor(rng.next() * (loader.endMs - loader.startMs));
      const [at] = await store.queryEvents(SCOPE, { fleetId, endMs: timeMs, limit: 1 });
      if (!at) continue;
      const cursor = { eventTimeMs: at.eventTimeMs, seq: at.seq };
      deeps.push({ fleetId, cursor, token: signer.seal(binding(fleetId), [cursor.eventTimeMs, cursor.seq]) });
    }
    await checkDeepPages(store, deeps.slice(0, 5), describe);
    const [serverFirst, serverDeep, storeFirst, storeDeep] = await measure(requests, warmup, [
      (i) => describe(firsts[i]!),
      (i) => describe(deeps[i]!.fleetId, deeps[i]!.token),
      (i) => store.queryEvents(SCOPE, { fleetId: firsts[i]!, limit: LIMIT + 1 }),
      (i) => store.queryEvents(SCOPE, { fleetId: deeps[i]!.fleetId, after: deeps[i]!.cursor, limit: LIMIT + 1 }),
    ]);
    return { server: { first: serverFirst!, deep: serverDeep! }, store: { first: storeFirst!, deep: storeDeep! } };
  } finally {
    client.close();
  }
}

/** A token sealed here for the first page's last event must be the server's own NextToken. */
async function checkTokens(
  store: Store,
  signer: TokenSigner,
  binding: (fleetId: string) => unknown[],
  fleetId: string,
  describe: (fleetId: string, token?: string) => Promise<{ NextToken?: string }>,
): Promise<void> {
  const page = await store.queryEvents(SCOPE, { fleetId, limit: LIMIT });
  const last = page[LIMIT - 1];
  const { NextToken } = await describe(fleetId);
  if (!last || NextToken !== signer.seal(binding(fleetId), [last.eventTimeMs, last.seq])) {
    throw new Error(
      `the benchmark's NextToken for ${fleetId} is not the server's; the token format changed (src/operations/fleet-events.ts)`,
    );
  }
}

/** The server's deep pages must hold the store's events, in order. */
async function checkDeepPages(
  store: Store,
  deeps: DeepPage[],
  describe: (fleetId: string, token?: string) => Promise<{ Events: { EventId: string }[] }>,
): Promise<void> {
  for (const d of deeps) {
    const server = (await describe(d.fleetId, d.token)).Events.map((e) => e.EventId).join(",");
    const local = (await store.queryEvents(SCOPE, { fleetId: d.fleetId, after: d.cursor, limit: LIMIT })).map((e) => e.eventId).join(",");
    if (server !== local) throw new Error(`the server's page after ${JSON.stringify(d.cursor)} of ${d.fleetId} differs from the store's`);
  }
}

export async function benchmarkScale(options: ScaleOptions): Promise<Checkpoint[]> {
  const dataDir = options.dataDir ?? mkdtempSync(join(os.tmpdir(), "liftlog-scale-"));
  const config = { ...defaultConfig({}), dataDir };
  const store = await openStore(config);
  const checkpoints: Checkpoint[] = [];
  const total = options.sizes[options.sizes.length - 1]!;
  try {
    report(options, header(options, dataDir));
    const loader = options.resume
      ? await resumeLoader(store, config, options, total)
      : new Loader(store, await createFleets(store, options.fleets, Date.now() - YEAR_MS - 60_000), total);
    // A resumed run measures where it starts, then the sizes still ahead.
    const sizes = options.resume ? [loader.loaded, ...options.sizes.filter((size) => size > loader.loaded)] : options.sizes;
    for (const size of sizes) {
      const started = performance.now();
      const from = loader.loaded;
      let stopped: string | undefined;
      while (loader.loaded < size && !(stopped = stopReason(options, dataDir))) {
        await loader.append(Math.min(options.batch, size - loader.loaded));
        // A synchronous store never yields; let the event loop see signals (Ctrl-C) between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const loadSeconds = (performance.now() - started) / 1000;
      // Nothing new to measure, but for the size a resumed run starts at.
      if (loader.loaded === from && !(options.resume && checkpoints.length === 0)) break;
      const fileBytes = checkpointedBytes(config);
      const server = await startServer({ dataDir });
      let pages;
      try {
        pages = await measurePages(store, loader, server.endpoint, options.requests);
      } finally {
        await server.stop();
      }
      const checkpoint: Checkpoint = {
        events: loader.loaded,
        ...(stopped ? { stopped } : {}),
        loadSeconds,
        loadPerSecond: (loader.loaded - from) / loadSeconds,
        bytesPerEvent: fileBytes / loader.loaded,
        fileBytes,
        ...pages,
        loadAverage: os.loadavg(),
        at: new Date().toISOString(),
      };
      checkpoints.push(checkpoint);
      report(options, row(checkpoint, checkpoints[0]!));
      if (stopped) break;
    }
    report(options, summary(checkpoints, options));
    return checkpoints;
  } finally {
    await store.close();
    if (!options.keep && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Prints to stdout and appends to --out, so that a long run leaves its figures as it goes. */
function report(options: ScaleOptions, text: string): void {
  console.log(text);
  if (options.out) appendFileSync(options.out, `${text}\n`);
}

function header(options: ScaleOptions, dataDir: string): string {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["log", "-1", "--format=%h %s"], { encoding: "utf8" }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return [
    `\n## Scale: one SQLite store, ${formatCount(options.fleets)} fleets, up to ${formatCount(options.sizes.at(-1)!)} events`,
    "",
    `Started ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, node ${process.version}, commit ${commit}`,
    `Data in ${dataDir}; stops loading under ${(options.minFreeBytes / GB).toFixed(0)} GB free` +
      (options.deadlineMs ? ` or at ${new Date(options.deadlineMs).toISOString()}` : ""),
    `Each size: load rate of that stretch (in-process, transactions of ${formatCount(options.batch)}), file bytes/event after a WAL checkpoint,`,
    `DescribeFleetEvents Limit ${LIMIT} p50/p99 ms, ${formatCount(options.requests)} timed calls per figure, server and in-process interleaved;`,
    "first = newest page of a random fleet, deep = a random depth of a random fleet (real NextToken).",
    "",
    `| events | load ev/s | bytes/ev | server first p50/p99 | server deep p50/p99 | in-process first p50/p99 | in-process deep p50/p99 | first, deep p50 vs first size | load avg | at |`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`,
  ].join("\n");
}

const pair = (f: Figures) => `${formatMs(f.p50Ms)} / ${formatMs(f.p99Ms)}`;

function row(c: Checkpoint, base: Checkpoint): string {
  const ratio = (a: Figures, b: Figures) => `${(a.p50Ms / b.p50Ms).toFixed(2)}×`;
  return (
    `| ${formatCount(c.events)}${c.stopped ? ` (stopped: ${c.stopped})` : ""} | ${formatCount(c.loadPerSecond)} | ${c.bytesPerEvent.toFixed(0)}` +
    ` | ${pair(c.server.first)} | ${pair(c.server.deep)} | ${pair(c.store.first)} | ${pair(c.store.deep)}` +
    ` | ${ratio(c.server.first, base.server.first)}, ${ratio(c.server.deep, base.server.deep)}` +
    ` | ${c.loadAverage.map((l) => l.toFixed(1)).join(" ")} | ${c.at.slice(11, 19)} |`
  );
}

function summary(checkpoints: Checkpoint[], options: ScaleOptions): string {
  if (checkpoints.length === 0) return "\nNothing was loaded.";
  const base = checkpoints[0]!;
  const last = checkpoints[checkpoints.length - 1]!;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return [
    "",
    table(
      ["at " + formatCount(last.events) + " events vs " + formatCount(base.events), "server first p50", "server deep p50", "goal"],
      [
        [
          "ratio",
          ratio(last.server.first.p50Ms, base.server.first.p50Ms),
          ratio(last.server.deep.p50Ms, base.server.deep.p50Ms),
          "≤ 1.30×",
        ],
      ],
    ),
    "",
    `Reached ${formatCount(last.events)} of ${formatCount(options.sizes.at(-1)!)} events` +
      (last.stopped ? ` (stopped: ${last.stopped})` : "") +
      `; file ${(last.fileBytes / GB).toFixed(2)} GiB, ${last.bytesPerEvent.toFixed(0)} bytes/event; total load time ` +
      `${checkpoints.reduce((s, c) => s + c.loadSeconds, 0).toFixed(0)} s.`,
  ].join("\n");
}

function parseSizes(text: string | undefined): number[] {
  if (text === undefined) return [1_000_000, 10_000_000, 30_000_000, 100_000_000];
  const sizes = text.split(",").map((s) => Number(s.replace(/_/g, "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) {
    throw new Error(`--sizes must be increasing whole numbers separated by commas (1e6,1e7 or 1000000,10000000), got '${text}'`);
  }
  return sizes;
}

function parseDeadline(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`--deadline must be a date and time such as 2026-01-01T04:00:00Z, got '${text}'`);
  return ms;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string" },
      fleets: { type: "string" },
      requests: { type: "string" },
      batch: { type: "string" },
      "min-free-gb": { type: "string" },
      deadline: { type: "string" },
      out: { type: "string" },
      "data-dir": { type: "string" },
      keep: { type: "boolean", default: false },
      resume: { type: "boolean", default: false },
    },
  });
  try {
    const options: ScaleOptions = {
      sizes: parseSizes(values.sizes),
      fleets: wholeNumber("fleets", values.fleets, 1_000, 1),
      requests: wholeNumber("requests", values.requests, 400, 10),
      batch: wholeNumber("batch", values.batch, 100_000, 1),
      minFreeBytes: wholeNumber("min-free-gb", values["min-free-gb"], 25, 0) * GB,
      deadlineMs: parseDeadline(values.deadline),
      out: values.out,
      dataDir: values["data-dir"],
      keep: values.keep,
      resume: values.resume,
    };
    if (options.resume && !options.dataDir) throw new Error("--resume needs --data-dir: the store to go on loading");
    process.once("SIGINT", () => {
      options.deadlineMs = Date.now();
      console.error("\nscale: interrupted; measuring what is loaded, then stopping");
    });
    await benchmarkScale(options);
  } catch (err) {
    console.error(`scale: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
