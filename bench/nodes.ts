/**
 * Several liftlog nodes on one PostgreSQL database (not part of `npm run bench`): one fleet of
 * --events events (default 200,000) loaded through the Store into a fresh database, then 1, 2 and 3
 * `liftlog serve --db` nodes (--nodes) started on it. 8 concurrent keep-alive clients, spread
 * round-robin over the nodes, send DescribeFleetEvents (Limit 100) in the floor benchmark's mix:
 * half first pages, half pages at random depths via real NextTokens (collected by walking the log
 * once; every node accepts every node's tokens, the key being in the database). --requests per
 * node count (default 4,000). For each node count it reports throughput, p50/p99, and where the CPU
 * went over the timed window, from /proc: the liftlog nodes, the PostgreSQL backends serving the
 * database, the benchmark's own clients, and the whole machine (all processes, the other work on
 * a shared machine included).
 *   node dist/bench/nodes.js --db postgresql://postgres@127.0.0.1:5432/postgres [--events N] [--requests N] [--nodes 1,2,3]
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { SeededRandom } from "../src/seed/random.js";
import type { Scope } from "../src/store/types.js";
import { startServer, type RunningServer } from "../test/helpers/server.js";
import { RawGameLiftClient } from "./http-client.js";
import { body, drive } from "./floor.js";
import { loadFleet } from "./load.js";
import { formatCount, formatMs, percentiles, table, wholeNumber } from "./measure.js";
import { postgresTarget } from "./targets.js";

const LIMIT = 100;
const CLIENTS = 8;
const SCOPE: Scope = { accountId: "000000000000", region: "us-east-1" };
/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface NodesOptions {
  db: string;
  events: number;
  requests: number;
  nodes: number[];
}

interface NodesFigures {
  nodes: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU used over the timed window, in cores (CPU seconds per second). */
  cores: { liftlog: number; postgres: number; clients: number; machine: number };
  loadAverage: number;
}

/** user + system CPU ticks of a process (0 once it is gone). */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Busy ticks of all cores together (everything but idle and iowait), from /proc/stat. */
function machineTicks(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return cpu.reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
}

/** The events tables' size with their indexes and TOAST. */
async function eventBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT pg_total_relation_size('events') + pg_total_relation_size('event_logs') AS bytes",
    );
    return Number(rows[0]!.bytes);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL backends connected to the database (each node's pool), by pid. */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** Every page's NextToken (none for the first page), walking the log through one node. */
async function walk(client: RawGameLiftClient, fleetId: string): Promise<(string | undefined)[]> {
  const tokens: (string | undefined)[] = [];
  let token: string | undefined;
  do {
    tokens.push(token);
    token = (JSON.parse((await client.ok("DescribeFleetEvents", body(fleetId, token))).toString("utf8")) as { NextToken?: string })
      .NextToken;
  } while (token);
  return tokens;
}

async function measureNodes(dbUrl: string, servers: RunningServer[], bodies: string[]): Promise<NodesFigures> {
  const clients = Array.from({ length: CLIENTS }, (_, k) => new RawGameLiftClient(servers[k % servers.length]!.endpoint, SCOPE.region));
  try {
    // Warm-up (untimed): opens every node's connections, so that their backends exist to be counted.
    await drive(clients, bodies.slice(0, Math.ceil(bodies.length / 10)), []);
    const backends = await backendPids(dbUrl);
    const nodePids = servers.map((s) => s.process.pid!);
    const before = {
      liftlog: nodePids.reduce((s, pid) => s + processTicks(pid), 0),
      postgres: backends.reduce((s, pid) => s + processTicks(pid), 0),
      clients: process.cpuUsage(),
      machine: machineTicks(),
    };
    const latencies: number[] = [];
    const ms = await drive(clients, bodies, latencies);
    const seconds = ms / 1000;
    const clientsUsage = process.cpuUsage(before.clients);
    return {
      nodes: servers.length,
      perSecond: bodies.length / seconds,
      ...percentiles(latencies),
      cores: {
        liftlog: (nodePids.reduce((s, pid) => s + processTicks(pid), 0) - before.liftlog) / TICKS / seconds,
        postgres: (backends.reduce((s, pid) => s + processTicks(pid), 0) - before.postgres) / TICKS / seconds,
        clients: (clientsUsage.user + clientsUsage.system) / 1e6 / seconds,
        machine: (machineTicks() - before.machine) / TICKS / seconds,
      },
      loadAverage: os.loadavg()[0]!,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

export async function benchmarkNodes(options: NodesOptions): Promise<NodesFigures[]> {
  const target = await postgresTarget(options.db);
  const figures: NodesFigures[] = [];
  try {
    console.log(`\n## Nodes on one PostgreSQL database: one fleet of ${formatCount(options.events)} events\n`);
    const started = performance.now();
    const { fleetId } = await loadFleet(target.store, SCOPE, options.events, () => undefined);
    const loadSeconds = (performance.now() - started) / 1000;
    const dbUrl = target.config.db!;
    const bytes = await eventBytes(dbUrl);
    console.log(
      `Loaded in ${loadSeconds.toFixed(1)} s (${formatCount(options.events / loadSeconds)} events/s in-process, transactions of 50,000);` +
        ` ${formatCount(bytes / options.events)} bytes per event (pg_total_relation_size of events and event_logs)\n`,
    );
    const rng = new SeededRandom(options.requests);
    let tokens: (string | undefined)[] = [];
    for (const count of options.nodes) {
      const servers: RunningServer[] = [];
      try {
        for (let i = 0; i < count; i++) servers.push(await startServer(target.server));
        if (tokens.length === 0) {
          const walker = new RawGameLiftClient(servers[0]!.endpoint, SCOPE.region);
          tokens = await walk(walker, fleetId).finally(() => walker.close());
        }
        const bodies = Array.from({ length: options.requests }, () =>
          body(fleetId, tokens[rng.chance(0.5) ? 0 : rng.int(0, tokens.length - 1)]),
        );
        figures.push(await measureNodes(dbUrl, servers, bodies));
      } finally {
        for (const s of servers) await s.dispose();
      }
    }
    print(options, figures, tokens.length);
    return figures;
  } finally {
    await target.dispose();
  }
}

function print(options: NodesOptions, figures: NodesFigures[], pages: number): void {
  console.log(
    `DescribeFleetEvents, Limit ${LIMIT}, ${CLIENTS} keep-alive clients spread over the nodes, ${formatCount(options.requests)} requests per row,` +
      ` half first pages and half random depths (1..${formatCount(pages)}); CPU in cores (CPU seconds per second of the timed window)` +
      ` on ${os.cpus().length} cores, node ${process.version}\n`,
  );
  const cores = (n: number) => n.toFixed(2);
  // CPU time per request depends much less on the machine's other load than req/s does.
  const perRequest = (c: number, f: NodesFigures) => formatMs((c * 1000) / f.perSecond);
  console.log(
    table(
      [
        "nodes",
        "req/s",
        "p50 ms",
        "p99 ms",
        "liftlog nodes",
        "PostgreSQL backends",
        "bench clients",
        "whole machine",
        "CPU ms/request: liftlog",
        "PostgreSQL",
        "load avg",
      ],
      figures.map((f) => [
        String(f.nodes),
        formatCount(f.perSecond),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        cores(f.cores.liftlog),
        cores(f.cores.postgres),
        cores(f.cores.clients),
        cores(f.cores.machine),
        perRequest(f.cores.liftlog, f),
        perRequest(f.cores.postgres, f),
        f.loadAverage.toFixed(1),
      ]),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: { db: { type: "string" }, events: { type: "string" }, requests: { type: "string" }, nodes: { type: "string" } },
  });
  try {
    if (!values.db) throw new Error("--db postgresql://... is required (a server where the user may CREATE DATABASE)");
    const nodes = (values.nodes ?? "1,2,3").split(",").map((n) => wholeNumber("nodes", n, 1, 1));
    await benchmarkNodes({
      db: values.db,
      events: wholeNumber("events", values.events, 200_000, LIMIT + 1),
      requests: wholeNumber("requests", values.requests, 4_000, CLIENTS),
      nodes,
    });
  } catch (err) {
    console.error(`nodes: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
