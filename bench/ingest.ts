/**
 * Ingest throughput through the real server's admin API: `clients` concurrent clients, each with
 * its own fleet (registered through POST /_liftlog/fleets) and its own keep-alive connection, post
 * batches of `batch` events to POST /_liftlog/events back to back. Bodies are built before the
 * clock starts; every answer must carry one distinct EventId per event sent.
 */
import { SeededRandom } from "../src/seed/random.js";
import type { Scope } from "../src/store/types.js";
import { RawGameLiftClient } from "./http-client.js";
import { benchEvent } from "./load.js";
import { percentiles } from "./measure.js";

export interface IngestFigures {
  batch: number;
  clients: number;
  /** Events timed (a warm-up batch per client is not counted). */
  events: number;
  perSecond: number;
  /** Latency of one batch. */
  p50Ms: number;
  p99Ms: number;
}

/** Runs `events` events (rounded down to whole batches per client, at least one each) in `batch`-sized posts from `clients` clients. */
export async function measureIngest(
  endpoint: string,
  scope: Scope,
  setup: { batch: number; clients: number; events: number },
  checkpoint: () => void,
): Promise<IngestFigures> {
  const { batch, clients } = setup;
  const batchesPerClient = Math.max(1, Math.floor(setup.events / (batch * clients)));
  const rng = new SeededRandom(batch * 31 + clients);
  const workers = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new RawGameLiftClient(endpoint, scope.region);
      const registered = await client.admin(
        "/_liftlog/fleets",
        JSON.stringify({ Name: "bench-ingest", Region: scope.region, AccountId: scope.accountId }),
      );
      const { FleetId: fleetId } = JSON.parse(registered.toString("utf8")) as { FleetId: string };
      // One warm-up batch, then the timed ones.
      const bodies = Array.from({ length: batchesPerClient + 1 }, () => ingestBody(rng, scope, fleetId, batch));
      return { client, bodies };
    }),
  );
  const ids = new Set<string>();
  const post = async (client: RawGameLiftClient, body: string) => {
    checkpoint();
    const out = JSON.parse((await client.admin("/_liftlog/events", body)).toString("utf8")) as { EventIds: string[] };
    if (out.EventIds.length !== batch) throw new Error(`ingest answered ${out.EventIds.length} EventIds for ${batch} events`);
    for (const id of out.EventIds) ids.add(id);
  };
  try {
    await Promise.all(workers.map(({ client, bodies }) => post(client, bodies[0]!)));
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      workers.map(async ({ client, bodies }) => {
        for (const body of bodies.slice(1)) {
          const t0 = process.hrtime.bigint();
          await post(client, body);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const events = batchesPerClient * clients * batch;
    if (ids.size !== events + clients * batch)
      throw new Error(`ingest returned ${ids.size} distinct EventIds for ${events + clients * batch} events`);
    return { batch, clients, events, perSecond: events / seconds, ...percentiles(latencies) };
  } finally {
    for (const { client } of workers) client.close();
  }
}

/** One POST /_liftlog/events body: events of the last minute, so that retention never takes them. */
function ingestBody(rng: SeededRandom, scope: Scope, fleetId: string, batch: number): string {
  const now = Date.now();
  const events = Array.from({ length: batch }, () => {
    const e = benchEvent(rng, fleetId, now - rng.int(0, 60_000));
    return {
      EventCode: e.eventCode,
      Message: e.message,
      EventTime: e.eventTimeMs / 1000,
      ...(e.count !== undefined ? { Count: e.count } : {}),
      ...(e.log !== undefined ? { Log: e.log } : {}),
    };
  });
  return JSON.stringify({ FleetId: fleetId, Region: scope.region, AccountId: scope.accountId, Events: events });
}
