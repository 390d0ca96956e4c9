/** Recognising a unique-constraint violation from either store engine (an ID that is already taken). */

/** True for SQLite's (better-sqlite3) and PostgreSQL's unique violation errors. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

/** A fleet write from a stale read: another writer changed the fleet since. Re-read and redo the change. */
export class StaleFleet extends Error {
  constructor(readonly fleetId: string) {
    super(`fleet ${fleetId} changed since it was read`);
  }
}
