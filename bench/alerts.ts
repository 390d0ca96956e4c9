/**
 * Webhook deliveries (the durable outbox), part of `npm run bench`:
 *   - what the outbox costs ingest: batches of 10,000 events with no subscription, with one that
 *     matches nothing of the ingesting fleet (it names another fleet), and with one that matches
 *     every event (each event adds a delivery row in the same transaction), in interleaved rounds.
 *     Those subscriptions point at a receiver that answers 503, so the worker makes one attempt
 *     per backoff period and the figure is the append path's own cost;
 *   - delay from an ingest's acknowledgement to the receiver getting the event, p50/p99, single
 *     events a few milliseconds apart, to a receiver that answers 200;
 *   - delivery throughput: one batch of 10,000 matching events, time until the receiver has all.
 * Every event must reach the receiver once, in order, or the run fails.
 * Alone: `node dist/bench/alerts.js [--db postgres://...]`.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { startServer, type RunningServer } from "../test/helpers/server.js";
import { createTestDatabase } from "../test/helpers/postgres.js";
import { startReceiver, type Receiver } from "../test/alerts/receiver.js";
import { RawGameLiftClient } from "./http-client.js";
import { formatCount, formatMs, percentiles, table } from "./measure.js";

const REGION = "us-east-1";
const BATCH = 10_000;
const ROUNDS = 3;
const BATCHES_PER_ROUND = 2;
const LATENCY_EVENTS = 200;

export interface AlertFigures {
  engine: string;
  /** Ingest events/s by setup. */
  ingest: { none: number; otherFleet: number; matching: number };
  delay: { p50Ms: number; p99Ms: number };
  deliveredPerSecond: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(client: RawGameLiftClient, path: string, body: unknown): Promise<Record<string, unknown>> {
  return JSON.parse((await client.admin(path, JSON.stringify(body))).toString()) as Record<string, unknown>;
}

const events = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ EventCode: "SERVER_PROCESS_CRASHED", Message: `${tag} ${i}` }));

async function post(client: RawGameLiftClient, fleetId: string, batch: unknown[]): Promise<string[]> {
  return (await json(client, "/_liftlog/events", { FleetId: fleetId, Region: REGION, Events: batch })).EventIds as string[];
}

async function unsubscribe(endpoint: string, id: string): Promise<void> {
  const res = await fetch(`${endpoint}/_liftlog/subscriptions/${id}`, { method: "DELETE" });
  if (res.status !== 200) throw new Error(`alerts: DELETE subscription answered ${res.status}`);
}

async function measureAlerts(engine: string, node: RunningServer, receiver: Receiver, failing: Receiver): Promise<AlertFigures> {
  const client = new RawGameLiftClient(node.endpoint, REGION);
  const fleet = async () => (await json(client, "/_liftlog/fleets", { Name: "bench-alerts", Region: REGION })).FleetId as string;
  const [ingestFleet, otherFleet, hookFleet] = [await fleet(), await fleet(), await fleet()];
  const subscribe = async (body: Record<string, unknown>) =>
    (await json(client, "/_liftlog/subscriptions", { Region: REGION, ...body })).SubscriptionId as string;
  const body = events(BATCH, "ingest");
  const rate = async () => {
    const started = performance.now();
    for (let i = 0; i < BATCHES_PER_ROUND; i++) await post(client, ingestFleet, body);
    return (BATCHES_PER_ROUND * BATCH) / ((performance.now() - started) / 1000);
  };
  await post(client, ingestFleet, body); // warm-up
  const totals = { none: 0, otherFleet: 0, matching: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    totals.none += await rate();
    const other = await subscribe({ Url: failing.url, FleetIds: [otherFleet] });
    totals.otherFleet += await rate();
    await unsubscribe(node.endpoint, other);
    const all = await subscribe({ Url: failing.url, FleetIds: [ingestFleet] });
    totals.matching += await rate();
    await unsubscribe(node.endpoint, all);
  }

  await subscribe({ Url: receiver.url, FleetIds: [hookFleet] });
  const acked = new Map<string, number>();
  const sent: string[] = [];
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const [id] = await post(client, hookFleet, events(1, `latency ${i}`));
    acked.set(id!, performance.now());
    sent.push(id!);
    await sleep(5);
  }
  await receiver.until(() => receiver.delivered().length >= LATENCY_EVENTS, 60_000);
  const arrived = new Map(receiver.delivered().map((r) => [r.envelope.id, r.receivedAt]));
  // A delivery that arrived before its acknowledgement reached the client counts as 0.
  const delays = sent.map((id) => Math.max(0, arrived.get(id)! - acked.get(id)!));

  const started = performance.now();
  sent.push(...(await post(client, hookFleet, events(BATCH, "throughput"))));
  await receiver.until(() => receiver.delivered().length >= sent.length, 300_000);
  const deliveredPerSecond = BATCH / ((performance.now() - started) / 1000);
  const got = receiver.delivered().map((r) => r.envelope.id);
  if (got.length !== sent.length || got.some((id, i) => id !== sent[i]))
    throw new Error("alerts: the receiver missed, repeated or reordered events");
  client.close();
  return {
    engine,
    ingest: { none: totals.none / ROUNDS, otherFleet: totals.otherFleet / ROUNDS, matching: totals.matching / ROUNDS },
    delay: percentiles(delays),
    deliveredPerSecond,
  };
}

async function onEngine(engine: string, args: string[], cleanup = async () => {}): Promise<AlertFigures> {
  const [receiver, failing] = [await startReceiver(), await startReceiver()];
  failing.respond = () => 503;
  let node: RunningServer | undefined;
  try {
    node = await startServer({ args: ["--log-level", "warn", ...args] });
    return await measureAlerts(engine, node, receiver, failing);
  } finally {
    await node?.dispose();
    await Promise.all([receiver.close(), failing.close()]);
    await cleanup();
  }
}

const onSqlite = () => onEngine("SQLite", []);

const onPostgres = async (adminUrl: string) => {
  const db = await createTestDatabase(adminUrl, "liftlog_bench_");
  return onEngine("PostgreSQL", ["--db", db.url], db.drop);
};

/** Runs the delivery figures on SQLite, and on PostgreSQL when `db` is given; prints and returns them. */
export async function benchmarkAlerts(db: string | undefined): Promise<AlertFigures[]> {
  console.log(`\n## Webhook deliveries: ingest in batches of ${formatCount(BATCH)} with and without subscriptions, delivery delay\n`);
  const results = [await onSqlite(), ...(db ? [await onPostgres(db)] : [])];
  const rows = (pick: (f: AlertFigures) => string) => results.map(pick);
  console.log(
    table(
      ["figure", ...results.map((r) => r.engine)],
      [
        ["ingest, no subscription: events/s", ...rows((r) => formatCount(r.ingest.none))],
        ["ingest, a subscription to another fleet: events/s", ...rows((r) => formatCount(r.ingest.otherFleet))],
        ["ingest, a subscription matching every event: events/s", ...rows((r) => formatCount(r.ingest.matching))],
        ["another fleet's subscription / none", ...rows((r) => (r.ingest.otherFleet / r.ingest.none).toFixed(2))],
        ["matching subscription / none", ...rows((r) => (r.ingest.matching / r.ingest.none).toFixed(2))],
        ["ack → receiver p50, ms", ...rows((r) => formatMs(r.delay.p50Ms))],
        ["ack → receiver p99, ms", ...rows((r) => formatMs(r.delay.p99Ms))],
        [`deliveries/s (one lane, ${formatCount(BATCH)} events)`, ...rows((r) => formatCount(r.deliveredPerSecond))],
      ],
    ),
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { db: { type: "string" } } });
  await benchmarkAlerts(values.db);
}
