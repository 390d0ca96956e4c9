/**
 * The delivery outbox part of the store contract: subscriptions, the deliveries appends add for
 * them, lane-head claims with leases, failures, parking and re-driving. Each test deletes its
 * subscriptions at the end, so claims in the next test see only that test's deliveries.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Delivery, Scope, Store, SubscriptionRecord } from "../../src/store/types.js";
import { fleetRecord, newEvent } from "./store-contract.js";

const NOW = 1_800_000_000_000;

function subscription(s: Scope, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return { ...s, subscriptionId: `sub-${randomUUID()}`, url: "http://127.0.0.1:9/hook", createdMs: NOW, ...overrides };
}

const ids = (deliveries: Delivery[]) => deliveries.map((d) => d.event.eventId);

export function deliveryContract(storeOf: () => Store, reopen?: (store: Store) => Promise<Store>, replace?: (store: Store) => void): void {
  it("adds a delivery for each new event a subscription of its scope matches, by fleet and code", async () => {
    const store = storeOf();
    const s: Scope = { accountId: "313131313131", region: "us-west-2" };
    const other: Scope = { accountId: "414141414141", region: "us-west-2" };
    const [f1, f2, elsewhere] = [fleetRecord(s), fleetRecord(s), fleetRecord(other)];
    const all = subscription(s, { secret: "k" });
    const errorsOfF1 = subscription(s, { fleetIds: [f1.fleetId], eventCodes: ["FLEET_STATE_ERROR"], matchCodes: ["FLEET_STATE_ERROR"] });
    const otherScope = subscription(other);
    for (const sub of [all, errorsOfF1, otherScope]) await store.createSubscription(sub);

    const created = await store.createFleet(f1, [newEvent(f1.fleetId, 1, { eventCode: "FLEET_CREATED" })]);
    await store.createFleet(f2);
    await store.createFleet(elsewhere);
    const batch = [
      newEvent(f2.fleetId, 5, { eventCode: "FLEET_STATE_DOWNLOADING" }),
      newEvent(f1.fleetId, 3, { eventCode: "FLEET_STATE_ERROR" }),
      newEvent(f2.fleetId, 2, { eventCode: "FLEET_STATE_ERROR" }),
      newEvent(f1.fleetId, 4, { eventCode: "SERVER_PROCESS_CRASHED", coalesce: true }),
    ];
    await store.appendEvents(s, batch, [], { coalesceWithinMs: 60_000 });
    // A repeat that only raises the stored event's Count adds no delivery.
    await store.appendEvents(
      s,
      [newEvent(f1.fleetId, 6, { eventCode: "SERVER_PROCESS_CRASHED", message: batch[3]!.message, coalesce: true })],
      [],
      {
        coalesceWithinMs: 60_000,
      },
    );
    await store.appendEvents(other, [newEvent(elsewhere.fleetId, 7)]);

    const pendingOf = (sub: SubscriptionRecord) => store.listDeliveries(sub.subscriptionId, { parked: false, limit: 100 });
    const allPending = await pendingOf(all);
    assert.deepEqual(ids(allPending), [created[0]!.eventId, ...batch.map((e) => e.eventId)]);
    assert.deepEqual(
      allPending.map((d) => [d.fleetArn, d.subscription.url, d.subscription.secret, d.attempts, d.parked]),
      allPending.map((d) => [d.event.fleetId === f1.fleetId ? f1.fleetArn : f2.fleetArn, all.url, "k", 0, false]),
    );
    assert.equal(allPending[4]!.event.count, 2, "the delivery reads the event as stored now");
    assert.deepEqual(ids(await pendingOf(errorsOfF1)), [batch[1]!.eventId]);
    const [elsewhereEvent] = await store.queryEvents(other, { fleetId: elsewhere.fleetId, limit: 1 });
    assert.deepEqual(ids(await pendingOf(otherScope)), [elsewhereEvent!.eventId]);

    const summary = await store.getSubscription(errorsOfF1.subscriptionId);
    assert.deepEqual(summary, { ...errorsOfF1, pending: 1, parked: 0 });
    const listed = (await store.listSubscriptions()).filter((x) =>
      [all, errorsOfF1, otherScope].some((y) => y.subscriptionId === x.subscriptionId),
    );
    assert.deepEqual(
      listed.map((x) => [x.subscriptionId, x.pending]),
      [
        [all.subscriptionId, 5],
        [errorsOfF1.subscriptionId, 1],
        [otherScope.subscriptionId, 1],
      ],
    );
    for (const sub of [all, errorsOfF1, otherScope]) assert.equal(await store.deleteSubscription(sub.subscriptionId), true);
    assert.equal(await store.deleteSubscription(all.subscriptionId), false);
    assert.equal(await store.getSubscription(all.subscriptionId), undefined);
    assert.deepEqual(await store.deliveryBacklog(), { pending: 0, parked: 0 });
  });

  it("claims only each lane's oldest delivery, under a lease, and keeps a lane in store order through failures", async () => {
    const store = storeOf();
    const s: Scope = { accountId: "515151515151", region: "us-east-1" };
    const [f1, f2] = [fleetRecord(s), fleetRecord(s)];
    await store.createFleet(f1);
    await store.createFleet(f2);
    const sub = subscription(s);
    await store.createSubscription(sub);
    const e1 = [1, 2, 3].map((t) => newEvent(f1.fleetId, t));
    const e2 = [newEvent(f2.fleetId, 1)];
    await store.appendEvents(s, [...e1, ...e2]);
    const claim = (owner: string, now = NOW, leaseMs = 30_000) => store.claimDeliveries(now, { owner, leaseMs, limit: 10, perLane: 1 });

    const first = await claim("a");
    assert.deepEqual(ids(first), [e1[0]!.eventId, e2[0]!.eventId], "one head per lane");
    assert.deepEqual(await claim("b"), [], "heads under a live claim and the deliveries behind them are not claimable");
    await store.completeDelivery(first[0]!.deliveryId, "b");
    assert.deepEqual(await claim("b"), [], "only the claim's owner completes it");
    await store.completeDelivery(first[0]!.deliveryId, "a");
    const second = await claim("b");
    assert.deepEqual(ids(second), [e1[1]!.eventId]);

    // A failure schedules the next attempt; the lane waits for it.
    await store.failDelivery(second[0]!.deliveryId, "b", { error: "HTTP 503", nextAttemptMs: NOW + 1000, park: false });
    assert.deepEqual(await claim("c", NOW + 999), []);
    const retried = await claim("c", NOW + 1000);
    assert.deepEqual(ids(retried), [e1[1]!.eventId]);
    assert.deepEqual([retried[0]!.attempts, retried[0]!.lastError], [1, "HTTP 503"]);

    // A lease that ran out (its node died) lets another node claim.
    const byD = await claim("d", NOW + 1000 + 30_001);
    assert.deepEqual(ids(byD), [e1[1]!.eventId, e2[0]!.eventId]);
    await store.completeDelivery(byD[1]!.deliveryId, "d");

    // Parking takes the delivery out of its lane: the next one goes; re-driving puts it back first.
    await store.failDelivery(retried[0]!.deliveryId, "d", { error: "HTTP 500", nextAttemptMs: 0, park: true });
    const parked = await store.listDeliveries(sub.subscriptionId, { parked: true, limit: 10 });
    assert.deepEqual(
      parked.map((d) => [d.event.eventId, d.attempts, d.parked, d.lastError]),
      [[e1[1]!.eventId, 2, true, "HTTP 500"]],
    );
    assert.deepEqual(await store.deliveryBacklog(), { pending: 1, parked: 1 });
    const afterPark = await claim("e", NOW + 100_000);
    assert.deepEqual(ids(afterPark), [e1[2]!.eventId]);
    await store.failDelivery(afterPark[0]!.deliveryId, "e", { error: "HTTP 500", nextAttemptMs: 0, park: false });
    assert.equal(await store.redriveDeliveries(sub.subscriptionId, NOW + 200_000, [999_999_999]), 0, "only the named deliveries");
    assert.equal(await store.redriveDeliveries(sub.subscriptionId, NOW + 200_000), 1);
    const redriven = await claim("f", NOW + 200_000);
    assert.deepEqual(ids(redriven), [e1[1]!.eventId], "the re-driven delivery heads its lane again");
    assert.equal(redriven[0]!.attempts, 0);

    let current = store;
    if (reopen) {
      current = await reopen(store);
      replace!(current);
      const pending = await current.listDeliveries(sub.subscriptionId, { parked: false, limit: 10 });
      assert.deepEqual(ids(pending), [e1[1]!.eventId, e1[2]!.eventId], "the outbox survives a reopen");
    }
    await current.deleteSubscription(sub.subscriptionId);
  });

  it("claims a lane's deliveries in batches; a failure makes the whole lane wait and releases the batch", async () => {
    const store = storeOf();
    const s: Scope = { accountId: "818181818181", region: "us-east-2" };
    const fleet = fleetRecord(s);
    await store.createFleet(fleet);
    const sub = subscription(s);
    await store.createSubscription(sub);
    const events = [1, 2, 3, 4].map((t) => newEvent(fleet.fleetId, t));
    await store.appendEvents(s, events);
    const claim = (owner: string, now: number) => store.claimDeliveries(now, { owner, leaseMs: 30_000, limit: 10, perLane: 3 });
    const e = events.map((x) => x.eventId);

    const batch = await claim("a", NOW);
    assert.deepEqual(ids(batch), e.slice(0, 3), "the head and the two behind it, in order");
    assert.deepEqual(await claim("b", NOW), []);
    await store.failDelivery(batch[0]!.deliveryId, "a", { error: "HTTP 502", nextAttemptMs: NOW + 1000, park: false });
    assert.deepEqual(await claim("b", NOW + 999), [], "the lane waits with its head");
    const again = await claim("b", NOW + 1000);
    assert.deepEqual(ids(again), e.slice(0, 3), "a's claims on the rest of the lane ended with the failure");
    assert.equal(again[0]!.attempts, 1);
    await store.completeDelivery(again[0]!.deliveryId, "b");
    await store.releaseDeliveries([again[1]!.deliveryId, again[2]!.deliveryId], "b");
    assert.deepEqual(ids(await claim("c", NOW + 1000)), e.slice(1, 4));
    await store.deleteSubscription(sub.subscriptionId);
  });

  it("drops the deliveries of events that retention deletes", async () => {
    const store = storeOf();
    const s: Scope = { accountId: "616161616161", region: "eu-west-1" };
    const fleet = fleetRecord(s);
    await store.createFleet(fleet);
    const sub = subscription(s);
    await store.createSubscription(sub);
    const events = [-3_000_000, -2_999_999, 1].map((t) => newEvent(fleet.fleetId, t));
    await store.appendEvents(s, events);
    while ((await store.deleteEventsBefore(-2_000_000, 100)) === 100);
    assert.deepEqual(ids(await store.listDeliveries(sub.subscriptionId, { parked: false, limit: 10 })), [events[2]!.eventId]);
    await store.deleteSubscription(sub.subscriptionId);
  });

  it("counts fleets whose lifecycle step is due", async () => {
    const store = storeOf();
    const s: Scope = { accountId: "717171717171", region: "ap-south-1" };
    const before = await store.countDueFleets(5_000);
    await store.createFleet(fleetRecord(s, { nextDueMs: 4_000 }));
    await store.createFleet(fleetRecord(s, { nextDueMs: 6_000 }));
    assert.equal(await store.countDueFleets(5_000), before + 1);
  });
}
