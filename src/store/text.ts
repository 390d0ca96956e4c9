/**
 * U+0000 (NUL) in stored text. PostgreSQL's text and jsonb cannot hold it and SQLite can, so both
 * stores refuse it alike, before writing anything: the same input never succeeds on one store and
 * fails on the other. Requests are refused earlier, naming their field; this is the stores' guard.
 */
import type { FleetRecord, NewEvent, ResourceRecord } from "./types.js";

export class UnstorableText extends Error {
  constructor(readonly field: string) {
    super(`${field} contains U+0000 (NUL), which liftlog does not store`);
  }
}

export const hasNul = (text: string) => text.includes("\u0000");

function check(field: string, value: unknown): void {
  if (typeof value === "string") {
    if (hasNul(value)) throw new UnstorableText(field);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => check(`${field}[${i}]`, item));
  } else if (typeof value === "object" && value !== null && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (hasNul(key)) throw new UnstorableText(`a key of ${field}`);
      check(`${field}.${key}`, item);
    }
  }
}

// An event's text fields, checked without building a field name per value (the names are only
// needed to word a refusal, so the walk below runs only when one of these holds U+0000).
const eventHasNul = (e: NewEvent) =>
  hasNul(e.eventId) ||
  hasNul(e.fleetId) ||
  hasNul(e.resourceId) ||
  hasNul(e.eventCode) ||
  hasNul(e.message) ||
  (e.log !== undefined && hasNul(e.log));

/** Throws UnstorableText naming the first field of a write that holds U+0000. */
export function checkStorable(write: { events?: readonly NewEvent[]; fleets?: readonly FleetRecord[]; resource?: ResourceRecord }): void {
  if (write.events?.some(eventHasNul)) check("events", write.events);
  check("fleets", write.fleets ?? []);
  if (write.resource) check("resource", write.resource);
}
