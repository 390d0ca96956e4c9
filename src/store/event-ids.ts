/**
 * Event IDs: UUIDs of version 7 (RFC 9562): the first 48 bits are the creation time in epoch
 * milliseconds, the rest random (74 bits). Being time-ordered, new IDs land at one end of the
 * unique index on event IDs instead of on random pages all over it, which keeps ingest fast as the
 * table grows (README, "Performance"). The time is the machine's, not the service clock's:
 * it orders index inserts and says nothing about the event.
 */
import { randomFillSync } from "node:crypto";

// Random bytes are drawn 4 KB at a time: one draw per ID costs more than the rest of the ID.
const pool = Buffer.alloc(16 * 256);
let used = pool.length;

export function newEventId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, (used += 16));
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  return uuidText(bytes);
}

/** The canonical text of a UUID's 16 bytes: lower-case hex, hyphenated 8-4-4-4-12. */
export function uuidText(bytes: Uint8Array): string {
  return hyphenatedUuid(Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString("hex"));
}

/** The canonical text of a UUID given as its 32 lower-case hex digits. */
export function hyphenatedUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Each lower-case hex digit's value by character code; -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

const hexValue = (code: number) => (code < 128 ? HEX_VALUE[code]! : -1);

/**
 * Writes the 16 bytes of an ID that is a canonical UUID (as liftlog mints them) into `out` and
 * returns true; false for any other ID. A character loop, not a regular expression and a hex
 * decode: ingest converts every event's ID, and this was a few percent of it.
 */
export function canonicalUuidInto(id: string, out: Uint8Array): boolean {
  if (id.length !== 36) return false;
  let byte = 0;
  for (let i = 0; i < 36; i += 2) {
    // The groups (8-4-4-4-12) are of even length: a byte's two digits never straddle a hyphen.
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== 45 /* - */) return false;
      i--;
      continue;
    }
    const high = hexValue(id.charCodeAt(i));
    const low = hexValue(id.charCodeAt(i + 1));
    if (high < 0 || low < 0) return false;
    out[byte++] = (high << 4) | low;
  }
  return true;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether an ID is a canonical UUID (lower-case, hyphenated), as liftlog mints them. */
export const isCanonicalUuid = (id: string): boolean => id.length === 36 && CANONICAL_UUID.test(id);

/** The 16 bytes of an ID that is a canonical UUID; undefined for any other ID. */
export function canonicalUuidBytes(id: string): Buffer | undefined {
  const bytes = Buffer.allocUnsafe(16);
  return canonicalUuidInto(id, bytes) ? bytes : undefined;
}
