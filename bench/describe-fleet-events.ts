/**
 * DescribeFleetEvents benchmark:
 *   npm run bench [-- --events N --requests N --depth N --ingest N --floor-events N --floor-requests N --db postgres://...]
 *   npm run bench -- --ingest-only [--ingest N] [--db postgres://...]
 *
 * Runs on SQLite (a temp dir), and then on PostgreSQL too when --db is given (a temp database),
 * and ends with both engines side by side. On each engine it loads one fleet with --events events
 * (default 1,000,000) through the Store in-process, starts the real server (a child process) on the
 * same data, walks the whole log through the server once to collect every page's real NextToken,
 * and then times, sequentially, Limit-100 pages: the first page, the page --depth pages deep
 * (default 5,000), and pages at random depths — through the server with a lightweight keep-alive
 * client, and the same pages straight from the store (queryEvents with the same cursor). It prints
 * the ratio server / in-process for each, and one figure through the real AWS SDK v3 client.
 * Then it times ingest through the server's admin API (--ingest events per figure, default
 * 100,000, in JSON batches and NDJSON streams of 5,000 from 1 and 2 clients, each against the same
 * batches through appendEvents in-process: bench/ingest.ts), and the retention job deleting the
 * older half of the fleet while a reader pages through the newer half.
 * Then liftlog against its floor under 8 concurrent clients, and bytes per stored event (bench/floor.ts:
 * --floor-events, default 200,000; --floor-requests per mix and server, default 4,000).
 * Last, the live event feed's figures (bench/feed.ts) and the webhook deliveries' (bench/alerts.ts).
 * With --ingest-only, only the ingest figures, on each engine's empty store.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import { DescribeFleetEventsCommand } from "@aws-sdk/client-gamelift";
import { SeededRandom } from "../src/seed/random.js";
import type { Cursor, Scope, Store } from "../src/store/types.js";
import { gamelift, startServer, type RunningServer } from "../test/helpers/server.js";
import { RawGameLiftClient } from "./http-client.js";
import { benchmarkIngest, benchmarkIngestAlone, ingestRows, type IngestFigures } from "./ingest.js";
import { loadFleet } from "./load.js";
import { formatCount, formatMs, measure, table, wholeNumber, type Figures } from "./measure.js";
import { measureRetention, type RetentionFigures } from "./retention.js";
import { postgresTarget, sqliteTarget, type BenchTarget } from "./targets.js";
import { benchmarkFeed } from "./feed.js";
import { benchmarkAlerts } from "./alerts.js";
import { benchmarkFloor } from "./floor.js";

const LIMIT = 100;
const SCOPE: Scope = { accountId: "000000000000", region: "us-east-1" };

interface Options {
  events: number;
  requests: number;
  depth: number;
  ingest: number;
  floorEvents: number;
  floorRequests: number;
  db?: string;
  ingestOnly: boolean;
}

/** Pages read through the server and in-process. */
interface Scenario {
  name: string;
  server: Figures;
  store: Figures;
}

/** Everything measured on one engine. */
interface EngineFigures {
  engine: string;
  loadSeconds: number;
  scenarios: Scenario[];
  sdk: Figures;
  ingest: IngestFigures[];
  retention: RetentionFigures;
}

/** One page of the log as both sides must see it. */
interface Page {
  /** The server's NextToken that asks for this page (none for the first). */
  token?: string;
  /** The store position after the previous page (none for the first). */
  cursor?: Cursor;
  /** A digest of the page's event IDs, in order. */
  digest: string;
}

const digest = (ids: string[]) => createHash("sha1").update(ids.join(",")).digest("hex");

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      events: { type: "string" },
      requests: { type: "string" },
      depth: { type: "string" },
      ingest: { type: "string" },
      "floor-events": { type: "string" },
      "floor-requests": { type: "string" },
      db: { type: "string" },
      "ingest-only": { type: "boolean" },
    },
  });
  return {
    events: wholeNumber("events", values.events, 1_000_000, LIMIT + 1),
    requests: wholeNumber("requests", values.requests, 2_000, 10),
    depth: wholeNumber("depth", values.depth, 5_000, 1),
    ingest: wholeNumber("ingest", values.ingest, 100_000, 1),
    floorEvents: wholeNumber("floor-events", values["floor-events"], 200_000, LIMIT + 1),
    floorRequests: wholeNumber("floor-requests", values["floor-requests"], 4_000, 10),
    db: values.db,
    ingestOnly: values["ingest-only"] ?? false,
  };
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseOptions();
  } catch (err) {
    console.error(
      `bench: ${(err as Error).message}\nUsage: npm run bench -- [--events N] [--requests N] [--depth N] [--ingest N] [--floor-events N] [--floor-requests N] [--db postgres://...] [--ingest-only]`,
    );
    process.exitCode = 2;
    return;
  }
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench: interrupted; stopping the server and removing its data");
  });
  const targets = [sqliteTarget, ...(options.db ? [() => postgresTarget(options.db!)] : [])];
  const results: EngineFigures[] = [];
  try {
    for (const open of targets) {
      checkpoint();
      if (options.ingestOnly) await benchmarkIngestAlone(await open(), SCOPE, options.ingest, checkpoint);
      else results.push(await benchmark(options, await open()));
    }
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    process.exitCode = 130;
    return;
  }
  if (options.ingestOnly) return;
  printComparison(options, results);
  await benchmarkFloor({ events: options.floorEvents, requests: options.floorRequests, messageLength: 60, db: options.db });
  await benchmarkFeed(options.db);
  await benchmarkAlerts(options.db);
}

/** Everything on one engine; the server is stopped and the target's data removed whatever happens. */
async function benchmark(options: Options, target: BenchTarget): Promise<EngineFigures> {
  let server: RunningServer | undefined;
  let raw: RawGameLiftClient | undefined;
  try {
    console.log(`\n## ${target.label}\n`);
    const { fleetId, seconds } = await load(target, options.events);
    server = await startServer(target.server);
    checkpoint();
    raw = new RawGameLiftClient(server.endpoint, SCOPE.region);
    const pages = await walk(raw, target.store, fleetId, options.events);
    const { scenarios, sdk } = await run(options, target, server, raw, fleetId, pages);
    const ingest = await benchmarkIngest(
      { endpoint: server.endpoint, pid: server.process.pid! },
      target.store,
      SCOPE,
      options.ingest,
      checkpoint,
    );
    const retention = await retentionUnderLoad(options, target, raw, fleetId, pages);
    return { engine: target.engine, loadSeconds: seconds, scenarios, sdk, ingest, retention };
  } finally {
    raw?.close();
    await server?.dispose();
    await target.dispose();
  }
}

/** Ctrl-C sets this; the run stops at its next checkpoint and cleans up (server, temp data) on the way out. */
let interrupted = false;
class Interrupted extends Error {}

function checkpoint(): void {
  if (interrupted) throw new Interrupted("interrupted");
}

async function load(target: BenchTarget, events: number): Promise<{ fleetId: string; seconds: number }> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const fleet = await loadFleet(target.store, SCOPE, events, (n) => {
    checkpoint();
    if (tty) process.stderr.write(`\rloading ${formatCount(n)} / ${formatCount(events)} events`);
  });
  if (tty) process.stderr.write("\n");
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `Loaded ${formatCount(events)} events into one fleet in ${seconds.toFixed(1)} s (${formatCount(events / seconds)} events/s), ${target.label}`,
  );
  return { fleetId: fleet.fleetId, seconds };
}

/**
 * Reads the whole log once through the server (collecting every NextToken) and once from the store
 * (collecting every cursor), and checks that both give the same pages.
 */
async function walk(raw: RawGameLiftClient, store: Store, fleetId: string, events: number): Promise<Page[]> {
  const started = Date.now();
  const expectedPages = Math.ceil(events / LIMIT);
  const pages: Page[] = [];
  let token: string | undefined;
  for (let i = 0; i < expectedPages; i++) {
    checkpoint();
    const body = await raw.ok(
      "DescribeFleetEvents",
      JSON.stringify({ FleetId: fleetId, Limit: LIMIT, ...(token ? { NextToken: token } : {}) }),
    );
    const out = JSON.parse(body.toString("utf8")) as { Events: { EventId: string }[]; NextToken?: string };
    pages.push({ token, digest: digest(out.Events.map((e) => e.EventId)) });
    token = out.NextToken;
    if (!token) break;
  }
  if (pages.length !== expectedPages || token)
    throw new Error(`the server returned ${pages.length} pages${token ? " and more" : ""}; expected ${expectedPages}`);
  let cursor: Cursor | undefined;
  for (const [i, page] of pages.entries()) {
    checkpoint();
    const rows = await store.queryEvents(SCOPE, { fleetId, after: cursor, limit: LIMIT + 1 });
    const ids = rows.slice(0, LIMIT).map((e) => e.eventId);
    if (digest(ids) !== page.digest) throw new Error(`page ${i + 1} differs between the server and the store`);
    page.cursor = cursor;
    const last = rows[LIMIT - 1];
    cursor = last && { eventTimeMs: last.eventTimeMs, seq: last.seq };
  }
  console.log(
    `Walked all ${formatCount(pages.length)} pages through the server and the store in ${((Date.now() - started) / 1000).toFixed(1)} s: identical pages`,
  );
  return pages;
}

async function run(
  options: Options,
  target: BenchTarget,
  server: RunningServer,
  raw: RawGameLiftClient,
  fleetId: string,
  pages: Page[],
): Promise<{ scenarios: Scenario[]; sdk: Figures }> {
  const { requests } = options;
  const warmup = Math.max(20, Math.floor(requests / 10));
  const deep = Math.min(options.depth, pages.length) - 1;
  const rng = new SeededRandom(requests);
  const randomPages = Array.from({ length: requests + warmup }, () => rng.int(0, pages.length - 1));
  const body = (page: number) =>
    JSON.stringify({ FleetId: fleetId, Limit: LIMIT, ...(pages[page]!.token ? { NextToken: pages[page]!.token } : {}) });
  const randomBodies = randomPages.map(body);

  const viaServer = (bodyOf: (i: number) => string) => (i: number) => {
    checkpoint();
    return raw.ok("DescribeFleetEvents", bodyOf(i));
  };
  const inProcess = (pageOf: (i: number) => number) => (i: number) =>
    target.store.queryEvents(SCOPE, { fleetId, after: pages[pageOf(i)]!.cursor, limit: LIMIT + 1 });
  const sdk = gamelift(server.endpoint, SCOPE.region);
  const viaSdk = (i: number) => {
    checkpoint();
    const token = pages[randomPages[i]!]!.token;
    return sdk.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: LIMIT, ...(token ? { NextToken: token } : {}) }));
  };

  const scenario = async (
    name: string,
    server: (i: number) => Promise<unknown>,
    store: (i: number) => Promise<unknown>,
  ): Promise<Scenario> => {
    const [s, p] = (await measure(requests, warmup, [server, store])) as [Figures, Figures];
    return { name, server: s, store: p };
  };
  const firstBody = body(0);
  const deepBody = body(deep);
  const scenarios = [
    await scenario(
      "first page",
      viaServer(() => firstBody),
      inProcess(() => 0),
    ),
    await scenario(
      `page ${formatCount(deep + 1)}`,
      viaServer(() => deepBody),
      inProcess(() => deep),
    ),
  ];
  // The random pages through the SDK interleave with the same pages through the raw client and the store.
  const [randomServer, randomStore, sdkFigures] = (await measure(requests, warmup, [
    viaServer((i) => randomBodies[i]!),
    inProcess((i) => randomPages[i]!),
    viaSdk,
  ]).finally(() => sdk.destroy())) as [Figures, Figures, Figures];
  const random = { name: `random depth (1..${formatCount(pages.length)})`, server: randomServer, store: randomStore };
  scenarios.push(random);

  const rows = scenarios.map(({ name, server: s, store: p }) => [
    name,
    formatCount(s.perSecond),
    formatMs(s.p50Ms),
    formatMs(s.p99Ms),
    formatCount(p.perSecond),
    formatMs(p.p50Ms),
    formatMs(p.p99Ms),
    ratio(s.meanMs, p.meanMs),
    ratio(s.p50Ms, p.p50Ms),
  ]);
  rows.push([
    `${random.name}, AWS SDK v3 client`,
    formatCount(sdkFigures.perSecond),
    formatMs(sdkFigures.p50Ms),
    formatMs(sdkFigures.p99Ms),
    formatCount(random.store.perSecond),
    formatMs(random.store.p50Ms),
    formatMs(random.store.p99Ms),
    ratio(sdkFigures.meanMs, random.store.meanMs),
    ratio(sdkFigures.p50Ms, random.store.p50Ms),
  ]);
  console.log(
    `\nDescribeFleetEvents, Limit ${LIMIT}, one fleet of ${formatCount(options.events)} events (${formatCount(pages.length)} pages), ${target.label};` +
      `\n${formatCount(requests)} sequential requests per figure after ${formatCount(warmup)} warm-up, server and in-process interleaved;` +
      `\nratio = server time per page / in-process time per page\n`,
  );
  console.log(
    table(["pages read", "server req/s", "p50 ms", "p99 ms", "in-process req/s", "p50 ms", "p99 ms", "ratio (mean)", "ratio (p50)"], rows),
  );
  return { scenarios, sdk: sdkFigures };
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

/**
 * The retention job deletes the older half of the fleet (every event older than the last event of
 * the middle page) while a reader pages through the newer half; then checks that exactly the events
 * older than the cutoff are gone from the fleet.
 */
async function retentionUnderLoad(
  options: Options,
  target: BenchTarget,
  raw: RawGameLiftClient,
  fleetId: string,
  pages: Page[],
): Promise<RetentionFigures> {
  const middle = Math.floor(pages.length / 2);
  const cutoffMs = pages[middle]!.cursor!.eventTimeMs;
  const rng = new SeededRandom(middle);
  const readerBodies = Array.from({ length: options.requests }, () => {
    const token = pages[rng.int(0, middle - 1)]!.token;
    return JSON.stringify({ FleetId: fleetId, Limit: LIMIT, ...(token ? { NextToken: token } : {}) });
  });
  const figures = await measureRetention(target.config, cutoffMs, raw, readerBodies, options.requests, checkpoint);

  let remaining = 0;
  let oldest = Infinity;
  for (let after: Cursor | undefined; ; ) {
    checkpoint();
    const rows = await target.store.queryEvents(SCOPE, { fleetId, after, limit: 10_000 });
    remaining += rows.length;
    const last = rows.at(-1);
    if (!last) break;
    oldest = last.eventTimeMs;
    after = { eventTimeMs: last.eventTimeMs, seq: last.seq };
  }
  if (oldest < cutoffMs || remaining + figures.deleted !== options.events) {
    throw new Error(
      `retention deleted ${figures.deleted} events and left ${remaining} (oldest at ${oldest}, cutoff ${cutoffMs}) of ${options.events}`,
    );
  }
  if (target.vacuum) {
    const started = process.hrtime.bigint();
    await target.vacuum();
    figures.vacuumSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  console.log(
    `\nRetention (src/jobs/retention.ts, batches of 1,000, in a worker thread on its own store connection): deleted ` +
      `${formatCount(figures.deleted)} events older than the middle page in ${figures.seconds.toFixed(1)} s ` +
      `(${formatCount(figures.perSecond)} events/s); ${formatCount(remaining)} remain, none older than the cutoff.\n` +
      `A reader paging through the newer half, sequentially: p50 ${formatMs(figures.before.p50Ms)} ms, p99 ${formatMs(figures.before.p99Ms)} ms ` +
      `before (${formatCount(figures.before.requests)} requests); p50 ${formatMs(figures.during.p50Ms)} ms, p99 ${formatMs(figures.during.p99Ms)} ms ` +
      `during the job (${formatCount(figures.during.requests)} requests)` +
      (figures.vacuumSeconds !== undefined ? `.\nVACUUM of the events tables right after: ${figures.vacuumSeconds.toFixed(1)} s` : ""),
  );
  return figures;
}

/** Both engines side by side: one row per figure, one column per engine. */
function printComparison(options: Options, results: EngineFigures[]): void {
  const rows: string[][] = [];
  const row = (name: string, value: (r: EngineFigures) => string) => rows.push([name, ...results.map(value)]);
  row(`load ${formatCount(options.events)} events, s`, (r) => r.loadSeconds.toFixed(1));
  row("load, events/s", (r) => formatCount(options.events / r.loadSeconds));
  results[0]!.scenarios.forEach((scenario, k) => {
    const of = (r: EngineFigures) => r.scenarios[k]!;
    row(`${scenario.name}: server req/s`, (r) => formatCount(of(r).server.perSecond));
    row(`${scenario.name}: server p50 ms`, (r) => formatMs(of(r).server.p50Ms));
    row(`${scenario.name}: server p99 ms`, (r) => formatMs(of(r).server.p99Ms));
    row(`${scenario.name}: in-process p50 ms`, (r) => formatMs(of(r).store.p50Ms));
    row(`${scenario.name}: server / in-process (mean)`, (r) => ratio(of(r).server.meanMs, of(r).store.meanMs));
  });
  row("random depth, AWS SDK v3: req/s", (r) => formatCount(r.sdk.perSecond));
  ingestRows(row, (r) => r.ingest);
  row("retention: events deleted", (r) => formatCount(r.retention.deleted));
  row("retention: events/s deleted", (r) => formatCount(r.retention.perSecond));
  row("reader p99 ms before / during retention", (r) => `${formatMs(r.retention.before.p99Ms)} / ${formatMs(r.retention.during.p99Ms)}`);
  row("VACUUM after retention, s", (r) => (r.retention.vacuumSeconds !== undefined ? r.retention.vacuumSeconds.toFixed(1) : "not needed"));
  console.log(`\n## Comparison: one fleet of ${formatCount(options.events)} events, Limit ${LIMIT} pages\n`);
  console.log(table(["figure", ...results.map((r) => r.engine)], rows));
  const cpu = os.cpus();
  console.log(
    `\nnode ${process.version}, ${os.type()} ${os.release()}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "CPU"}, ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} at the end, ${new Date().toISOString()}`,
  );
}

await main();
