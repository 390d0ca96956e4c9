/** Recognising a unique-constraint violation from either store engine (an ID that is already taken). */

/** True for SQLite's (better-sqlite3) and PostgreSQL's unique violation errors. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}
