/** Event IDs are version-7 UUIDs: valid UUID strings, distinct, ordered by the millisecond they were made in. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { newEventId } from "../../src/store/event-ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it("makes distinct version-7 UUIDs that carry the time they were made", () => {
  const before = Date.now();
  const ids = Array.from({ length: 10_000 }, () => newEventId());
  const after = Date.now();
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of [ids[0]!, ids.at(-1)!]) {
    const ms = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
    assert.ok(ms >= before && ms <= after, `${id} carries ${ms}, outside ${before}..${after}`);
  }
});

it("sorts IDs made in later milliseconds after earlier ones, as text", async () => {
  const earlier = newEventId();
  await sleep(2);
  const later = newEventId();
  assert.ok(earlier < later, `${earlier} should sort before ${later}`);
});
