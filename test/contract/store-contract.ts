/**
 * The store contract: every Store implementation runs this same suite (SQLite files here,
 * PostgreSQL where it runs), so a behaviour difference between engines is a failing test.
 * `open` gives a fresh, empty store; `reopen` (optional) opens the same data again.
 */
import { StaleFleet } from "../../src/store/conflicts.js";
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { deliveryContract } from "./delivery-contract.js";
import type { FleetRecord, NewEvent, Scope, Store, StoredEvent } from "../../src/store/types.js";
import { UnstorableText } from "../../src/store/text.js";

export interface StoreFactory {
  open(): Promise<Store>;
  reopen?(store: Store): Promise<Store>;
  /** A second store on the same data, as another process (or node) would open it. */
  openSibling?(): Promise<Store>;
  cleanup?(): Promise<void>;
}

const scope: Scope = { accountId: "111122223333", region: "us-west-2" };
const otherAccount: Scope = { accountId: "444455556666", region: "us-west-2" };
const otherRegion: Scope = { accountId: "111122223333", region: "eu-west-1" };

export function fleetRecord(s: Scope, overrides: Partial<FleetRecord> = {}): FleetRecord {
  const fleetId = `fleet-${randomUUID()}`;
  return {
    ...s,
    fleetId,
    fleetArn: `arn:aws:gamelift:${s.region}:${s.accountId}:fleet/${fleetId}`,
    name: "contract",
    kind: "external",
    status: "NEW",
    creationTimeMs: 1_700_000_000_000,
    deleted: false,
    attributes: { ComputeType: "ANYWHERE", MetricGroups: ["default"] },
    ...overrides,
  };
}

export function newEvent(fleetId: string, eventTimeMs: number, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    fleetId,
    resourceId: fleetId,
    eventCode: "GENERIC_EVENT",
    message: `event at ${eventTimeMs}`,
    eventTimeMs,
    ...overrides,
  };
}

/** Reads a whole log page by page through the keyset API. */
async function readAll(store: Store, s: Scope, fleetId: string, pageSize: number, range: { startMs?: number; endMs?: number } = {}) {
  const all: StoredEvent[] = [];
  let after;
  for (;;) {
    const page = await store.queryEvents(s, { fleetId, ...range, after, limit: pageSize });
    all.push(...page);
    if (page.length < pageSize) return all;
    const last = page[page.length - 1]!;
    after = { eventTimeMs: last.eventTimeMs, seq: last.seq };
  }
}

const newestFirst = (events: { eventId: string; eventTimeMs: number }[], seqs: number[]) =>
  events
    .map((e, i) => ({ id: e.eventId, t: e.eventTimeMs, s: seqs[i]! }))
    .sort((a, b) => b.t - a.t || b.s - a.s)
    .map((e) => e.id);

export function storeContract(name: string, factory: StoreFactory, skip?: string): void {
  describe(`store contract: ${name}`, { skip }, () => {
    let store: Store;
    before(async () => {
      store = await factory.open();
    });
    after(async () => {
      await store?.close();
      await factory.cleanup?.();
    });

    it("creates, reads and updates fleets within their account and region only", async () => {
      const fleet = fleetRecord(scope, { attributes: { ComputeType: "ANYWHERE", Tags: [{ Key: "a", Value: "b" }] } });
      await store.createFleet(fleet);
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...fleet, version: 0 });
      assert.equal(await store.getFleet(otherAccount, fleet.fleetId), undefined);
      assert.equal(await store.getFleet(otherRegion, fleet.fleetId), undefined);
      const updated = { ...fleet, status: "ACTIVE", deleted: true, terminationTimeMs: 1_700_000_100_000, attributes: { X: 1 } };
      await store.updateFleet(updated);
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...updated, version: 1 });
    });

    it("writes a fleet read at an older version not at all: StaleFleet, and its events are not stored", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const read = (await store.getFleet(scope, fleet.fleetId))!;
      // Two writers read version 0; the first write wins and moves the row to version 1.
      await store.appendEvents(scope, [newEvent(fleet.fleetId, 10, { eventCode: "FLEET_SCALING_EVENT" })], [{ ...read, status: "ACTIVE" }]);
      await assert.rejects(
        store.appendEvents(scope, [newEvent(fleet.fleetId, 11, { eventCode: "FLEET_DELETED" })], [{ ...read, status: "DELETING" }]),
        (err: unknown) => err instanceof StaleFleet && err.fleetId === fleet.fleetId,
      );
      await assert.rejects(store.updateFleet({ ...read, name: "late" }), StaleFleet);
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...read, status: "ACTIVE", version: 1 });
      assert.deepEqual(
        (await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 })).map((e) => e.eventCode),
        ["FLEET_SCALING_EVENT"],
      );
      // A writer that read the current version goes through; a record without a version writes unconditionally.
      await store.updateFleet({ ...read, status: "DELETING", version: 1 });
      await store.updateFleet({ ...read, name: "renamed", version: undefined });
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...read, name: "renamed", version: 3 });
    });

    it("rejects a second fleet with the same ID in the same scope", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      await assert.rejects(store.createFleet(fleet));
    });

    it("creates a fleet and its first events atomically", async () => {
      const fleet = fleetRecord(scope);
      const stored = await store.createFleet(fleet, [newEvent(fleet.fleetId, 5, { eventCode: "FLEET_CREATED" })]);
      assert.equal(stored.length, 1);
      assert.deepEqual(
        (await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 })).map((e) => e.eventCode),
        ["FLEET_CREATED"],
      );
    });

    it("lists live fleets in creation order, keyset-paged, scoped", async () => {
      const s: Scope = { accountId: "999988887777", region: "ap-south-1" };
      const fleets = [];
      for (let i = 0; i < 5; i++) {
        const f = fleetRecord(s, { name: `f${i}`, deleted: i === 2 });
        await store.createFleet(f);
        fleets.push(f);
      }
      await store.createFleet(fleetRecord({ ...s, region: "ap-southeast-1" }));
      const live = fleets.filter((f) => !f.deleted).map((f) => f.fleetId);
      const first = await store.listFleets(s, { limit: 2 });
      assert.deepEqual(
        first.map((f) => f.fleetId),
        live.slice(0, 2),
      );
      const rest = await store.listFleets(s, { limit: 10, afterFleetId: first[1]!.fleetId });
      assert.deepEqual(
        rest.map((f) => f.fleetId),
        live.slice(2),
      );
      const withDeleted = await store.listFleets(s, { limit: 10, includeDeleted: true });
      assert.deepEqual(
        withDeleted.map((f) => f.fleetId),
        fleets.map((f) => f.fleetId),
      );
    });

    it("returns events newest first, ties broken by the later-stored first, across every page size", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      // 300 events at 100 distinct times, three per millisecond, stored out of time order.
      const events = Array.from({ length: 300 }, (_, i) => newEvent(fleet.fleetId, 1_000 + ((i * 37) % 100), { message: `m${i}` }));
      const stored = await store.appendEvents(scope, events);
      assert.deepEqual(
        stored.map((e) => e.eventId),
        events.map((e) => e.eventId),
      );
      const seqs = stored.map((e) => e.seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, "sequence numbers increase in store order");
      const expected = newestFirst(events, seqs);
      for (const pageSize of [1, 3, 7, 100, 301]) {
        assert.deepEqual(
          (await readAll(store, scope, fleet.fleetId, pageSize)).map((e) => e.eventId),
          expected,
          `page size ${pageSize}`,
        );
      }
    });

    it("returns every stored field", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const e = newEvent(fleet.fleetId, 1_700_000_000_123, {
        resourceId: "i-0123456789abcdef0",
        eventCode: "SERVER_PROCESS_CRASHED",
        message: "Server process crashed ✓ — unicode survives",
        count: 7,
        log: "line 1\nline 2",
      });
      const [stored] = await store.appendEvents(scope, [e]);
      const [read] = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 1 });
      const { log: _log, ...withoutLog } = e;
      assert.deepEqual(read, { ...withoutLog, seq: stored!.seq, count: 7, hasLog: true });
      assert.deepEqual(await store.getEventLog(scope, e.eventId), { fleetId: fleet.fleetId, log: "line 1\nline 2" });
      assert.equal(await store.getEventLog(otherAccount, e.eventId), undefined);
      const [plain] = await store.appendEvents(scope, [newEvent(fleet.fleetId, 1)]);
      assert.equal(plain!.count, 1);
      assert.equal(plain!.hasLog, false);
    });

    it("reads back every kind of event ID exactly, and messages that repeat", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const ids = [randomUUID(), randomUUID().toUpperCase(), `{${randomUUID()}}`, "it's 'quoted''", "évènement ✓ 😀"];
      const events = ids.map((eventId, i) => newEvent(fleet.fleetId, 1_000 + i, { eventId, message: "the same message" }));
      const stored = await store.appendEvents(scope, events);
      const expected = events.map((e, i) => ({ ...e, seq: stored[i]!.seq, count: 1, hasLog: false })).reverse();
      assert.deepEqual(await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 }), expected);
      assert.deepEqual(await readAll(store, scope, fleet.fleetId, 2), expected);
    });

    it("stores any text but U+0000 exactly, and refuses U+0000 the same way, writing nothing", async () => {
      // Every other code point class round-trips: controls, line breaks, the BMP's last, astral, combining.
      const text = "\u0001\u0007\t\r\n\u001f\u007f\u0080 é\u0301 \u2028\u2029 \ufeff\uffff 𝄞 😀 \u{10ffff} ✓";
      const fleet = fleetRecord(scope, { name: text, attributes: { Description: text, Tags: [{ Key: text, Value: text }] } });
      await store.createFleet(fleet);
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...fleet, version: 0 });
      const e = newEvent(fleet.fleetId, 5, { message: text, resourceId: text, log: text });
      await store.appendEvents(scope, [e]);
      const { log: _log, ...withoutLog } = e;
      const [read] = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 1 });
      assert.deepEqual(read, { ...withoutLog, seq: read!.seq, count: 1, hasLog: true });
      assert.deepEqual(await store.getEventLog(scope, e.eventId), { fleetId: fleet.fleetId, log: text });
      await store.putResource(scope, { type: "build", id: "build-text", body: { Name: text } });
      assert.deepEqual(await store.getResource(scope, "build", "build-text"), { type: "build", id: "build-text", body: { Name: text } });

      const nul = "before\u0000after";
      const refused = (field: string) => (err: Error) => err instanceof UnstorableText && err.field === field;
      const before = await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 });
      for (const [field, overrides] of [
        ["events[1].message", { message: nul }],
        ["events[1].resourceId", { resourceId: nul }],
        ["events[1].log", { log: nul }],
      ] as const) {
        await assert.rejects(
          store.appendEvents(scope, [newEvent(fleet.fleetId, 6), newEvent(fleet.fleetId, 7, overrides)]),
          refused(field),
        );
      }
      await assert.rejects(
        store.appendEvents(scope, [newEvent(fleet.fleetId, 8)], [{ ...fleet, attributes: { Description: nul } }]),
        refused("fleets[0].attributes.Description"),
      );
      assert.deepEqual(await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 }), before, "no event of a refused batch");
      const named = fleetRecord(scope, { name: nul });
      await assert.rejects(store.createFleet(named), refused("fleets[0].name"));
      assert.equal(await store.getFleet(scope, named.fleetId), undefined);
      await assert.rejects(
        store.updateFleet({ ...fleet, state: { locations: { [nul]: "ACTIVE" } } }),
        refused("a key of fleets[0].state.locations"),
      );
      assert.deepEqual(await store.getFleet(scope, fleet.fleetId), { ...fleet, version: 0 });
      await assert.rejects(
        store.putResource(scope, { type: "build", id: "build-text", body: { Tags: [{ Key: "k", Value: nul }] } }),
        refused("resource.body.Tags[0].Value"),
      );
      assert.deepEqual((await store.getResource(scope, "build", "build-text"))!.body, { Name: text });
    });

    it("inserts a resource only once, and replaces a body only while it is still the one read", async () => {
      const other = { ...scope, region: "eu-central-1" };
      const first = { type: "location", id: "custom-racks", body: { LocationName: "custom-racks", Tags: [{ Key: "a", Value: "1" }] } };
      assert.equal(await store.insertResource(scope, first), true);
      assert.equal(await store.insertResource(scope, { ...first, body: { LocationName: "again" } }), false);
      assert.deepEqual(await store.getResource(scope, "location", "custom-racks"), first, "the second insert wrote nothing");
      assert.equal(await store.insertResource(other, { ...first, body: { LocationName: "elsewhere" } }), true, "another region's own");

      const read = (await store.getResource(scope, "location", "custom-racks"))!;
      const second = { ...read.body, Tags: [{ Key: "a", Value: "2" }] };
      assert.equal(await store.replaceResource(scope, { ...read, body: second }, read.body), true);
      // A writer that read the first body is too late now: its change is refused, the second kept.
      assert.equal(await store.replaceResource(scope, { ...read, body: { ...read.body, Tags: [] } }, read.body), false);
      assert.deepEqual((await store.getResource(scope, "location", "custom-racks"))!.body, second);
      assert.deepEqual((await store.getResource(other, "location", "custom-racks"))!.body, { LocationName: "elsewhere" });

      // A delete given the body it read deletes nothing once another writer changed it.
      assert.equal(await store.deleteResource(scope, "location", "custom-racks", read.body), false);
      assert.deepEqual((await store.getResource(scope, "location", "custom-racks"))!.body, second);
      assert.equal(await store.deleteResource(other, "location", "custom-racks", { LocationName: "elsewhere" }), true);
      assert.equal(await store.getResource(other, "location", "custom-racks"), undefined);
      // A deleted resource does not come back through a replace.
      assert.equal(await store.deleteResource(scope, "location", "custom-racks"), true);
      assert.equal(await store.replaceResource(scope, { ...read, body: second }, second), false);
      assert.equal(await store.getResource(scope, "location", "custom-racks"), undefined);

      // Bodies compare as data: nested objects, text beyond ASCII, numbers.
      const rich = {
        type: "build",
        id: "build-rich",
        body: { Name: "évènement ✓ 😀", Size: 1.5, Nested: { List: [1, "two", null, true] } },
      };
      assert.equal(await store.insertResource(scope, rich), true);
      const stored = (await store.getResource(scope, "build", "build-rich"))!;
      assert.equal(await store.replaceResource(scope, { ...rich, body: { ...stored.body, Size: 2 } }, stored.body), true);
      assert.deepEqual((await store.getResource(scope, "build", "build-rich"))!.body, { ...rich.body, Size: 2 });
      await assert.rejects(
        store.replaceResource(scope, { ...rich, body: { Name: "before\u0000after" } }, { ...rich.body, Size: 2 }),
        (err: Error) => err instanceof UnstorableText,
      );
      await assert.rejects(
        store.insertResource(scope, { type: "build", id: "build-nul", body: { Name: "before\u0000after" } }),
        (err: Error) => err instanceof UnstorableText,
      );
      assert.equal(await store.getResource(scope, "build", "build-nul"), undefined);
    });

    it("applies inclusive millisecond time bounds", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const times = [999, 1000, 1001, 1500, 1999, 2000, 2001];
      const events = times.map((t) => newEvent(fleet.fleetId, t));
      await store.appendEvents(scope, events);
      const ids = (range: { startMs?: number; endMs?: number }) =>
        readAll(store, scope, fleet.fleetId, 2, range).then((r) => r.map((e) => e.eventTimeMs));
      assert.deepEqual(await ids({ startMs: 1000, endMs: 2000 }), [2000, 1999, 1500, 1001, 1000]);
      assert.deepEqual(await ids({ startMs: 2000 }), [2001, 2000]);
      assert.deepEqual(await ids({ endMs: 1000 }), [1000, 999]);
      assert.deepEqual(await ids({ startMs: 1500, endMs: 1500 }), [1500]);
      assert.deepEqual(await ids({ startMs: 1501, endMs: 1998 }), []);
    });

    it("keeps a traversal stable while newer events are appended", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const events = Array.from({ length: 50 }, (_, i) => newEvent(fleet.fleetId, 10_000 + i));
      const stored = await store.appendEvents(scope, events);
      const expected = newestFirst(
        events,
        stored.map((e) => e.seq),
      );
      const seen: string[] = [];
      let after;
      for (let round = 0; ; round++) {
        const page = await store.queryEvents(scope, { fleetId: fleet.fleetId, after, limit: 7 });
        seen.push(...page.map((e) => e.eventId));
        await store.appendEvents(scope, [newEvent(fleet.fleetId, 20_000 + round), newEvent(fleet.fleetId, 10_049)]);
        if (page.length < 7) break;
        after = { eventTimeMs: page[6]!.eventTimeMs, seq: page[6]!.seq };
      }
      assert.deepEqual(seen, expected);
    });

    it("stores a batch all or nothing", async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const good = newEvent(fleet.fleetId, 1);
      const orphan = newEvent(`fleet-${randomUUID()}`, 2);
      await assert.rejects(store.appendEvents(scope, [good, orphan]));
      assert.deepEqual(await store.queryEvents(scope, { fleetId: fleet.fleetId, limit: 10 }), []);
      // A fleet update riding with a failed batch is rolled back too.
      await assert.rejects(store.appendEvents(scope, [orphan], [{ ...fleet, status: "ERROR" }]));
      assert.equal((await store.getFleet(scope, fleet.fleetId))!.status, "NEW");
      await store.appendEvents(scope, [good], [{ ...fleet, status: "ACTIVE" }]);
      assert.equal((await store.getFleet(scope, fleet.fleetId))!.status, "ACTIVE");
    });

    it("does not mix fleets, accounts or regions", async () => {
      const a = fleetRecord(scope);
      const b = fleetRecord(scope);
      await store.createFleet(a);
      await store.createFleet(b);
      await store.appendEvents(scope, [newEvent(a.fleetId, 1), newEvent(b.fleetId, 2)]);
      assert.deepEqual(
        (await store.queryEvents(scope, { fleetId: a.fleetId, limit: 10 })).map((e) => e.fleetId),
        [a.fleetId],
      );
      assert.deepEqual(await store.queryEvents(otherAccount, { fleetId: a.fleetId, limit: 10 }), []);
      assert.deepEqual(await store.queryEvents(otherRegion, { fleetId: a.fleetId, limit: 10 }), []);
      await assert.rejects(store.appendEvents(otherAccount, [newEvent(a.fleetId, 3)]));
    });

    it("deletes events older than a cutoff in bounded batches, with their logs", async () => {
      const s: Scope = { accountId: "121212121212", region: "us-east-2" };
      const fleet = fleetRecord(s);
      await store.createFleet(fleet);
      // Far in the past, so no other test's events are older than the cutoff.
      const events = Array.from({ length: 25 }, (_, i) => newEvent(fleet.fleetId, -1_000_000 + i, { log: `log ${i}` }));
      await store.appendEvents(s, events);
      const cutoff = -1_000_000 + 12;
      const batches: number[] = [];
      for (let n = 5; n === 5; ) batches.push((n = await store.deleteEventsBefore(cutoff, 5)));
      assert.deepEqual(batches, [5, 5, 2]);
      const left = await store.queryEvents(s, { fleetId: fleet.fleetId, limit: 100 });
      assert.deepEqual(
        left.map((e) => e.eventId),
        events
          .slice(12)
          .map((e) => e.eventId)
          .reverse(),
      );
      assert.equal(await store.getEventLog(s, events[3]!.eventId), undefined);
      assert.deepEqual(await store.getEventLog(s, events[12]!.eventId), { fleetId: fleet.fleetId, log: "log 12" });
    });

    it("moves its change mark with every kind of write, its own or a sibling's, or never offers one", async () => {
      const fleet = fleetRecord(scope);
      const before = await store.changeMark();
      const marks = [before];
      const after = async (write: () => Promise<unknown>) => {
        await write();
        const mark = await store.changeMark();
        // A store without a cheap mark says so every time; one with a mark must never repeat it after a write.
        if (before === undefined) assert.equal(mark, undefined);
        else assert.ok(!marks.includes(mark), `mark ${mark} repeats one of ${marks.join(", ")}`);
        marks.push(mark);
      };
      const repeat = () => newEvent(fleet.fleetId, -2_000_000, { eventCode: "SERVER_PROCESS_CRASHED", message: "crash", coalesce: true });
      await after(() => store.createFleet(fleet));
      await after(() => store.appendEvents(scope, [repeat()], [], { coalesceWithinMs: 60_000 }));
      // A Count raised in place (coalescing) adds no row, and is a write like any other.
      await after(async () => assert.equal((await store.appendEvents(scope, [repeat()], [], { coalesceWithinMs: 60_000 }))[0]?.count, 2));
      await after(() => store.updateFleet({ ...(fleet as FleetRecord), status: "ACTIVE", version: 0 }));
      await after(async () => assert.equal(await store.deleteEventsBefore(-1_999_000, 100), 1));
      if (factory.openSibling) {
        const sibling = await factory.openSibling();
        try {
          await after(() => sibling.appendEvents(scope, [newEvent(fleet.fleetId, 5)]));
        } finally {
          await sibling.close();
        }
      }
      assert.equal(await store.changeMark(), marks[marks.length - 1], "a read is not a write");
    });

    it("keeps one secret per name, stable across reopen", async () => {
      const first = await store.secret("contract");
      assert.equal(first.length, 32);
      assert.deepEqual(await store.secret("contract"), first);
      assert.notDeepEqual(await store.secret("contract-other"), first);
      if (factory.reopen) {
        store = await factory.reopen(store);
        assert.deepEqual(await store.secret("contract"), first);
      }
    });

    it("keeps acknowledged writes across reopen", { skip: factory.reopen ? undefined : "no reopen for this store" }, async () => {
      const fleet = fleetRecord(scope);
      await store.createFleet(fleet);
      const events = Array.from({ length: 20 }, (_, i) => newEvent(fleet.fleetId, i, { log: i % 5 === 0 ? `log ${i}` : undefined }));
      await store.appendEvents(scope, events);
      store = await factory.reopen!(store);
      const read = await readAll(store, scope, fleet.fleetId, 6);
      assert.deepEqual(
        read.map((e) => e.eventId),
        events.map((e) => e.eventId).reverse(),
      );
      assert.deepEqual(await store.getEventLog(scope, events[5]!.eventId), { fleetId: fleet.fleetId, log: "log 5" });
    });

    deliveryContract(
      () => store,
      factory.reopen,
      (reopened) => (store = reopened),
    );
  });
}
