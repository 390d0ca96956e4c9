/**
 * Schema version 5 rebuilds the SQLite events table in a compact layout, and version 6 again with a
 * smaller event ID index that is no longer unique (the store refuses reused IDs itself). A database
 * written at version 4 (rows inserted exactly as the version-4 store inserted them), opened as it
 * is or first migrated to version 5, must read back the same after migrating to the latest
 * version: every page of every fleet (deleted ones too), every field, every log, the feed's append
 * order, pending deliveries, the next sequence number, and a stored ID of every kind refused again.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteStore } from "../../src/store/sqlite.js";
import { sqliteMigrations } from "../../src/store/migrations/sqlite.js";
import { newEventId } from "../../src/store/event-ids.js";
import { isUniqueViolation } from "../../src/store/conflicts.js";
import { SeededRandom } from "../../src/seed/random.js";
import type { Scope, StoredEvent } from "../../src/store/types.js";

const SCOPE: Scope = { accountId: "111111111111", region: "eu-west-1" };
const V4 = 4;

interface Fleet {
  pk: number;
  fleetId: string;
  deleted: boolean;
}

/** Event IDs of every kind the API accepts: liftlog's own, other UUID spellings, and free text. */
function eventIdOf(rng: SeededRandom, i: number): string {
  switch (i % 7) {
    case 0:
    case 1:
    case 2:
      return newEventId();
    case 3:
      return randomUUID(); // version 4, lowercase: stored as bytes
    case 4:
      return randomUUID().toUpperCase(); // not canonical: stays text
    case 5:
      return `{${randomUUID()}}`;
    default:
      return [`mirror-${i}`, `'${i}' o''clock "x"`, `${"g".repeat(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`][i % 3]!;
  }
}

/** Writes a version-4 database the way the version-4 store did, and returns what it holds. */
function writeVersion4(file: string) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  for (const sql of sqliteMigrations.slice(0, V4)) db.exec(sql);
  db.pragma(`user_version = ${V4}`);
  const insertFleet = db.prepare(
    `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, deleted, attributes)
     VALUES (?, ?, ?, ?, 'f', 'external', 'ACTIVE', 0, ?, '{}')`,
  );
  const fleets: Fleet[] = ["live-a", "live-b", "gone"].map((name) => {
    const fleetId = `fleet-${name}-${randomUUID()}`;
    const deleted = name === "gone";
    const pk = Number(
      insertFleet.run(SCOPE.accountId, SCOPE.region, fleetId, `arn:aws:gamelift:::fleet/${fleetId}`, deleted ? 1 : 0).lastInsertRowid,
    );
    return { pk, fleetId, deleted };
  });
  const insertEvent = db.prepare(
    `INSERT INTO events (fleet_pk, event_id, resource_id, event_code, message, event_time_ms, count, has_log)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertLog = db.prepare("INSERT INTO event_logs (seq, log) VALUES (?, ?)");
  const rng = new SeededRandom(5);
  const codes = ["FLEET_SCALING_EVENT", "SERVER_PROCESS_CRASHED", "INSTANCE_INTERRUPTED", "GENERIC_EVENT"];
  const events: StoredEvent[] = [];
  const logs = new Map<string, string>();
  let timeMs = 1_700_000_000_000;
  db.transaction(() => {
    for (let i = 0; i < 3_000; i++) {
      const fleet = fleets[i % 3]!;
      if (!rng.chance(0.2)) timeMs += rng.int(1, 5_000); // one in five shares the previous millisecond
      const resourceId = [fleet.fleetId, `i-${rng.hex(17)}`, fleets[(i + 1) % 3]!.fleetId][rng.int(0, 2)]!;
      const eventCode = codes[rng.int(0, codes.length - 1)]!;
      // Repeating messages, unique ones, one that is an event code, and digits.
      const message = [
        `desired ${rng.int(1, 5)}`,
        `crash on i-${rng.hex(17)} ${"é∑ ".repeat(rng.int(0, 3))}`,
        eventCode,
        String(rng.int(0, 3)),
        "",
      ][rng.int(0, 4)]!;
      const count = rng.chance(0.3) ? rng.int(2, 101) : 1;
      const eventId = eventIdOf(rng, i);
      const log = rng.chance(0.1) ? `log of ${eventId}\nline 2` : undefined;
      const seq = Number(
        insertEvent.run(fleet.pk, eventId, resourceId, eventCode, message, timeMs, count, log === undefined ? 0 : 1).lastInsertRowid,
      );
      if (log !== undefined) {
        insertLog.run(seq, log);
        logs.set(eventId, log);
      }
      events.push({
        seq,
        eventId,
        fleetId: fleet.fleetId,
        resourceId,
        eventCode,
        message,
        eventTimeMs: timeMs,
        count,
        hasLog: log !== undefined,
      });
    }
  })();
  // Retention took the newest few: their sequence numbers must never come back.
  const taken = events.splice(-5);
  db.prepare("DELETE FROM events WHERE seq >= ?").run(taken[0]!.seq);
  for (const e of taken) logs.delete(e.eventId);
  // A subscription with deliveries pending for some events.
  const sub = db
    .prepare(
      `INSERT INTO subscriptions (subscription_id, account_id, region, url, filter, created_ms) VALUES ('sub-1', ?, ?, 'http://127.0.0.1:9/', '{}', 0)`,
    )
    .run(SCOPE.accountId, SCOPE.region);
  const owed = events.filter((_, i) => i % 50 === 0);
  for (const e of owed) {
    db.prepare("INSERT INTO deliveries (subscription_pk, fleet_pk, seq) VALUES (?, ?, ?)").run(
      sub.lastInsertRowid,
      fleets.find((f) => f.fleetId === e.fleetId)!.pk,
      e.seq,
    );
  }
  const head = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number }).seq;
  db.close();
  return { fleets, events, logs, owed, head };
}

/** Applies version 5 the way the store applies a version (foreign keys off, one transaction), and no later one. */
function migrateToVersion5(file: string): void {
  const db = new Database(file);
  db.pragma("foreign_keys = OFF");
  db.transaction(() => {
    db.exec(sqliteMigrations[V4]!);
    db.pragma(`user_version = ${V4 + 1}`);
  })();
  db.close();
}

const newestFirst = (a: StoredEvent, b: StoredEvent) => b.eventTimeMs - a.eventTimeMs || b.seq - a.seq;

for (const from of [V4, V4 + 1]) {
  describe(`SQLite schema: a populated version-${from} file migrated to version ${sqliteMigrations.length}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "liftlog-migration-"));
    const file = join(dir, "liftlog.db");
    let before4: ReturnType<typeof writeVersion4>;
    let store: SqliteStore;

    before(() => {
      before4 = writeVersion4(file);
      if (from > V4) migrateToVersion5(file);
      store = new SqliteStore(file);
    });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("is applied, leaving a sound database", () => {
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.pragma("user_version", { simple: true }), sqliteMigrations.length);
        assert.deepEqual(db.pragma("integrity_check"), [{ integrity_check: "ok" }]);
        assert.deepEqual(db.pragma("foreign_key_check"), []);
        const uuidIds = before4.events.filter((e) => /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(e.eventId)).length;
        const asBytes = db.prepare("SELECT count(*) AS n FROM events WHERE typeof(event_id) = 'blob' AND length(event_id) = 16").get() as {
          n: number;
        };
        assert.equal(asBytes.n, uuidIds, "exactly the canonical UUIDs are stored as 16 bytes");
      } finally {
        db.close();
      }
    });

    it("returns every page of every fleet, deleted ones too, with every field", async () => {
      for (const fleet of before4.fleets) {
        const expected = before4.events.filter((e) => e.fleetId === fleet.fleetId).sort(newestFirst);
        for (const limit of [1, 7, 100]) {
          const pages: StoredEvent[][] = [];
          let page: StoredEvent[] = [];
          do {
            const last = page[page.length - 1];
            page = await store.queryEvents(SCOPE, { fleetId: fleet.fleetId, limit, ...(last ? { after: last } : {}) });
            if (page.length > 0) pages.push(page);
          } while (page.length === limit);
          const chunks = Array.from({ length: Math.ceil(expected.length / limit) }, (_, i) => expected.slice(i * limit, (i + 1) * limit));
          assert.deepEqual(pages, chunks, `${fleet.fleetId}, Limit ${limit}`);
        }
      }
    });

    it("keeps every log, the feed's append order and the pending deliveries", async () => {
      for (const e of before4.events) {
        const log = before4.logs.get(e.eventId);
        assert.deepEqual(await store.getEventLog(SCOPE, e.eventId), log === undefined ? undefined : { fleetId: e.fleetId, log });
      }
      const { events } = await store.readAppended(SCOPE, { after: { txid: 0, seq: 0 }, limit: 10_000 });
      assert.deepEqual(
        events.map(({ position: _position, ...e }) => e),
        before4.events,
      );
      const pending = await store.listDeliveries("sub-1", { parked: false, limit: 1_000 });
      assert.deepEqual(
        pending.map((d) => d.event),
        before4.owed,
      );
    });

    it("continues the sequence past every number used, and still refuses a stored event ID of any kind", async () => {
      assert.deepEqual(await store.appendHead(), { txid: 0, seq: before4.head });
      const fleet = before4.fleets[0]!;
      const fresh = { fleetId: fleet.fleetId, resourceId: fleet.fleetId, eventCode: "GENERIC_EVENT", message: "after", eventTimeMs: 1 };
      const [stored] = await store.appendEvents(SCOPE, [{ ...fresh, eventId: newEventId() }]);
      assert.equal(stored!.seq, before4.head + 1);
      for (const taken of before4.events.slice(0, 7)) {
        await assert.rejects(store.appendEvents(SCOPE, [{ ...fresh, eventId: taken.eventId }]), isUniqueViolation, taken.eventId);
      }
    });
  });
}

describe("SQLite schema: opening a file that is already current", () => {
  it("takes no write lock: it opens while another connection holds one, and reads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "liftlog-current-"));
    const file = join(dir, "liftlog.db");
    const writer = new Database(file);
    try {
      await new SqliteStore(file).close(); // creates and migrates the file
      writer.pragma("busy_timeout = 0");
      writer.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      const store = new SqliteStore(file); // a migration would wait out busy_timeout (5 s), then fail
      try {
        assert.ok(performance.now() - started < 4_000, "it did not wait for the write lock");
        assert.deepEqual(await store.queryEvents(SCOPE, { fleetId: "fleet-none", limit: 1 }), []);
      } finally {
        writer.exec("ROLLBACK");
        await store.close();
      }
    } finally {
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
