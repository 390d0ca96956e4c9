/** The store contract on real SQLite files. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite.js";
import { storeContract } from "./store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "liftlog-contract-"));
const file = join(dir, "liftlog.db");

storeContract("sqlite", {
  open: async () => new SqliteStore(file),
  reopen: async (store) => {
    await store.close();
    return new SqliteStore(file);
  },
  openSibling: async () => new SqliteStore(file),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
