/**
 * SQLite schema, one entry per version (PRAGMA user_version counts the entries applied).
 * Append new versions; never edit one that has shipped. SqliteStore runs them with foreign key
 * enforcement off (SQLite's procedure for rebuilding a table) and checks the keys afterwards.
 */

/** A canonical (lowercase, hyphenated) UUID, the only event ID text stored as 16 bytes: see event-ids.ts. */
const UUID_GLOB = ["[0-9a-f]".repeat(8), "[0-9a-f]".repeat(4), "[0-9a-f]".repeat(4), "[0-9a-f]".repeat(4), "[0-9a-f]".repeat(12)].join("-");

/** The compact events table (version 5 on), under a new name to copy rows into; `idConstraint` on event_id. */
const compactEvents = (table: string, idConstraint: string) => `CREATE TABLE ${table} (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     fleet_pk INTEGER NOT NULL REFERENCES fleets (pk),
     event_time_ms INTEGER NOT NULL,
     event_id BLOB NOT NULL${idConstraint},
     code_pk INTEGER NOT NULL,
     message TEXT,
     message_pk INTEGER,
     resource_id TEXT,
     count INTEGER NOT NULL DEFAULT 1,
     has_log INTEGER NOT NULL DEFAULT 0
   );`;

/** Puts a rebuilt copy of the events table (`table`) in its place, with its keyset index. */
const replaceEvents = (table: string) => `-- The next sequence number stays past every one ever used, also those retention deleted.
   INSERT INTO sqlite_sequence (name, seq)
     SELECT '${table}', max(seq) FROM sqlite_sequence WHERE name IN ('events', '${table}') HAVING count(*) > 0;
   DELETE FROM sqlite_sequence WHERE name = '${table}' AND rowid < (SELECT max(rowid) FROM sqlite_sequence WHERE name = '${table}');
   DROP TABLE events;
   ALTER TABLE ${table} RENAME TO events;
   CREATE INDEX events_keyset ON events (fleet_pk, event_time_ms);`;

export const sqliteMigrations: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
   CREATE TABLE fleets (
     pk INTEGER PRIMARY KEY AUTOINCREMENT,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     fleet_id TEXT NOT NULL,
     fleet_arn TEXT NOT NULL,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     creation_time_ms INTEGER NOT NULL,
     termination_time_ms INTEGER,
     deleted INTEGER NOT NULL DEFAULT 0,
     attributes TEXT NOT NULL,
     UNIQUE (account_id, region, fleet_id)
   );
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     fleet_pk INTEGER NOT NULL REFERENCES fleets (pk),
     event_id TEXT NOT NULL UNIQUE,
     resource_id TEXT NOT NULL,
     event_code TEXT NOT NULL,
     message TEXT NOT NULL,
     event_time_ms INTEGER NOT NULL,
     count INTEGER NOT NULL DEFAULT 1,
     has_log INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX events_keyset ON events (fleet_pk, event_time_ms, seq);
   CREATE INDEX events_by_time ON events (event_time_ms);
   CREATE TABLE event_logs (seq INTEGER PRIMARY KEY REFERENCES events (seq) ON DELETE CASCADE, log TEXT NOT NULL);`,
  // 2: the fleet lifecycle — each fleet's bookkeeping and next due transition (claimed by one node
  // at a time), resources that are not fleets, and the service clock's high-water mark.
  `ALTER TABLE fleets ADD COLUMN state TEXT;
   ALTER TABLE fleets ADD COLUMN next_due_ms INTEGER;
   ALTER TABLE fleets ADD COLUMN claim_owner TEXT;
   ALTER TABLE fleets ADD COLUMN claim_until_ms INTEGER;
   CREATE INDEX fleets_next_due ON fleets (next_due_ms) WHERE next_due_ms IS NOT NULL;
   CREATE TABLE resources (
     pk INTEGER PRIMARY KEY AUTOINCREMENT,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     type TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     body TEXT NOT NULL,
     UNIQUE (account_id, region, type, resource_id)
   );
   CREATE TABLE service_clock (id INTEGER PRIMARY KEY CHECK (id = 1), now_ms INTEGER NOT NULL);`,
  // 3: webhook subscriptions and their durable outbox. A delivery row exists only for an event a
  // subscription matched, written in the event's own transaction; it is deleted once delivered.
  // Partial indexes on `parked` keep the due scan and the lane-head check to undelivered rows.
  `CREATE TABLE subscriptions (
     pk INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription_id TEXT NOT NULL UNIQUE,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     url TEXT NOT NULL,
     filter TEXT NOT NULL,
     secret TEXT,
     created_ms INTEGER NOT NULL
   );
   CREATE INDEX subscriptions_scope ON subscriptions (account_id, region);
   CREATE TABLE deliveries (
     pk INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription_pk INTEGER NOT NULL REFERENCES subscriptions (pk) ON DELETE CASCADE,
     fleet_pk INTEGER NOT NULL,
     seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
     attempts INTEGER NOT NULL DEFAULT 0,
     parked INTEGER NOT NULL DEFAULT 0,
     next_attempt_ms INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     claim_owner TEXT,
     claim_until_ms INTEGER
   );
   CREATE INDEX deliveries_lane ON deliveries (subscription_pk, fleet_pk, seq) WHERE parked = 0;
   CREATE INDEX deliveries_due ON deliveries (next_attempt_ms, pk) WHERE parked = 0;
   CREATE INDEX deliveries_parked ON deliveries (subscription_pk, pk) WHERE parked = 1;
   CREATE INDEX deliveries_event ON deliveries (seq);`,
  // 4: a version per fleet row, checked on update (see FleetRecord.version).
  `ALTER TABLE fleets ADD COLUMN version INTEGER NOT NULL DEFAULT 0;`,
  // 5: smaller events (docs/performance.md, "Bytes per event"). UUID event IDs as 16 bytes (other
  // IDs stay text); event codes, and messages that repeat, once in \`strings\`; a resource ID equal
  // to the fleet's ID as NULL; no index on EventTime alone (retention walks each fleet's keyset
  // index instead), and the keyset index without the sequence number, which every index entry of
  // a rowid table ends with anyway. Same sequence numbers, so logs, deliveries and feed positions
  // stay valid.
  `CREATE TABLE strings (pk INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
   INSERT INTO strings (text) SELECT DISTINCT event_code FROM events ORDER BY event_code;
   INSERT OR IGNORE INTO strings (text) SELECT message FROM events GROUP BY message HAVING count(*) > 1 ORDER BY min(seq);
   ${compactEvents("events_v5", " UNIQUE")}
   INSERT INTO events_v5 (seq, fleet_pk, event_time_ms, event_id, code_pk, message, message_pk, resource_id, count, has_log)
     SELECT e.seq, e.fleet_pk, e.event_time_ms,
            CASE WHEN e.event_id GLOB '${UUID_GLOB}' THEN unhex(replace(e.event_id, '-', '')) ELSE e.event_id END,
            c.pk, CASE WHEN m.pk IS NULL THEN e.message END, m.pk,
            CASE WHEN e.resource_id = f.fleet_id THEN NULL ELSE e.resource_id END, e.count, e.has_log
     FROM events e JOIN fleets f ON f.pk = e.fleet_pk JOIN strings c ON c.text = e.event_code
       LEFT JOIN strings m ON m.text = e.message
     ORDER BY e.seq;
   ${replaceEvents("events_v5")}`,
  // 6: the event ID index holds the first 8 bytes of a UUID ID (its millisecond and counter, see
  // event-ids.ts) instead of all 16, and any other ID whole; it is no longer unique: the store
  // refuses a reused ID itself, comparing whole IDs (docs/performance.md, "Bytes per event").
  // SQLite cannot drop a column's UNIQUE, so the table is copied as in version 5.
  `${compactEvents("events_v6", "")}
   INSERT INTO events_v6 (seq, fleet_pk, event_time_ms, event_id, code_pk, message, message_pk, resource_id, count, has_log)
     SELECT seq, fleet_pk, event_time_ms, event_id, code_pk, message, message_pk, resource_id, count, has_log FROM events ORDER BY seq;
   ${replaceEvents("events_v6")}
   CREATE INDEX events_event_id ON events (CASE WHEN typeof(event_id) = 'blob' THEN substr(event_id, 1, 8) ELSE event_id END);`,
];
