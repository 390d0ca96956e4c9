/**
 * Webhook deliveries end to end: the real server (manual clock) and a real HTTP receiver started
 * here. Each test has its own receiver and subscription, and compares every delivery in full.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Event, GameLiftClient } from "@aws-sdk/client-gamelift";
import { admin, gamelift, ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { adminGet, advance, allEvents, chronological, ec2Fleet, readyBuild } from "../lifecycle/helpers.js";
import { eventIds, expectedSignature, startReceiver, subscribe, type Receiver } from "./receiver.js";

const REGION = "us-west-2";

/** The envelope liftlog must send for an event as DescribeFleetEvents returned it. */
function expectedEnvelope(e: Event, fleetId: string, fleetArn: string) {
  return {
    version: "0",
    id: e.EventId,
    "detail-type": "GameLift Fleet Event",
    source: "aws.gamelift",
    account: "000000000000",
    time: e.EventTime!.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [fleetArn],
    detail: { ...e, EventTime: e.EventTime!.getTime() / 1000, FleetId: fleetId },
  };
}

async function remove(endpoint: string, subscriptionId: string) {
  const res = await fetch(`${endpoint}/_liftlog/subscriptions/${subscriptionId}`, { method: "DELETE" });
  assert.equal(res.status, 200);
}

describe("webhook deliveries", () => {
  let server: RunningServer;
  let client: GameLiftClient;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };

  before(async () => {
    server = await startServer({ args: ["--clock", "manual", "--delivery-max-attempts", "3", "--delivery-backoff-cap", "2"] });
    client = gamelift(server.endpoint, REGION);
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it("a fleet failing validation sends its whole log in order, signed, as EventBridge envelopes", async () => {
    const hook = await receiver();
    const secret = "correct horse battery staple";
    const subscriptionId = await subscribe(server.endpoint, { Url: hook.url, Region: REGION, Secret: secret });
    const buildId = await readyBuild(client);
    const created = await ec2Fleet(client, buildId, "launch-path-not-found");
    const { FleetId: fleetId, FleetArn: fleetArn } = created.FleetAttributes!;
    await advance(server.endpoint, 3600);
    const events = chronological(await allEvents(client, fleetId!));
    assert.equal(events[events.length - 1]!.EventCode, "FLEET_STATE_ERROR");
    assert.ok(events.some((e) => e.EventCode === "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND" && e.PreSignedLogUrl));

    await hook.until(() => hook.delivered().length >= events.length);
    const got = hook.delivered();
    // The clock stands still, so the log URLs minted for deliveries equal DescribeFleetEvents' own.
    assert.deepEqual(
      got.map((r) => r.envelope),
      events.map((e) => expectedEnvelope(e, fleetId!, fleetArn!)),
    );
    for (const r of got) {
      assert.equal(r.headers["x-liftlog-signature"], expectedSignature(secret, r.body));
      assert.equal(r.headers["idempotency-key"], `${subscriptionId}/${r.envelope.id}`);
      assert.equal(r.headers["content-type"], "application/json");
    }
    assert.equal(hook.requests.length, events.length, "no delivery twice");
    await remove(server.endpoint, subscriptionId);
  });

  it("a receiver that fails for a while gets everything once it recovers, in order, with the same idempotency keys", async () => {
    const hook = await receiver();
    hook.respond = (i) => (i < 2 ? 503 : 200);
    const fleet = await registerFleet(server.endpoint, REGION);
    const subscriptionId = await subscribe(server.endpoint, { Url: hook.url, Region: REGION, FleetIds: [fleet.FleetArn] });
    const sent = Array.from({ length: 6 }, (_, i) => ({
      EventCode: "SERVER_PROCESS_CRASHED",
      Message: `crash ${i}`,
      EventTime: 1_800_000_000 + i,
    }));
    const ids = await ingest(server.endpoint, fleet.FleetId, sent);

    await hook.until(() => hook.delivered().length === ids.length);
    assert.deepEqual(eventIds(hook.delivered()), ids);
    // The lane's head was retried (attempts 1 and 2 failed, the 3rd of the server's 3 went through) before anything behind it.
    assert.deepEqual(
      hook.requests.slice(0, 3).map((r) => [r.envelope.id, r.headers["x-liftlog-attempt"], r.headers["idempotency-key"], r.status]),
      [1, 2, 3].map((n) => [ids[0], String(n), `${subscriptionId}/${ids[0]}`, n < 3 ? 503 : 200]),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(hook.requests.length, 2 + ids.length, "each event delivered once");
    const { body } = await adminGet(server.endpoint, `/_liftlog/subscriptions/${subscriptionId}`);
    assert.deepEqual([body.PendingDeliveries, body.ParkedDeliveries], [0, 0]);
    await remove(server.endpoint, subscriptionId);
  });

  it("parks a delivery after the last attempt, lists it, and re-drives it on request", async () => {
    const hook = await receiver();
    hook.respond = () => 500;
    const fleet = await registerFleet(server.endpoint, REGION);
    const subscriptionId = await subscribe(server.endpoint, { Url: hook.url, Region: REGION, FleetIds: [fleet.FleetId] });
    const ids = await ingest(server.endpoint, fleet.FleetId, [
      { EventCode: "FLEET_STATE_ERROR", Message: "first", EventTime: 1_800_000_100 },
      { EventCode: "FLEET_STATE_ERROR", Message: "second", EventTime: 1_800_000_101 },
    ]);
    const path = `/_liftlog/subscriptions/${subscriptionId}`;
    // 3 attempts each (1 s, then 2 s apart), the second only after the first is parked.
    await hook.until(() => hook.requests.length === 6, 30_000);
    let summary: Record<string, unknown> = {};
    for (let i = 0; i < 50 && summary.ParkedDeliveries !== 2; i++) {
      summary = (await adminGet(server.endpoint, path)).body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual([summary.PendingDeliveries, summary.ParkedDeliveries], [0, 2]);
    assert.deepEqual(
      hook.requests.map((r) => [r.envelope.id, r.headers["x-liftlog-attempt"]]),
      [ids[0], ids[0], ids[0], ids[1], ids[1], ids[1]].map((id, i) => [id, String((i % 3) + 1)]),
    );

    const parked = (await adminGet(server.endpoint, `${path}/deliveries?State=PARKED&Limit=1`)).body;
    const rest = (
      await adminGet(server.endpoint, `${path}/deliveries?State=PARKED&Limit=1&NextToken=${encodeURIComponent(parked.NextToken as string)}`)
    ).body;
    const listed = [...(parked.Deliveries as Record<string, unknown>[]), ...(rest.Deliveries as Record<string, unknown>[])];
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual(
      listed.map(({ DeliveryId, ...d }) => (assert.ok(Number.isInteger(DeliveryId)), d)),
      ids.map((id, i) => ({
        EventId: id,
        FleetId: fleet.FleetId,
        EventCode: "FLEET_STATE_ERROR",
        EventTime: 1_800_000_100 + i,
        State: "PARKED",
        Attempts: 3,
        LastError: "HTTP 500 from the receiver",
      })),
    );

    hook.respond = () => 200;
    const one = await admin(server.endpoint, `${path}/redrive`, { DeliveryIds: [listed[1]!.DeliveryId] });
    assert.deepEqual([one.status, one.body], [200, { Redriven: 1 }]);
    await hook.until(() => hook.delivered().length === 1);
    const all = await admin(server.endpoint, `${path}/redrive`, "");
    assert.deepEqual([all.status, all.body], [200, { Redriven: 1 }]);
    await hook.until(() => hook.delivered().length === 2);
    assert.deepEqual(eventIds(hook.delivered()), [ids[1], ids[0]], "re-driven in the order asked");
    assert.deepEqual((await adminGet(server.endpoint, `${path}/deliveries?State=PARKED`)).body, { Deliveries: [] });

    // A deleted subscription gets nothing more.
    await remove(server.endpoint, subscriptionId);
    await ingest(server.endpoint, fleet.FleetId, [{ EventCode: "FLEET_STATE_ERROR", Message: "after", EventTime: 1_800_000_102 }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(hook.requests.length, 8);
    const listedAfter = (await adminGet(server.endpoint, "/_liftlog/subscriptions")).body.Subscriptions as { SubscriptionId: string }[];
    assert.ok(!listedAfter.some((s) => s.SubscriptionId === subscriptionId));
  });

  it("filters by fleet, event code and category", async () => {
    const [errorsOfA, failures] = [await receiver(), await receiver()];
    const [a, b] = [await registerFleet(server.endpoint, REGION), await registerFleet(server.endpoint, REGION)];
    const subA = await subscribe(server.endpoint, {
      Url: errorsOfA.url,
      Region: REGION,
      FleetIds: [a.FleetId],
      EventCodes: ["FLEET_STATE_ERROR"],
    });
    const subF = await subscribe(server.endpoint, { Url: failures.url, Region: REGION, Categories: ["failure"] });
    const codes = [
      "FLEET_STATE_ACTIVE",
      "FLEET_STATE_ERROR",
      "SERVER_PROCESS_CRASHED",
      "FLEET_SCALING_EVENT",
      "GAME_SESSION_ACTIVATION_TIMEOUT",
    ];
    const batch = (fleet: string) =>
      ingest(server.endpoint, fleet, [
        ...codes.map((EventCode, i) => ({ EventCode, Message: `${EventCode} ${i}`, EventTime: 1_800_000_200 + i })),
        // Last in each lane and matched by both: once it is in, everything before it has been sent.
        { EventCode: "FLEET_STATE_ERROR", Message: "sentinel", EventTime: 1_800_000_300 },
      ]);
    const [idsA, idsB] = [await batch(a.FleetId), await batch(b.FleetId)];
    const sentinels = [idsA[5]!, idsB[5]!];
    await errorsOfA.until(() => eventIds(errorsOfA.delivered()).includes(idsA[5]!));
    await failures.until(() => sentinels.every((id) => eventIds(failures.delivered()).includes(id)));

    assert.deepEqual(eventIds(errorsOfA.delivered()), [idsA[1], idsA[5]]);
    const failed = [1, 2, 4, 5];
    const got = eventIds(failures.delivered());
    assert.deepEqual(
      got.filter((id) => idsA.includes(id)),
      failed.map((i) => idsA[i]),
    );
    assert.deepEqual(
      got.filter((id) => idsB.includes(id)),
      failed.map((i) => idsB[i]),
    );
    assert.equal(got.length, 8);
    await remove(server.endpoint, subA);
    await remove(server.endpoint, subF);
  });
});
