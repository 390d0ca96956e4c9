/**
 * The stores an interop suite runs against: the embedded SQLite default, and PostgreSQL where the
 * machine has one (a throwaway database per suite; skipped with the reason otherwise).
 */
import { after, before } from "node:test";
import type { GameLiftClient } from "@aws-sdk/client-gamelift";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { gamelift, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { REGION } from "./fleet-log.js";

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

/** A server on a store with one registered fleet and a JS SDK client, as a suite's `before` leaves them. */
export interface ServedFleet {
  server: RunningServer;
  client: GameLiftClient;
  fleet: { FleetId: string; FleetArn: string };
}

/**
 * Registers the suite's before/after hooks: open `store`, start a server on it (with `args`), make a
 * client and register a fleet; then dispose of all three. The fields are set once `before` has run.
 */
export function servedFleet(store: StoreUnderTest, args: string[] = []): ServedFleet {
  const served = {} as ServedFleet;
  let db: Awaited<ReturnType<StoreUnderTest["open"]>> | undefined;
  before(async () => {
    db = await store.open();
    served.server = await startServer({ args: [...args, ...db.args] });
    served.client = gamelift(served.server.endpoint, REGION);
    served.fleet = await registerFleet(served.server.endpoint, REGION);
  });
  after(async () => {
    served.client?.destroy();
    await served.server?.dispose();
    await db?.drop();
  });
  return served;
}
