/**
 * The store contract on the real PostgreSQL of this machine (LIFTLOG_TEST_PG, default
 * postgresql://postgres@127.0.0.1:5432/postgres), each run in a schema of its own, dropped after.
 * Without a reachable server the suite says so and skips.
 */
import { randomBytes } from "node:crypto";
import { PostgresStore } from "../../src/store/postgres.js";
import { PG_ADMIN_URL as PG_URL, pgUnavailable, runSql } from "../helpers/postgres.js";
import { storeContract } from "./store-contract.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP postgres contract: ${skip}`);
const schema = `liftlog_test_${randomBytes(6).toString("hex")}`;

storeContract(
  "postgres",
  {
    open: () => PostgresStore.open({ connectionString: PG_URL, schema, poolSize: 4 }),
    reopen: async (store) => {
      await store.close();
      return PostgresStore.open({ connectionString: PG_URL, schema, poolSize: 4 });
    },
    openSibling: () => PostgresStore.open({ connectionString: PG_URL, schema, poolSize: 2 }),
    cleanup: () => runSql(PG_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  },
  skip,
);
