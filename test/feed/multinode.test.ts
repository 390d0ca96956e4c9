/**
 * The feed across two liftlog nodes on one PostgreSQL database. Events ingested on one node reach
 * streams on the other exactly once and in order, while both nodes write at once (transactions of
 * the two nodes interleave). The periodic re-check is set to ten minutes here, so what arrives came
 * through LISTEN/NOTIFY; and a node whose LISTEN connection is killed still gets what it missed.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable, runSql } from "../helpers/postgres.js";
import { eventOf, mustOpen, type OpenedStream } from "../helpers/sse.js";
import { followFleetEvents, type FollowedEvent } from "../../src/client/index.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP feed across nodes: ${skip}`);

const REGION = "us-west-2";
const sizes = (n: number, seed: number) => Array.from({ length: n }, (_, i) => 1 + ((i * 7 + seed) % 13));

/** Ingests batches one after another; returns the EventIds in acknowledgement order. */
async function write(endpoint: string, fleetArn: string, batchSizes: number[], label: string): Promise<string[]> {
  const ids: string[] = [];
  for (const [b, size] of batchSizes.entries()) {
    const events = Array.from({ length: size }, (_, i) => ({ EventCode: "SERVER_PROCESS_CRASHED", Message: `${label} ${b}.${i}` }));
    ids.push(...(await ingest(endpoint, fleetArn, events, 100)));
  }
  return ids;
}

const ids = (stream: OpenedStream) => stream.messages.map((m) => eventOf(m).EventId);

describe("feed across two nodes on one PostgreSQL", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  const env = { LIFTLOG_FEED_RECHECK_SECONDS: "600" };

  before(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([startServer({ args: ["--db", db.url], env }), startServer({ args: ["--db", db.url], env })]);
  });
  after(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await db?.drop();
  });

  it("every event ingested on one node arrives on the other exactly once, in order", async () => {
    const one = await registerFleet(a.endpoint, REGION);
    const two = await registerFleet(b.endpoint, REGION);
    const url = (server: RunningServer, query: string) => `${server.endpoint}/_liftlog/events/stream?${query}`;
    const oneOnB = await mustOpen(url(b, `FleetId=${one.FleetArn}`));
    const twoOnA = await mustOpen(url(a, `FleetId=${two.FleetArn}`));
    const scopeOnB = await mustOpen(url(b, `Region=${REGION}`));
    const controller = new AbortController();
    const followed: FollowedEvent[] = [];
    const following = (async () => {
      for await (const e of followFleetEvents({ endpoint: b.endpoint, fleetId: one.FleetArn, signal: controller.signal })) followed.push(e);
    })();
    await new Promise((r) => setTimeout(r, 300));

    // Both nodes write at once: A to fleet one, B to fleet two.
    const [wroteOne, wroteTwo] = await Promise.all([
      write(a.endpoint, one.FleetArn, sizes(40, 1), "one"),
      write(b.endpoint, two.FleetArn, sizes(30, 5), "two"),
    ]);
    await oneOnB.waitFor(wroteOne.length);
    await twoOnA.waitFor(wroteTwo.length);
    await scopeOnB.waitFor(wroteOne.length + wroteTwo.length);
    await new Promise((r) => setTimeout(r, 500));

    assert.deepEqual(ids(oneOnB), wroteOne);
    assert.deepEqual(ids(twoOnA), wroteTwo);
    const scope = ids(scopeOnB);
    assert.equal(new Set(scope).size, scope.length, "no event twice in the scope stream");
    const inOne = new Set(wroteOne);
    assert.deepEqual(
      scope.filter((id) => inOne.has(id)),
      wroteOne,
    );
    assert.deepEqual(
      scope.filter((id) => !inOne.has(id)),
      wroteTwo,
    );
    controller.abort();
    await following;
    assert.deepEqual(
      followed.map((e) => e.EventId),
      wroteOne,
    );

    // Resuming on the other node from a position issued by this one.
    const position = oneOnB.messages[99]!.id!;
    const resumed = await mustOpen(url(a, `FleetId=${one.FleetArn}`), { "Last-Event-ID": position });
    await resumed.waitFor(wroteOne.length - 100);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(ids(resumed), wroteOne.slice(100));
    for (const s of [oneOnB, twoOnA, scopeOnB, resumed]) s.close();
  });

  it("a node whose LISTEN connection dies still gets the events it missed", async () => {
    const fleet = await registerFleet(a.endpoint, REGION);
    const stream = await mustOpen(`${b.endpoint}/_liftlog/events/stream?FleetId=${fleet.FleetArn}`);
    await runSql(
      db.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'liftlog feed (pid ${b.process.pid})'`,
    );
    const wrote = await write(a.endpoint, fleet.FleetArn, [3, 4], "missed");
    await stream.waitFor(wrote.length);
    const more = await write(a.endpoint, fleet.FleetArn, [2], "after");
    await stream.waitFor(wrote.length + more.length);
    assert.deepEqual(ids(stream), [...wrote, ...more]);
    assert.match(b.output(), /feed connection to PostgreSQL lost/);
    stream.close();
  });
});
