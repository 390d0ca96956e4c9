/** Recognising a unique-constraint violation from either store engine (an ID that is already taken). */

/** True for SQLite's (better-sqlite3) and PostgreSQL's unique violation errors. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

/** A write from a stale read: another writer changed what it writes since. Re-read and redo the change. */
export class StaleWrite extends Error {
  /** What was written, for people: "Fleet fleet-…", "Build build-…". */
  constructor(readonly what: string) {
    super(`${what} changed since it was read`);
  }
}

export class StaleFleet extends StaleWrite {
  constructor(readonly fleetId: string) {
    super(`Fleet ${fleetId}`);
  }
}

/** What people call each stored resource type. */
const RESOURCE_NAMES: Record<string, string> = {
  build: "Build",
  alias: "Alias",
  script: "Script",
  location: "Custom location",
  containergroupdefinition: "Container group definition",
};

/** A resource (build, alias, script, location, container group definition) changed or deleted since it was read. */
export class StaleResource extends StaleWrite {
  constructor(type: string, id: string) {
    super(`${Object.hasOwn(RESOURCE_NAMES, type) ? RESOURCE_NAMES[type] : type} ${id}`);
  }
}
