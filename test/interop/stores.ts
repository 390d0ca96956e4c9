/**
 * The stores an interop suite runs against: the embedded SQLite default, and PostgreSQL where the
 * machine has one (a throwaway database per suite; skipped with the reason otherwise).
 */
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";

export interface StoreUnderTest {
  name: string;
  /** Why this store cannot be tested here; undefined when it can. */
  skip?: string;
  /** Server arguments selecting the store, and how to throw it away after. */
  open(): Promise<{ args: string[]; drop: () => Promise<void> }>;
}

const pgSkip = await pgUnavailable();
if (pgSkip) console.log(`# skipping the PostgreSQL runs: ${pgSkip}`);

export const STORES: StoreUnderTest[] = [
  { name: "SQLite", open: async () => ({ args: [], drop: async () => undefined }) },
  {
    name: "PostgreSQL",
    skip: pgSkip,
    open: async () => {
      const db = await createTestDatabase();
      return { args: ["--db", db.url], drop: db.drop };
    },
  },
];
