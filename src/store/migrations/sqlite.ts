/**
 * SQLite schema, one entry per version (PRAGMA user_version counts the entries applied).
 * Append new versions; never edit one that has shipped.
 */
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
  // 5: a version per fleet row, checked on update (see FleetRecord.version).
  `ALTER TABLE fleets ADD COLUMN version INTEGER NOT NULL DEFAULT 0;`,
];
