/**
 * The live event feed (GET /_liftlog/events/stream), part of `npm run bench`:
 *   - delay from an ingest's acknowledgement to its delivery, p50/p99, with 100 streams open on the
 *     fleet: on SQLite (one node), and on PostgreSQL with two nodes (ingest on one, the streams on
 *     the other, so every delivery crosses LISTEN/NOTIFY). Single-event ingests, one at a time,
 *     `FEED_EVENTS` of them, a few milliseconds apart; each delivery to each stream is one sample.
 *     An event delivered before its acknowledgement reached the ingesting client counts as 0.
 *   - ingest throughput (batches of 1,000) with no stream open and with 100 streams open on another
 *     fleet, in interleaved rounds: their ratio is what the feed costs the append path itself;
 *   - server memory per open stream: the stream node's resident memory before and after opening
 *     1,000 idle streams.
 * Every stream must receive every event exactly once, in order, or the run fails.
 * Alone: `node dist/bench/feed.js [--db postgres://...]`.
 */
import { get, type IncomingMessage } from "node:http";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createParser } from "eventsource-parser";
import { startServer, type RunningServer } from "../test/helpers/server.js";
import { createTestDatabase } from "../test/helpers/postgres.js";
import { RawGameLiftClient } from "./http-client.js";
import { formatCount, formatMs, percentiles, table } from "./measure.js";

const STREAMS = 100;
const FEED_EVENTS = 200;
const IDLE_STREAMS = 1000;
const INGEST_ROUNDS = 5;
const INGEST_BATCHES_PER_ROUND = 4;
const BATCH = 1000;
const REGION = "us-east-1";

export interface FeedFigures {
  engine: string;
  delay: { p50Ms: number; p99Ms: number; samples: number };
  ingestAlone: number;
  ingestWithStreams: number;
  bytesPerStream: number;
}

/** A stream the benchmark reads: the EventIds in arrival order, with arrival times. */
interface Reader {
  ids: string[];
  at: Map<string, number>;
  response?: IncomingMessage;
  opened: Promise<void>;
}

function openReader(url: string): Reader {
  const reader: Reader = { ids: [], at: new Map(), opened: Promise.resolve() };
  const parser = createParser({
    onEvent: (m) => {
      const id = (JSON.parse(m.data) as { EventId: string }).EventId;
      reader.at.set(id, performance.now());
      reader.ids.push(id);
    },
  });
  reader.opened = new Promise((resolve, reject) => {
    get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: HTTP ${res.statusCode}`));
      reader.response = res;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
      resolve();
    }).on("error", reject);
  });
  return reader;
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function registerFleet(client: RawGameLiftClient): Promise<string> {
  const body = await client.admin("/_liftlog/fleets", JSON.stringify({ Name: "bench-feed", Region: REGION }));
  return (JSON.parse(body.toString()) as { FleetId: string }).FleetId;
}

async function post(client: RawGameLiftClient, fleetId: string, events: unknown[]): Promise<string[]> {
  const body = await client.admin("/_liftlog/events", JSON.stringify({ FleetId: fleetId, Region: REGION, Events: events }));
  return (JSON.parse(body.toString()) as { EventIds: string[] }).EventIds;
}

/** Ingest events/s in batches of BATCH, `batches` posts back to back. */
async function ingestRate(client: RawGameLiftClient, fleetId: string, batches: number): Promise<number> {
  const body = Array.from({ length: BATCH }, (_, i) => ({ EventCode: "SERVER_PROCESS_CRASHED", Message: `bench ${i}` }));
  const started = performance.now();
  for (let i = 0; i < batches; i++) await post(client, fleetId, body);
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

async function waitFor(readers: Reader[], n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (readers.some((r) => r.ids.length < n)) {
    if (Date.now() > deadline) throw new Error(`feed: streams stuck at ${Math.min(...readers.map((r) => r.ids.length))} of ${n} events`);
    await sleep(20);
  }
}

/** The figures on one deployment: `ingestNode` takes the writes, `streamNode` serves the streams. */
async function measureFeed(engine: string, ingestNode: RunningServer, streamNode: RunningServer): Promise<FeedFigures> {
  const client = new RawGameLiftClient(ingestNode.endpoint, REGION);
  const fleetId = await registerFleet(client);
  const quietFleet = await registerFleet(client);
  const ingestFleet = await registerFleet(client);
  const url = (fleet: string) => `${streamNode.endpoint}/_liftlog/events/stream?FleetId=${fleet}&Region=${REGION}`;

  const readers = Array.from({ length: STREAMS }, () => openReader(url(fleetId)));
  await Promise.all(readers.map((r) => r.opened));
  await post(client, fleetId, [{ EventCode: "FLEET_CREATED", Message: "warm-up" }]);
  await waitFor(readers, 1);

  const acked = new Map<string, number>();
  const sent: string[] = [];
  for (let i = 0; i < FEED_EVENTS; i++) {
    const [id] = await post(client, fleetId, [{ EventCode: "SERVER_PROCESS_CRASHED", Message: `feed ${i}` }]);
    acked.set(id!, performance.now());
    sent.push(id!);
    await sleep(5);
  }
  await waitFor(readers, FEED_EVENTS + 1);
  const delays: number[] = [];
  for (const r of readers) {
    const got = r.ids.slice(1);
    if (got.length !== sent.length || got.some((id, i) => id !== sent[i]))
      throw new Error("feed: a stream missed, repeated or reordered events");
    for (const id of sent) delays.push(Math.max(0, r.at.get(id)! - acked.get(id)!));
  }

  for (const r of readers) r.response?.destroy();

  // Ingest with no stream open, and with 100 streams open on another fleet of the same account and
  // region (subscribed, never woken), in interleaved rounds: what the hub costs the append path.
  let alone = 0;
  let withStreams = 0;
  for (let round = 0; round < INGEST_ROUNDS; round++) {
    alone += await ingestRate(client, ingestFleet, INGEST_BATCHES_PER_ROUND);
    const listening = Array.from({ length: STREAMS }, () => openReader(url(quietFleet)));
    await Promise.all(listening.map((r) => r.opened));
    withStreams += await ingestRate(client, ingestFleet, INGEST_BATCHES_PER_ROUND);
    for (const r of listening) r.response?.destroy();
  }
  await sleep(500);

  const before = rss(streamNode.process.pid!);
  const idle = Array.from({ length: IDLE_STREAMS }, () => openReader(url(quietFleet)));
  await Promise.all(idle.map((r) => r.opened));
  await sleep(1000);
  const bytesPerStream = (rss(streamNode.process.pid!) - before) / IDLE_STREAMS;
  for (const r of idle) r.response?.destroy();
  client.close();
  return {
    engine,
    delay: { ...percentiles(delays), samples: delays.length },
    ingestAlone: alone / INGEST_ROUNDS,
    ingestWithStreams: withStreams / INGEST_ROUNDS,
    bytesPerStream,
  };
}

async function onSqlite(): Promise<FeedFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-bench-feed-"));
  const server = await startServer({ dataDir });
  try {
    return await measureFeed("SQLite, one node", server, server);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function onPostgres(adminUrl: string): Promise<FeedFigures> {
  const db = await createTestDatabase(adminUrl, "liftlog_bench_");
  const nodes: RunningServer[] = [];
  try {
    nodes.push(await startServer({ args: ["--db", db.url] }));
    nodes.push(await startServer({ args: ["--db", db.url] }));
    return await measureFeed("PostgreSQL, two nodes", nodes[0]!, nodes[1]!);
  } finally {
    await Promise.all(nodes.map((n) => n.dispose()));
    await db.drop();
  }
}

/** Runs the feed figures on SQLite, and on PostgreSQL when `db` is given; prints and returns them. */
export async function benchmarkFeed(db: string | undefined): Promise<FeedFigures[]> {
  console.log(`\n## Live event feed: ${STREAMS} streams on one fleet, ${FEED_EVENTS} single-event ingests\n`);
  const results = [await onSqlite(), ...(db ? [await onPostgres(db)] : [])];
  const rows = (pick: (f: FeedFigures) => string) => results.map(pick);
  console.log(
    table(
      ["figure", ...results.map((r) => r.engine)],
      [
        ["ack → delivery p50, ms", ...rows((r) => formatMs(r.delay.p50Ms))],
        ["ack → delivery p99, ms", ...rows((r) => formatMs(r.delay.p99Ms))],
        ["deliveries timed", ...rows((r) => formatCount(r.delay.samples))],
        [`ingest, ${formatCount(BATCH)} per batch, no stream: events/s`, ...rows((r) => formatCount(r.ingestAlone))],
        [`ingest, the same with ${STREAMS} streams open on another fleet: events/s`, ...rows((r) => formatCount(r.ingestWithStreams))],
        ["ingest with streams / without", ...rows((r) => (r.ingestWithStreams / r.ingestAlone).toFixed(2))],
        [`server memory per idle stream (${formatCount(IDLE_STREAMS)} open), KiB`, ...rows((r) => (r.bytesPerStream / 1024).toFixed(1))],
      ],
    ),
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { db: { type: "string" } } });
  await benchmarkFeed(values.db);
}
