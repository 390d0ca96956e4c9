/**
 * Schema version 8: appends draw sequence numbers in blocks of SEQ_BLOCK. On a database populated at
 * version 7, numbers already given stay and appends go on above them, in input order, also across
 * several blocks; and a node still drawing one number per event (version 7's way, as a rolling
 * upgrade may leave running) never gets a number inside another append's block.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SEQ_BLOCK } from "../../src/store/migrations/postgres.js";
import { eventIdBytes } from "../../src/store/postgres-event-ids.js";
import { PostgresStore } from "../../src/store/postgres.js";
import type { Scope } from "../../src/store/types.js";
import { migrationSchema, PG_ADMIN_URL, pgUnavailable } from "../helpers/postgres.js";
import { newEvent } from "./store-contract.js";

const skip = await pgUnavailable();
const scope: Scope = { accountId: "111122223333", region: "us-west-2" };

/** Inserts one event as a version-7 node does: its number from the sequence's default. */
const OLD_NODE_INSERT = `INSERT INTO events (fleet_pk, event_time_ms, event_code, event_id, message)
                         VALUES ((SELECT pk FROM fleets WHERE fleet_id = 'fleet-a'), 1, 1, $1, 'old node') RETURNING seq::text`;

describe("postgres schema version 8 on a database populated at version 7", { skip }, () => {
  let store: PostgresStore | undefined;
  const { schema, admin, atVersion } = migrationSchema(() => store);

  it("keeps the numbers given, numbers appends in blocks above them, and never collides with a node drawing one at a time", async () => {
    await atVersion(7);
    await admin.query(
      `INSERT INTO fleets (account_id, region, fleet_id, fleet_arn, name, kind, status, creation_time_ms, attributes)
       VALUES ($1, $2, 'fleet-a', $3, 'm', 'external', 'ACTIVE', 1, '{}')`,
      [scope.accountId, scope.region, `arn:aws:gamelift:${scope.region}:${scope.accountId}:fleet/fleet-a`],
    );
    await admin.query("INSERT INTO event_codes (code, name) VALUES (1, 'GENERIC_EVENT')");
    const given: string[] = [];
    for (let i = 0; i < 5; i++) given.push((await admin.query(OLD_NODE_INSERT, [eventIdBytes(`before-${i}`)])).rows[0]!.seq);
    assert.deepEqual(given, ["1", "2", "3", "4", "5"]);

    store = await PostgresStore.open({ connectionString: PG_ADMIN_URL, schema, poolSize: 2 });
    const { rows: applied } = await admin.query<{ v: number }>("SELECT max(version) AS v FROM liftlog_migrations");
    assert.equal(applied[0]!.v, 8);
    assert.deepEqual(
      (await admin.query("SELECT seq::text FROM events ORDER BY seq")).rows.map((r) => r.seq),
      given,
    );

    // More than two blocks in one append, while an old node inserts one event at a time.
    const events = Array.from({ length: 2 * SEQ_BLOCK + 500 }, (_, i) => newEvent("fleet-a", 1_000 + i));
    const appending = store.appendEvents(scope, events);
    const oldNode: number[] = [];
    for (let i = 0; i < 20; i++) oldNode.push(Number((await admin.query(OLD_NODE_INSERT, [eventIdBytes(`during-${i}`)])).rows[0]!.seq));
    const stored = await appending;

    assert.deepEqual(
      stored.map((e) => e.eventId),
      events.map((e) => e.eventId),
    );
    const seqs = stored.map((e) => e.seq);
    assert.ok(seqs[0]! > 5, "appends go on above the numbers given");
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, "numbered in input order");
    const all = [...seqs, ...oldNode, 1, 2, 3, 4, 5];
    assert.equal(new Set(all).size, all.length);
    const { rows } = await admin.query<{ n: string }>("SELECT count(*)::text AS n FROM events");
    assert.equal(Number(rows[0]!.n), all.length);
  });
});
