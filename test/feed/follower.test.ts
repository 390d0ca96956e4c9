/**
 * followFleetEvents (liftlog/client) against the real server: live events once each and in order;
 * the server killed (-9) and restarted while events keep arriving, every acknowledged event still
 * arrives exactly once; an endpoint without the stream (404, as Amazon GameLift) is followed by
 * polling DescribeFleetEvents; errors the server means (unknown fleet) reject instead of retrying.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followFleetEvents, FollowError, type FollowedEvent, type FollowOptions, type FollowStatus } from "../../src/client/index.js";
import { freePort, startNoFeedProxy, type NoFeedProxy } from "../helpers/network.js";
import { admin, gamelift, ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { STORES } from "../interop/stores.js";

const REGION = "us-west-2";

/** Collects what a follow yields in the background until stopped. */
function follow(options: FollowOptions) {
  const controller = new AbortController();
  const got: FollowedEvent[] = [];
  const statuses: FollowStatus[] = [];
  const done = (async () => {
    for await (const e of followFleetEvents({ ...options, signal: controller.signal, onStatus: (s) => statuses.push(s) })) got.push(e);
  })();
  const until = async (n: number, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (got.length < n) {
      if (Date.now() > deadline)
        throw new Error(`follow: ${got.length} of ${n} events after ${timeoutMs} ms; statuses ${JSON.stringify(statuses)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return got;
  };
  const stop = async () => {
    controller.abort();
    await done;
  };
  return { got, statuses, until, stop, done };
}

const messages = (events: FollowedEvent[]) => events.map((e) => e.Message!);
const batch = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ EventCode: "SERVER_PROCESS_CRASHED", Message: `${prefix} ${i}` }));

describe("followFleetEvents on liftlog's stream", () => {
  let server: RunningServer;
  let fleet: { FleetId: string; FleetArn: string };
  before(async () => {
    server = await startServer();
    fleet = await registerFleet(server.endpoint, REGION);
  });
  after(() => server?.dispose());

  it("yields new events once each, in order, with FleetId, EventTime as a Date and a position; abort ends it quietly", async () => {
    const f = follow({ endpoint: server.endpoint, fleetId: fleet.FleetArn });
    await waitConnected(f.statuses);
    const ids = await ingest(server.endpoint, fleet.FleetArn, batch("live", 25), 10);
    const got = await f.until(25);
    assert.deepEqual(
      got.map((e) => e.EventId),
      ids,
    );
    assert.ok(got.every((e) => e.FleetId === fleet.FleetId && e.EventTime instanceof Date && typeof e.position === "string"));
    await f.stop();
    assert.equal(f.got.length, 25);
    // Resume from a saved position: exactly what came after it.
    const resumed = follow({ endpoint: server.endpoint, fleetId: fleet.FleetArn, after: got[19]!.position! });
    assert.deepEqual(
      (await resumed.until(5)).map((e) => e.EventId),
      ids.slice(20),
    );
    await resumed.stop();
  });

  it("since replays history oldest first; eventCodes filters", async () => {
    const f = follow({ endpoint: server.endpoint, fleetId: fleet.FleetArn, since: new Date(0), eventCodes: ["FLEET_STATE_ACTIVE"] });
    const [id] = await ingest(server.endpoint, fleet.FleetArn, [{ EventCode: "FLEET_STATE_ACTIVE", Message: "active" }]);
    const got = await f.until(1);
    assert.deepEqual(
      got.map((e) => e.EventId),
      [id],
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(f.got.length, 1);
    await f.stop();
  });

  it("rejects with the server's error when the request is wrong, without retrying", async () => {
    const statuses: FollowStatus[] = [];
    await assert.rejects(
      async () => {
        for await (const e of followFleetEvents({
          endpoint: server.endpoint,
          fleetId: "fleet-00000000-0000-0000-0000-000000000000",
          region: REGION,
          onStatus: (s) => statuses.push(s),
        }))
          assert.fail(`unexpected ${JSON.stringify(e)}`);
      },
      (err: unknown) => err instanceof FollowError && err.code === "NotFoundException" && err.status === 400,
    );
    assert.deepEqual(statuses, []);
    await assert.rejects(
      async () => {
        for await (const e of followFleetEvents({ endpoint: server.endpoint, fleetId: fleet.FleetArn, after: "forged.position" })) void e;
      },
      (err: unknown) => err instanceof FollowError && err.code === "InvalidRequestException",
    );
  });
});

async function waitConnected(statuses: FollowStatus[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!statuses.some((s) => s.state === "connected")) {
    if (Date.now() > deadline) throw new Error(`not connected: ${JSON.stringify(statuses)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const store of STORES) {
  describe(`followFleetEvents across a server restart on ${store.name}`, { skip: store.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "liftlog-follow-"));
    let db: Awaited<ReturnType<typeof store.open>>;
    let server: RunningServer | undefined;
    before(async () => {
      db = await store.open();
    });
    after(async () => {
      await server?.stop("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
    });

    for (const signal of ["SIGKILL", "SIGTERM"] as const) {
      it(`${signal === "SIGKILL" ? "kill -9" : "SIGTERM"} while events keep arriving: every acknowledged event exactly once, in order`, async () => {
        const port = await freePort();
        const start = () => startServer({ dataDir, args: ["--port", String(port), ...db.args] });
        server = await start();
        const endpoint = server.endpoint;
        const fleet = await registerFleet(endpoint, REGION);
        const f = follow({ endpoint, fleetId: fleet.FleetArn, retryDelayMs: 100, maxRetryDelayMs: 500 });
        await waitConnected(f.statuses);

        // A writer that keeps storing small batches, retrying through the outage; it remembers what was acknowledged.
        const acked: string[] = [];
        const attempted = new Set<string>();
        let writing = true;
        const writer = (async () => {
          for (let n = 0; writing; n++) {
            // Event IDs make a retry idempotent: a batch stored without its acknowledgement reaching
            // the writer is refused as a whole (ConflictException) when sent again, instead of being stored twice.
            const events = batch(`batch ${n}`, 3).map((e) => ({ ...e, EventId: randomUUID() }));
            for (;;) {
              events.forEach((e) => attempted.add(e.Message));
              const res = await admin(endpoint, "/_liftlog/events", { FleetId: fleet.FleetArn, Events: events }).catch(() => undefined);
              if (res?.status === 200 || res?.body.__type === "ConflictException") {
                acked.push(...events.map((e) => e.Message));
                break;
              }
              await new Promise((r) => setTimeout(r, 100));
              if (!writing) return;
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })();

        await f.until(30);
        await server.stop(signal);
        await new Promise((r) => setTimeout(r, 300));
        server = await start();
        const before = acked.length;
        while (acked.length < before + 60) await new Promise((r) => setTimeout(r, 50));
        writing = false;
        await writer;
        await f.until(acked.length);
        await new Promise((r) => setTimeout(r, 500));
        await f.stop();

        const got = messages(f.got);
        assert.equal(new Set(got).size, got.length, "no event twice");
        assert.ok(
          got.every((m) => attempted.has(m)),
          "nothing that was not sent",
        );
        // Every acknowledged event, in the order they were acknowledged; a batch in flight at the kill
        // may have been stored without its acknowledgement reaching the writer, and may appear too.
        assert.deepEqual(
          got.filter((m) => acked.includes(m)),
          acked,
        );
        assert.ok(
          f.statuses.some((s) => s.state === "retrying"),
          "the follower noticed the outage",
        );
        await server.stop();
      });
    }
  });
}

describe("followFleetEvents where there is no stream (polling DescribeFleetEvents)", () => {
  let server: RunningServer;
  let proxy: NoFeedProxy;
  let proxyUrl: string;
  let fleet: { FleetId: string; FleetArn: string };
  before(async () => {
    server = await startServer();
    fleet = await registerFleet(server.endpoint, REGION);
    // Everything but the stream reaches liftlog, as for an endpoint that only has the GameLift API.
    proxy = await startNoFeedProxy(server.endpoint);
    proxyUrl = proxy.url;
  });
  after(async () => {
    await proxy?.close();
    await server?.dispose();
  });

  const client = () => gamelift(proxyUrl, REGION);

  it("falls back to polling, skips what was there before, yields each new event once in order", async () => {
    await ingest(server.endpoint, fleet.FleetArn, batch("old", 5));
    const sdk = client();
    const f = follow({ endpoint: proxyUrl, fleetId: fleet.FleetId, region: REGION, client: sdk, pollIntervalMs: 100 });
    await waitConnected(f.statuses);
    assert.equal(f.statuses[0]!.state, "fallback");
    const ids = [
      ...(await ingest(server.endpoint, fleet.FleetArn, batch("new", 7))),
      ...(await ingest(server.endpoint, fleet.FleetArn, batch("newer", 4))),
    ];
    const got = await f.until(11);
    assert.deepEqual(
      got.map((e) => e.EventId),
      ids,
    );
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(f.got.length, 11, "each event once across polls");
    assert.ok(got.every((e) => e.FleetId === fleet.FleetId && e.position === undefined));
    await f.stop();
    sdk.destroy();
  });

  it("with since, polls history from then first; mode 'stream' refuses to fall back", async () => {
    const sdk = client();
    const f = follow({ endpoint: proxyUrl, fleetId: fleet.FleetId, region: REGION, client: sdk, pollIntervalMs: 100, since: new Date(0) });
    const got = await f.until(16);
    assert.deepEqual(messages(got).slice(0, 5), ["old 0", "old 1", "old 2", "old 3", "old 4"]);
    await f.stop();
    sdk.destroy();
    await assert.rejects(
      async () => {
        for await (const e of followFleetEvents({ endpoint: proxyUrl, fleetId: fleet.FleetId, mode: "stream" })) void e;
      },
      (err: unknown) => err instanceof FollowError && /has no event stream/.test(err.message),
    );
  });
});
