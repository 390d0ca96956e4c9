/**
 * Runs the retention job (src/jobs/retention.ts) on its own connection to the benchmark's data,
 * in a worker thread, as another node would: the reader being timed in the main thread is not held
 * up by a synchronous store's deletes. Posts "ready" once its store is open, then { deleted, seconds }.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LiftlogConfig } from "../src/config.js";
import { RetentionJob } from "../src/jobs/retention.js";
import { openStore } from "../src/server.js";

const DAY_MS = 86_400_000;
const { config, cutoffMs } = workerData as { config: LiftlogConfig; cutoffMs: number };
const store = await openStore(config);
try {
  // A clock one retention day past the cutoff: the job deletes every event older than cutoffMs.
  const job = new RetentionJob(store, { now: () => cutoffMs + DAY_MS }, 1);
  parentPort!.postMessage("ready");
  const started = process.hrtime.bigint();
  const deleted = await job.runOnce();
  parentPort!.postMessage({ deleted, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
} finally {
  await store.close();
}
