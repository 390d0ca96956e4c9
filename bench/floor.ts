/**
 * liftlog against its floor, part of `npm run bench` (--floor-events sets the fleet's size):
 * one fleet of `events` events (default 200,000) loaded through the Store into a fresh SQLite
 * file; the real liftlog server and the floor server (bench/floor-server.ts: node:http +
 * better-sqlite3, the same keyset query, JSON.stringify, HMAC tokens, no validation) both serve
 * that file. Both are walked end to end first (their pages must be identical, and the walk gives
 * each one's real NextTokens); then 8 concurrent keep-alive clients send DescribeFleetEvents
 * (Limit 100) to each in three mixes: half first pages and half random depths, first pages alone,
 * random depths alone. liftlog and the floor run in alternating rounds so that the shared machine's
 * load hits both alike; the figure is liftlog's throughput / the floor's, with both p50/p99.
 * Also: bytes per stored event, SQLite (file size after a WAL checkpoint) and, with --db,
 * PostgreSQL (pg_total_relation_size of events and event_logs), on that data and on the same
 * number of events with messages cut to --message-length characters (default 60).
 * Alone: `node dist/bench/floor.js [--events N] [--requests N] [--message-length N] [--db postgres://...]`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { databasePath } from "../src/config.js";
import { SeededRandom } from "../src/seed/random.js";
import type { Scope } from "../src/store/types.js";
import { startServer, type RunningServer } from "../test/helpers/server.js";
import { RawGameLiftClient } from "./http-client.js";
import { loadFleet } from "./load.js";
import { formatCount, formatMs, percentiles, table, wholeNumber } from "./measure.js";
import { postgresTarget, sqliteTarget, type BenchTarget } from "./targets.js";

const LIMIT = 100;
const CLIENTS = 8;
const ROUNDS = 10;
const SCOPE: Scope = { accountId: "000000000000", region: "us-east-1" };

export interface FloorOptions {
  events: number;
  /** Requests per mix and server, across all clients. */
  requests: number;
  /** Messages of the second data set measured for bytes per event. */
  messageLength: number;
  db?: string;
}

interface Side {
  name: string;
  clients: RawGameLiftClient[];
  /** Each page's NextToken as this server issued it (none for the first page). */
  tokens: (string | undefined)[];
}

interface SideFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FloorFigures {
  mixes: { name: string; liftlog: SideFigures; floor: SideFigures }[];
  bytesPerEvent: { engine: string; data: string; bytes: number }[];
}

export async function benchmarkFloor(options: FloorOptions): Promise<FloorFigures> {
  console.log(`\n## liftlog and its floor: one fleet of ${formatCount(options.events)} events, SQLite\n`);
  const target = await sqliteTarget();
  let server: RunningServer | undefined;
  let floor: ChildProcess | undefined;
  const sides: Side[] = [];
  try {
    const { fleetId } = await loadFleet(target.store, SCOPE, options.events, () => undefined);
    const full = "messages of 110–150 characters";
    const short = `messages of ${options.messageLength} characters`;
    const bytesPerEvent = [
      { engine: "SQLite", data: full, bytes: sqliteBytes(target) / options.events },
      { engine: "SQLite", data: short, bytes: await sqliteBytesPerEvent(options.events, options.messageLength) },
    ];
    server = await startServer(target.server);
    const started = await startFloor(databasePath(target.config));
    floor = started.child;
    sides.push(side("liftlog", server.endpoint), side("floor", started.endpoint));
    await walkBoth(sides, fleetId, options.events);
    const mixes = await measureMixes(sides, fleetId, options.requests);
    if (options.db) {
      bytesPerEvent.push(
        { engine: "PostgreSQL", data: full, bytes: await postgresBytesPerEvent(options.db, options.events) },
        { engine: "PostgreSQL", data: short, bytes: await postgresBytesPerEvent(options.db, options.events, options.messageLength) },
      );
    }
    print(options, mixes, bytesPerEvent);
    return { mixes, bytesPerEvent };
  } finally {
    for (const s of sides) for (const c of s.clients) c.close();
    floor?.kill();
    await server?.dispose();
    await target.dispose();
  }
}

const side = (name: string, endpoint: string): Side => ({
  name,
  clients: Array.from({ length: CLIENTS }, () => new RawGameLiftClient(endpoint, SCOPE.region)),
  tokens: [],
});

/** The SQLite file's size once the WAL is checkpointed into it. */
function sqliteBytes(target: BenchTarget): number {
  const path = databasePath(target.config);
  const db = new Database(path);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return statSync(path).size;
}

/** Loads a fleet of `events` into a fresh SQLite file and measures the file. */
async function sqliteBytesPerEvent(events: number, messageLength?: number): Promise<number> {
  const target = await sqliteTarget();
  try {
    await loadFleet(target.store, SCOPE, events, () => undefined, messageLength);
    return sqliteBytes(target) / events;
  } finally {
    await target.dispose();
  }
}

/** Loads a fleet of `events` into a fresh PostgreSQL database and measures its events tables. */
async function postgresBytesPerEvent(url: string, events: number, messageLength?: number): Promise<number> {
  const target = await postgresTarget(url);
  try {
    await loadFleet(target.store, SCOPE, events, () => undefined, messageLength);
    const client = new pg.Client({ connectionString: target.config.db });
    await client.connect();
    try {
      const { rows } = await client.query<{ bytes: string }>(
        "SELECT pg_total_relation_size('events') + pg_total_relation_size('event_logs') AS bytes",
      );
      return Number(rows[0]!.bytes) / events;
    } finally {
      await client.end();
    }
  } finally {
    await target.dispose();
  }
}

async function startFloor(path: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const script = fileURLToPath(new URL("./floor-server.js", import.meta.url));
  const child = spawn(process.execPath, [script, path, SCOPE.accountId, SCOPE.region], { stdio: ["ignore", "pipe", "inherit"] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the floor server exited with ${code} before listening`)));
  });
  return { child, endpoint };
}

export const body = (fleetId: string, token: string | undefined) =>
  JSON.stringify({ FleetId: fleetId, Limit: LIMIT, ...(token ? { NextToken: token } : {}) });

/** Walks the whole log through each server, collecting its tokens; both must return the same pages. */
async function walkBoth(sides: Side[], fleetId: string, events: number): Promise<void> {
  const expected = Math.ceil(events / LIMIT);
  const digests = new Map<string, string[]>();
  for (const s of sides) {
    const pages: string[] = [];
    let token: string | undefined;
    do {
      s.tokens.push(token);
      const out = JSON.parse((await s.clients[0]!.ok("DescribeFleetEvents", body(fleetId, token))).toString("utf8")) as {
        Events: { EventId: string }[];
        NextToken?: string;
      };
      pages.push(
        createHash("sha1")
          .update(out.Events.map((e) => e.EventId).join(","))
          .digest("hex"),
      );
      token = out.NextToken;
    } while (token && pages.length <= expected);
    if (pages.length !== expected) throw new Error(`${s.name} returned ${pages.length} pages; expected ${expected}`);
    digests.set(s.name, pages);
  }
  const [a, b] = [...digests.values()] as [string[], string[]];
  const differs = a.findIndex((d, i) => d !== b[i]);
  if (differs >= 0) throw new Error(`page ${differs + 1} differs between liftlog and the floor`);
  console.log(`Walked all ${formatCount(expected)} pages through liftlog and the floor: identical pages`);
}

/** Sends `bodies` through all of a side's clients at once, each client one request at a time. */
export async function drive(clients: RawGameLiftClient[], bodies: string[], latencies: number[]): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < bodies.length; i = next++) {
        const t0 = process.hrtime.bigint();
        await client.ok("DescribeFleetEvents", bodies[i]!);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function measureMixes(sides: Side[], fleetId: string, requests: number): Promise<FloorFigures["mixes"]> {
  const pages = sides[0]!.tokens.length;
  const rng = new SeededRandom(requests);
  const randomDepth = () => rng.int(0, pages - 1);
  const mixes = [
    { name: "half first pages, half random depths", pageOf: () => (rng.chance(0.5) ? 0 : randomDepth()) },
    { name: "first pages", pageOf: () => 0 },
    { name: `random depths (1..${formatCount(pages)})`, pageOf: randomDepth },
  ];
  const figures: FloorFigures["mixes"] = [];
  for (const mix of mixes) {
    const order = Array.from({ length: requests }, mix.pageOf);
    const bodies = sides.map((s) => order.map((page) => body(fleetId, s.tokens[page])));
    // Warm-up: one round's worth on each side, untimed.
    const warm = Math.ceil(requests / ROUNDS);
    for (const [k, s] of sides.entries()) await drive(s.clients, bodies[k]!.slice(0, warm), []);
    const latencies = sides.map(() => [] as number[]);
    const totals = sides.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      const from = Math.floor((round * requests) / ROUNDS);
      const to = Math.floor(((round + 1) * requests) / ROUNDS);
      // Alternate which side goes first so that neither always follows the other's work.
      const ks = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of ks) totals[k]! += await drive(sides[k]!.clients, bodies[k]!.slice(from, to), latencies[k]!);
    }
    const [liftlog, floor] = sides.map((_, k) => ({ perSecond: requests / (totals[k]! / 1000), ...percentiles(latencies[k]!) })) as [
      SideFigures,
      SideFigures,
    ];
    figures.push({ name: mix.name, liftlog, floor });
  }
  return figures;
}

function print(options: FloorOptions, mixes: FloorFigures["mixes"], bytes: FloorFigures["bytesPerEvent"]): void {
  console.log(
    `\nDescribeFleetEvents, Limit ${LIMIT}, ${CLIENTS} concurrent keep-alive clients per server, ${formatCount(options.requests)} requests` +
      ` per mix and server, liftlog and the floor in alternating rounds; ratio = liftlog req/s / floor req/s\n`,
  );
  console.log(
    table(
      ["mix", "liftlog req/s", "p50 ms", "p99 ms", "floor req/s", "p50 ms", "p99 ms", "liftlog / floor"],
      mixes.map(({ name, liftlog: l, floor: f }) => [
        name,
        formatCount(l.perSecond),
        formatMs(l.p50Ms),
        formatMs(l.p99Ms),
        formatCount(f.perSecond),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        `${(l.perSecond / f.perSecond).toFixed(2)}×`,
      ]),
    ),
  );
  console.log(`\nBytes per stored event, ${formatCount(options.events)} events in one fleet\n`);
  console.log(
    table(
      ["store", "data", "bytes per event", "how"],
      bytes.map((b) => [
        b.engine,
        b.data,
        formatCount(b.bytes),
        b.engine === "SQLite" ? "database file after a WAL checkpoint" : "pg_total_relation_size of events and event_logs",
      ]),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: { events: { type: "string" }, requests: { type: "string" }, "message-length": { type: "string" }, db: { type: "string" } },
  });
  try {
    const events = wholeNumber("events", values.events, 200_000, LIMIT + 1);
    const requests = wholeNumber("requests", values.requests, 4_000, ROUNDS);
    const messageLength = wholeNumber("message-length", values["message-length"], 60, 1);
    await benchmarkFloor({ events, requests, messageLength, db: values.db });
  } catch (err) {
    console.error(`floor: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
