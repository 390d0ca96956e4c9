/**
 * Event IDs: UUIDs of version 7 (RFC 9562): the first 48 bits are the creation time in epoch
 * milliseconds, then a 12-bit counter within the millisecond (RFC 9562, section 6.2, method 1),
 * then 62 random bits. Being time-ordered, new IDs land at one end of the unique index on event IDs
 * instead of on random pages all over it, which keeps ingest fast as the table grows (README,
 * "Performance"); with the counter, the first 8 bytes of IDs this process makes are distinct, which
 * lets SQLite index only those (docs/performance.md, "Bytes per event"). The time is the machine's,
 * not the service clock's: it orders index inserts and says nothing about the event.
 */
import { randomFillSync } from "node:crypto";

// Random bytes are drawn 4 KB at a time: one draw per ID costs more than the rest of the ID.
const pool = Buffer.alloc(16 * 256);
let used = pool.length;

/** The millisecond of the last ID made, and its counter. */
let lastMs = 0;
let counter = 0;

export function newEventId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, (used += 16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // A random start in the lower half leaves at least 2,048 IDs to the millisecond and makes
    // another process's IDs of the same millisecond unlikely to share a prefix.
    counter = ((bytes[6]! << 8) | bytes[7]!) & 0x7ff;
  } else if (++counter > 0xfff) {
    // Spent (only past two million IDs a second): on to the next millisecond, waited for unless
    // the clock went back (then the IDs count on from the last one, keeping their order).
    if (now === lastMs) while (Date.now() === lastMs);
    lastMs++;
    counter = 0;
  }
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
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

const scratch = new Uint8Array(16);

/** Whether an ID is a canonical UUID (lower-case, hyphenated), as liftlog mints them. */
export const isCanonicalUuid = (id: string): boolean => canonicalUuidInto(id, scratch);

/** The 16 bytes of an ID that is a canonical UUID; undefined for any other ID. */
export function canonicalUuidBytes(id: string): Buffer | undefined {
  const bytes = Buffer.allocUnsafe(16);
  return canonicalUuidInto(id, bytes) ? bytes : undefined;
}
