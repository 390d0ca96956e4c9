/**
 * Where a benchmark runs: a Store the benchmark loads and reads in-process, and how to start
 * `liftlog serve` on the same data. Each target is throwaway: dispose() removes what it made.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type LiftlogConfig } from "../src/config.js";
import { openStore } from "../src/server.js";
import type { Store } from "../src/store/types.js";
import { createTestDatabase, runSql } from "../test/helpers/postgres.js";

export interface BenchTarget {
  /** The engine, e.g. "SQLite", for the comparison table. */
  engine: string;
  /** What the figures are about, e.g. "SQLite (WAL, synchronous=FULL)". */
  label: string;
  /** How to open the store (again, e.g. in a worker thread). */
  config: LiftlogConfig;
  store: Store;
  /** PostgreSQL's clean-up after mass deletes (VACUUM of the events tables), which retention leaves to autovacuum. */
  vacuum?(): Promise<void>;
  /** How to start `liftlog serve` on the same data (test/helpers/server.ts startServer options). */
  server: { dataDir?: string; args?: string[] };
  dispose(): Promise<void>;
}

/** SQLite in a fresh temp data dir. */
export async function sqliteTarget(): Promise<BenchTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-bench-"));
  const config = { ...defaultConfig({}), dataDir };
  const store = await openStore(config);
  return {
    engine: "SQLite",
    label: "SQLite (WAL, synchronous=FULL)",
    config,
    store,
    server: { dataDir },
    dispose: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database created through `url` (which needs CREATEDB), dropped at the end. */
export async function postgresTarget(url: string): Promise<BenchTarget> {
  const db = await createTestDatabase(url, "liftlog_bench_");
  const dbUrl = new URL(db.url);
  const config = { ...defaultConfig({}), db: db.url };
  const store = await openStore(config);
  return {
    engine: "PostgreSQL",
    label: `PostgreSQL (${dbUrl.pathname.slice(1)} on ${dbUrl.host})`,
    config,
    store,
    vacuum: () => runSql(db.url, "VACUUM events, event_logs"),
    server: { args: ["--db", db.url] },
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
}
