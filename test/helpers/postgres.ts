/**
 * A throwaway database on the machine's real PostgreSQL for tests that start servers on it.
 * LIFTLOG_TEST_PG names the server (default postgresql://postgres@127.0.0.1:5432/postgres);
 * where none is reachable, `pgUnavailable()` says why and the tests skip.
 */
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";
import { postgresMigrations } from "../../src/store/migrations/postgres.js";

export const PG_ADMIN_URL = process.env.LIFTLOG_TEST_PG ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export async function pgUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (err) {
    return `PostgreSQL not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); set LIFTLOG_TEST_PG to run these tests`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on its own connection to `url`. */
export async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database through `adminUrl` (which needs CREATEDB); returns its URL and a
 * function that drops it.
 */
export async function createTestDatabase(
  adminUrl = PG_ADMIN_URL,
  prefix = "liftlog_test_",
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}${randomBytes(6).toString("hex")}`;
  await runSql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => runSql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * For a migration suite: a schema of its own on PG_ADMIN_URL and a client connected to it,
 * dropped after the suite (closing `closeFirst()`'s store first, if the suite opened one).
 * `atVersion(v)` applies versions 1 to v as a liftlog of version v would have.
 */
export function migrationSchema(closeFirst: () => { close(): Promise<void> } | undefined) {
  const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, options: `-c search_path=${schema}` });
  after(async () => {
    await closeFirst()?.close();
    await admin.end().catch(() => undefined);
    await runSql(PG_ADMIN_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  const atVersion = async (version: number) => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query("CREATE TABLE liftlog_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    for (let v = 0; v < version; v++) {
      await admin.query(postgresMigrations[v]!);
      await admin.query("INSERT INTO liftlog_migrations (version) VALUES ($1)", [v + 1]);
    }
  };
  return { schema, admin, atVersion };
}
