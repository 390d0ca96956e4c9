/**
 * A new SQLite file gets pages of 16 KiB; a file that exists keeps the size it was made with
 * (4 KiB before), and a store on it stores and pages events as on a new one.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteStore } from "../../src/store/sqlite.js";
import { newEventId } from "../../src/store/event-ids.js";
import type { NewEvent, Scope } from "../../src/store/types.js";
import { fleetRecord } from "./store-contract.js";

const scope: Scope = { accountId: "444444444444", region: "us-west-2" };
const fleet = fleetRecord(scope, { name: "pages" });
const fleetId = fleet.fleetId;
// Long enough messages that 500 events fill many pages of either size.
const events: NewEvent[] = Array.from({ length: 500 }, (_, i) => ({
  eventId: newEventId(),
  fleetId,
  resourceId: fleetId,
  eventCode: "FLEET_SCALING_EVENT",
  message: `Scaling event ${i}: desired instances went from ${i} to ${i + 1} ${"·".repeat(i % 97)}`,
  eventTimeMs: 1_000_000 + i * 10,
}));

/** The page size written in the file's header, read by a connection of its own. */
function pageSizeOf(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma("page_size", { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** Stores the events, then reads the fleet's whole log back in pages of 100, newest first. */
async function roundTrip(store: SqliteStore) {
  await store.createFleet(fleet);
  const stored = await store.appendEvents(scope, events);
  const pages = [];
  let page = await store.queryEvents(scope, { fleetId, limit: 100 });
  while (page.length > 0) {
    pages.push(...page);
    const last = page[page.length - 1]!;
    page = await store.queryEvents(scope, { fleetId, limit: 100, after: { eventTimeMs: last.eventTimeMs, seq: last.seq } });
  }
  const expected = [...stored].reverse().map(({ log, ...rest }) => (void log, rest));
  assert.deepEqual(pages, expected);
}

describe("SQLite page size", () => {
  const dir = mkdtempSync(join(tmpdir(), "liftlog-pages-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("makes a new file with pages of 16 KiB", async () => {
    const file = join(dir, "new", "liftlog.db");
    const store = new SqliteStore(file);
    await roundTrip(store);
    await store.close();
    assert.equal(pageSizeOf(file), 16_384);
  });

  it("keeps a file's own page size, and works on it", async () => {
    const file = join(dir, "old", "liftlog.db");
    mkdirSync(join(dir, "old"));
    const made = new Database(file);
    made.pragma("page_size = 4096");
    made.pragma("journal_mode = WAL");
    made.close();
    assert.equal(pageSizeOf(file), 4096);
    let store = new SqliteStore(file);
    await roundTrip(store);
    await store.close();
    assert.equal(pageSizeOf(file), 4096);
    store = new SqliteStore(file);
    assert.equal((await store.queryEvents(scope, { fleetId, limit: 1 }))[0]!.eventId, events.at(-1)!.eventId);
    await store.close();
  });
});
