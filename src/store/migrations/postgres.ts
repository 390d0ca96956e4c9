/**
 * PostgreSQL schema, one entry per version. Applied under a transaction-scoped advisory lock, so
 * several nodes starting at once apply each version exactly once. Append; never edit a shipped one.
 */
/**
 * Sequence numbers an append takes per draw from events_seq_seq (since version 8, which makes the
 * sequence step by this much): an append of n events draws ceil(n / SEQ_BLOCK) numbers and numbers
 * its events from each in turn, instead of drawing n. Any draw, of any node, gets a block of its own.
 */
export const SEQ_BLOCK = 1000;

/** What a rewrite of `events` (versions 6 and 7) builds on the new table once it is filled. */
const EVENTS_INDEXES_AND_REFERENCES = `CREATE INDEX events_keyset ON events (fleet_pk, event_time_ms, seq);
   CREATE INDEX events_by_time ON events (event_time_ms);
   CREATE INDEX events_append_order ON events (txid, seq);
   ALTER TABLE event_logs ADD CONSTRAINT event_logs_seq_fkey FOREIGN KEY (seq) REFERENCES events (seq) ON DELETE CASCADE;
   ALTER TABLE deliveries ADD CONSTRAINT deliveries_seq_fkey FOREIGN KEY (seq) REFERENCES events (seq) ON DELETE CASCADE;
   ANALYZE events;`;

export const postgresMigrations: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
   CREATE TABLE fleets (
     pk BIGSERIAL PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     fleet_id TEXT NOT NULL,
     fleet_arn TEXT NOT NULL,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     creation_time_ms BIGINT NOT NULL,
     termination_time_ms BIGINT,
     deleted BOOLEAN NOT NULL DEFAULT FALSE,
     attributes JSONB NOT NULL,
     UNIQUE (account_id, region, fleet_id)
   );
   CREATE TABLE events (
     seq BIGSERIAL PRIMARY KEY,
     fleet_pk BIGINT NOT NULL REFERENCES fleets (pk),
     event_id TEXT NOT NULL UNIQUE,
     resource_id TEXT NOT NULL,
     event_code TEXT NOT NULL,
     message TEXT NOT NULL,
     event_time_ms BIGINT NOT NULL,
     count INTEGER NOT NULL DEFAULT 1,
     has_log BOOLEAN NOT NULL DEFAULT FALSE
   );
   CREATE INDEX events_keyset ON events (fleet_pk, event_time_ms DESC, seq DESC);
   CREATE INDEX events_by_time ON events (event_time_ms);
   CREATE TABLE event_logs (seq BIGINT PRIMARY KEY REFERENCES events (seq) ON DELETE CASCADE, log TEXT NOT NULL);`,
  // 2: the fleet lifecycle (see the SQLite migration of the same number).
  `ALTER TABLE fleets ADD COLUMN state JSONB;
   ALTER TABLE fleets ADD COLUMN next_due_ms BIGINT;
   ALTER TABLE fleets ADD COLUMN claim_owner TEXT;
   ALTER TABLE fleets ADD COLUMN claim_until_ms BIGINT;
   CREATE INDEX fleets_next_due ON fleets (next_due_ms) WHERE next_due_ms IS NOT NULL;
   CREATE TABLE resources (
     pk BIGSERIAL PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     type TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     body JSONB NOT NULL,
     UNIQUE (account_id, region, type, resource_id)
   );
   CREATE TABLE service_clock (id INTEGER PRIMARY KEY CHECK (id = 1), now_ms BIGINT NOT NULL);`,
  // 3: the live feed's append order. Each event records the transaction that appended it, so a
  // reader can stop short of transactions still running (see AppendPosition). Existing rows keep
  // NULL (only the history replay reads them), so adding the column rewrites nothing.
  `ALTER TABLE events ADD COLUMN txid xid8;
   ALTER TABLE events ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
   CREATE INDEX events_append_order ON events (txid, seq);`,
  // 4: webhook subscriptions and their durable outbox (see SQLite's migration 3, which holds the same).
  `CREATE TABLE subscriptions (
     pk BIGSERIAL PRIMARY KEY,
     subscription_id TEXT NOT NULL UNIQUE,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     url TEXT NOT NULL,
     filter JSONB NOT NULL,
     secret TEXT,
     created_ms BIGINT NOT NULL
   );
   CREATE INDEX subscriptions_scope ON subscriptions (account_id, region);
   CREATE TABLE deliveries (
     pk BIGSERIAL PRIMARY KEY,
     subscription_pk BIGINT NOT NULL REFERENCES subscriptions (pk) ON DELETE CASCADE,
     fleet_pk BIGINT NOT NULL,
     seq BIGINT NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
     attempts INTEGER NOT NULL DEFAULT 0,
     parked BOOLEAN NOT NULL DEFAULT FALSE,
     next_attempt_ms BIGINT NOT NULL DEFAULT 0,
     last_error TEXT,
     claim_owner TEXT,
     claim_until_ms BIGINT
   );
   CREATE INDEX deliveries_lane ON deliveries (subscription_pk, fleet_pk, seq) WHERE NOT parked;
   CREATE INDEX deliveries_due ON deliveries (next_attempt_ms, pk) WHERE NOT parked;
   CREATE INDEX deliveries_parked ON deliveries (subscription_pk, pk) WHERE parked;
   CREATE INDEX deliveries_event ON deliveries (seq);`,
  // 5: a version per fleet row, checked on update (see FleetRecord.version).
  `ALTER TABLE fleets ADD COLUMN version BIGINT NOT NULL DEFAULT 0;`,
  // 6: smaller event rows (docs/postgresql.md, "Storage"). Fixed-width columns first, widest first,
  // so that no padding falls between them; event IDs as bytea (postgres-event-ids.ts: a UUID in
  // 16 bytes instead of 36 characters, in the row and in its unique index); the keyset index in
  // ascending order, read backward for newest-first pages: new events then land at the end of their
  // fleet's range, where B-tree splits leave pages full, instead of at its start, where they leave
  // them half empty. The table is rewritten in seq order with every value (sequence numbers, feed
  // positions, the sequence itself) kept.
  `CREATE TABLE events_v6 (
     seq BIGINT NOT NULL DEFAULT nextval('events_seq_seq'),
     fleet_pk BIGINT NOT NULL,
     event_time_ms BIGINT NOT NULL,
     txid xid8 DEFAULT pg_current_xact_id(),
     count INTEGER NOT NULL DEFAULT 1,
     has_log BOOLEAN NOT NULL DEFAULT FALSE,
     event_id BYTEA NOT NULL,
     event_code TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     message TEXT NOT NULL
   );
   INSERT INTO events_v6 (seq, fleet_pk, event_time_ms, txid, count, has_log, event_id, event_code, resource_id, message)
     SELECT seq, fleet_pk, event_time_ms, txid, count, has_log,
            CASE WHEN event_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN decode(replace(event_id, '-', ''), 'hex')
                 WHEN octet_length(convert_to(event_id, 'UTF8')) = 16 THEN convert_to(event_id, 'UTF8') || '\\x00'::bytea
                 ELSE convert_to(event_id, 'UTF8') END,
            event_code, resource_id, message
     FROM events ORDER BY seq;
   ALTER SEQUENCE events_seq_seq OWNED BY events_v6.seq;
   DROP TABLE events CASCADE;
   ALTER TABLE events_v6 RENAME TO events;
   ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (seq),
     ADD CONSTRAINT events_fleet_pk_fkey FOREIGN KEY (fleet_pk) REFERENCES fleets (pk),
     ADD CONSTRAINT events_event_id_key UNIQUE (event_id);
   ${EVENTS_INDEXES_AND_REFERENCES}`,
  // 7: cheaper appends and smaller rows (docs/postgresql.md, "Storage"). Event codes as numbers from
  // event_codes (postgres-event-codes.ts); a resource that is the event's own fleet (most events) as
  // NULL instead of the fleet's ID again; no foreign key from events to fleets, whose per-row check
  // was about a third of an append's CPU in PostgreSQL: every append takes the fleet's key from the
  // fleet row it holds locked, and fleet rows are never deleted (deletion is a flag). The table is
  // rewritten in seq order with every value kept, as in version 6.
  `CREATE TABLE event_codes (code SMALLINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   INSERT INTO event_codes (code, name)
     SELECT row_number() OVER (ORDER BY event_code), event_code FROM (SELECT DISTINCT event_code FROM events) AS used;
   CREATE TABLE events_v7 (
     seq BIGINT NOT NULL DEFAULT nextval('events_seq_seq'),
     fleet_pk BIGINT NOT NULL,
     event_time_ms BIGINT NOT NULL,
     txid xid8 DEFAULT pg_current_xact_id(),
     count INTEGER NOT NULL DEFAULT 1,
     event_code SMALLINT NOT NULL,
     has_log BOOLEAN NOT NULL DEFAULT FALSE,
     event_id BYTEA NOT NULL,
     resource_id TEXT,
     message TEXT NOT NULL
   );
   INSERT INTO events_v7 (seq, fleet_pk, event_time_ms, txid, count, event_code, has_log, event_id, resource_id, message)
     SELECT e.seq, e.fleet_pk, e.event_time_ms, e.txid, e.count, c.code, e.has_log, e.event_id, NULLIF(e.resource_id, f.fleet_id), e.message
     FROM events e JOIN event_codes c ON c.name = e.event_code JOIN fleets f ON f.pk = e.fleet_pk
     ORDER BY e.seq;
   ALTER SEQUENCE events_seq_seq OWNED BY events_v7.seq;
   DROP TABLE events CASCADE;
   ALTER TABLE events_v7 RENAME TO events;
   ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (seq), ADD CONSTRAINT events_event_id_key UNIQUE (event_id);
   ${EVENTS_INDEXES_AND_REFERENCES}`,
  // 8: sequence numbers drawn in blocks (SEQ_BLOCK above): drawing one number per event was about
  // 0.8 µs of PostgreSQL's time per event before the COPY could start. Numbers already given stay;
  // the next draw lands one block after the last.
  `ALTER SEQUENCE events_seq_seq INCREMENT BY ${SEQ_BLOCK};`,
];
