/** Event IDs are version-7 UUIDs: valid UUID strings, distinct, ordered by the millisecond they were made in. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalUuidBytes, newEventId, uuidText } from "../../src/store/event-ids.js";

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

it("converts exactly the canonical UUIDs to their 16 bytes, and no other ID", () => {
  const canonical = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const minted = Array.from({ length: 200 }, () => newEventId());
  const others = [
    "",
    "not-a-uuid",
    minted[0]!.toUpperCase(),
    `{${minted[0]}}`,
    minted[0]!.replace(/-/g, ""),
    minted[0]!.slice(0, 8) + "x" + minted[0]!.slice(9),
    minted[0]!.slice(0, 7) + "-" + minted[0]!.slice(8),
    minted[0]!.slice(0, 35) + "g",
    minted[0]!.slice(0, 35) + "\u00e9",
    minted[0]!.slice(0, 35) + "\u0130",
    "0".repeat(36),
    "-".repeat(36),
  ];
  for (const id of [...minted, ...others]) {
    const expected = canonical.test(id) ? Buffer.from(id.replace(/-/g, ""), "hex") : undefined;
    assert.deepEqual(canonicalUuidBytes(id), expected, id);
  }
  for (const id of minted) assert.equal(uuidText(canonicalUuidBytes(id)!), id);
});

it("gives the IDs of one process distinct first 8 bytes (millisecond and counter), in the order they were made", () => {
  const ids = Array.from({ length: 20_000 }, () => newEventId());
  const prefixes = ids.map((id) => id.slice(0, 19));
  assert.equal(new Set(prefixes).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} should sort before ${ids[i]}`);
});
