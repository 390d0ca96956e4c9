/**
 * GET /_liftlog/events/stream against the real server on each store, read over real HTTP: live
 * events in append order exactly as DescribeFleetEvents shapes them, resume after any id (header or
 * ?after=), ?since= replay then live (and resume inside the replay), EventCodes, a whole scope,
 * lifecycle and fault events, heartbeats and the admin token.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetEventsCommand } from "@aws-sdk/client-gamelift";
import { admin, gamelift, ingest, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { STORES, servedFleet } from "../interop/stores.js";
import { REGION, ingestedLine, realisticEvents, sdkLine } from "../interop/fleet-log.js";
import { eventOf, mustOpen, openStream, streamLine } from "../helpers/sse.js";
import { CREATION, advance, readyBuild, ec2Fleet } from "../lifecycle/helpers.js";

/** The lines of ingested events in the order they were appended. */
const appendOrder = (fleetId: string, ids: string[], events: IngestedEvent[]) => ids.map((id, i) => ingestedLine(fleetId, id, events[i]!));

const streamUrl = (endpoint: string, params: Record<string, string>) => `${endpoint}/_liftlog/events/stream?${new URLSearchParams(params)}`;

for (const store of STORES) {
  describe(`event stream on ${store.name}`, { skip: store.skip }, () => {
    const served = servedFleet(store, ["--clock", "manual", "--feed-heartbeat", "0.3"]);
    const all: { ids: string[]; events: IngestedEvent[] } = { ids: [], events: [] };

    const url = (params: Record<string, string> = {}) => streamUrl(served.server.endpoint, { FleetId: served.fleet.FleetArn, ...params });
    async function add(events: IngestedEvent[]): Promise<string[]> {
      const ids = await ingest(served.server.endpoint, served.fleet.FleetArn, events, 40);
      all.ids.push(...ids);
      all.events.push(...events);
      return ids;
    }

    it("sends each new event once, in append order, as DescribeFleetEvents shapes it plus FleetId", async () => {
      const stream = await mustOpen(url());
      const events = realisticEvents(served.fleet.FleetId, 120).map((e, i) => (i % 17 === 0 ? { ...e, Log: `log of event ${i}` } : e));
      const ids = await add(events);
      const got = await stream.waitFor(120);
      assert.deepEqual(got.map(streamLine), appendOrder(served.fleet.FleetId, ids, events));
      assert.ok(got.every((m) => eventOf(m).FleetId === served.fleet.FleetId));
      assert.equal(new Set(got.map((m) => m.id)).size, 120, "every message has its own id");
      // Field for field what the API returns (log URLs are minted per call, so compared by what they serve).
      const api = await served.client.send(new DescribeFleetEventsCommand({ FleetId: served.fleet.FleetId, Limit: 1000 }));
      assert.deepEqual(got.map(streamLine).sort(), api.Events!.map(sdkLine).sort());
      const logged = got.map(eventOf).find((e) => e.PreSignedLogUrl)!;
      const log = await fetch(logged.PreSignedLogUrl!);
      assert.equal(log.status, 200);
      assert.equal(await log.text(), events[ids.indexOf(logged.EventId)]!.Log);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(stream.messages.length, 120, "nothing more than what was stored");
      stream.close();
    });

    it("resumes right after any id, from Last-Event-ID or ?after=, then goes live", async () => {
      const first = await mustOpen(url({ since: "0" }));
      const history = await first.waitFor(all.ids.length);
      first.close();
      const cut = 37;
      const byHeader = await mustOpen(url({ since: "0" }), { "Last-Event-ID": history[cut]!.id! });
      const byQuery = await mustOpen(url({ after: history[cut]!.id! }));
      const more = realisticEvents(served.fleet.FleetId, 10, 7);
      await add(more);
      const want = [...history.slice(cut + 1).map(streamLine), ...appendOrder(served.fleet.FleetId, all.ids.slice(-10), more)];
      for (const stream of [byHeader, byQuery]) {
        assert.deepEqual((await stream.waitFor(want.length)).map(streamLine), want);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(stream.messages.length, want.length, "no duplicates after the resume");
        stream.close();
      }
    });

    it("?since= replays from then, oldest first, then goes live; resuming inside the replay loses nothing", async () => {
      const sorted = all.ids
        .map((id, i) => ({ id, i, t: Math.round(all.events[i]!.EventTime! * 1000) }))
        .sort((a, b) => a.t - b.t || a.i - b.i);
      const sinceMs = sorted[50]!.t;
      const replayed = sorted.filter((e) => e.t >= sinceMs).map((e) => e.id);
      const stream = await mustOpen(url({ since: String(sinceMs / 1000) }));
      const got = await stream.waitFor(replayed.length);
      assert.deepEqual(
        got.map((m) => eventOf(m).EventId),
        replayed,
      );
      const live = realisticEvents(served.fleet.FleetId, 3, 99).map((e) => ({ ...e, EventTime: 1_000_000 })); // old times still arrive live
      const liveIds = await add(live);
      assert.deepEqual(
        (await stream.waitFor(replayed.length + 3)).slice(-3).map((m) => eventOf(m).EventId),
        liveIds,
      );
      // Mid-replay position: the rest of the replay, then the live part, each once.
      const resumed = await mustOpen(url({ since: String(sinceMs / 1000) }), { "Last-Event-ID": got[9]!.id! });
      const rest = [...replayed.slice(10), ...liveIds];
      assert.deepEqual(
        (await resumed.waitFor(rest.length)).map((m) => eventOf(m).EventId),
        rest,
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(resumed.messages.length, rest.length);
      stream.close();
      resumed.close();
    });

    it("EventCodes keeps only the codes asked for", async () => {
      const codes = ["SERVER_PROCESS_CRASHED", "FLEET_STATE_ACTIVE"];
      const stream = await mustOpen(url({ since: "0", EventCodes: codes.join(",") }));
      const want = all.ids.filter((_, i) => codes.includes(all.events[i]!.EventCode));
      assert.ok(want.length > 3, "the log has events of both codes");
      const byTime = all.ids
        .map((id, i) => ({ id, i, t: Math.round(all.events[i]!.EventTime! * 1000) }))
        .sort((a, b) => a.t - b.t || a.i - b.i)
        .map((e) => e.id)
        .filter((id) => want.includes(id));
      assert.deepEqual(
        (await stream.waitFor(want.length)).map((m) => eventOf(m).EventId),
        byTime,
      );
      const ids = await add([
        { EventCode: "FLEET_STATE_ERROR", Message: "not wanted", EventTime: 1_700_000_000 },
        { EventCode: "FLEET_STATE_ACTIVE", Message: "wanted", EventTime: 1_700_000_001 },
      ]);
      assert.equal(eventOf((await stream.waitFor(want.length + 1)).at(-1)!).EventId, ids[1]);
      stream.close();
    });

    it("without FleetId streams every fleet of the account and region, and nothing of another account", async () => {
      const other = await registerFleet(served.server.endpoint, REGION);
      const elsewhere = await registerFleet(served.server.endpoint, REGION, "111111111111");
      const stream = await mustOpen(streamUrl(served.server.endpoint, { Region: REGION }));
      const a = await ingest(served.server.endpoint, other.FleetArn, [{ EventCode: "FLEET_CREATED", Message: "other 1" }]);
      await ingest(served.server.endpoint, elsewhere.FleetArn, [{ EventCode: "FLEET_CREATED", Message: "another account" }]);
      const b = await add([{ EventCode: "FLEET_STATE_ACTIVE", Message: "first fleet" }]);
      const c = await ingest(served.server.endpoint, other.FleetArn, [{ EventCode: "FLEET_STATE_ERROR", Message: "other 2" }]);
      const got = (await stream.waitFor(3)).map(eventOf);
      assert.deepEqual(
        got.map((e) => [e.FleetId, e.EventId]),
        [
          [other.FleetId, a[0]],
          [served.fleet.FleetId, b[0]],
          [other.FleetId, c[0]],
        ],
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(stream.messages.length, 3);
      stream.close();
    });

    it("carries lifecycle and fault events of simulated fleets", async () => {
      const sim = gamelift(served.server.endpoint, REGION);
      try {
        const stream = await mustOpen(streamUrl(served.server.endpoint, { Region: REGION }));
        const created = (await ec2Fleet(sim, await readyBuild(sim))).FleetAttributes!;
        const fleetId = created.FleetId!;
        await advance(served.server.endpoint, 3600);
        const got = await stream.waitFor(CREATION.length);
        assert.deepEqual(
          got.map((m) => eventOf(m).EventCode),
          CREATION,
        );
        assert.ok(got.every((m) => eventOf(m).FleetId === fleetId));
        const fault = await admin(served.server.endpoint, `/_liftlog/fleets/${encodeURIComponent(created.FleetArn!)}/faults`, {
          EventCode: "SERVER_PROCESS_CRASHED",
        });
        assert.equal(fault.status, 200, JSON.stringify(fault.body));
        const after = await stream.waitFor(CREATION.length + 1);
        assert.equal(eventOf(after.at(-1)!).EventId, fault.body.EventIds![0]);
        stream.close();
      } finally {
        sim.destroy();
      }
    });

    it("sends heartbeat comments while idle", async () => {
      const stream = await mustOpen(url());
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(stream.comments.filter((c) => c.includes("heartbeat")).length >= 2, JSON.stringify(stream.comments));
      stream.close();
    });
  });
}

describe("event stream with an admin token", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ args: ["--admin-token", "s3cret"] });
  });
  after(() => server?.dispose());

  it("answers 401 without the token and streams with it", async () => {
    const headers = { Authorization: "Bearer s3cret" };
    const fleet = await admin(server.endpoint, "/_liftlog/fleets", { Name: "t" }, headers);
    const url = streamUrl(server.endpoint, { FleetId: fleet.body.FleetId as string });
    for (const bad of [{}, { Authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const answer = await openStream(url, bad);
      assert.equal(answer.status, 401);
      assert.ok("error" in answer && answer.error.__type === "UnauthorizedException");
    }
    const stream = await mustOpen(url, headers);
    const res = await admin(
      server.endpoint,
      "/_liftlog/events",
      { FleetId: fleet.body.FleetId, Events: [{ EventCode: "FLEET_CREATED", Message: "m" }] },
      headers,
    );
    assert.equal(eventOf((await stream.waitFor(1))[0]!).EventId, res.body.EventIds![0]);
    stream.close();
  });
});
