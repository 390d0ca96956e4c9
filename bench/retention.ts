/**
 * Retention under load: the retention job deletes every event older than a cutoff (in batches of
 * RETENTION_BATCH, each its own transaction) in a worker thread while a reader pages through the
 * server, one request at a time, over pages the job does not touch. Measures how fast the job
 * deletes and the reader's latency before and during it.
 */
import { Worker } from "node:worker_threads";
import type { LiftlogConfig } from "../src/config.js";
import { RawGameLiftClient } from "./http-client.js";
import { percentiles } from "./measure.js";

export interface RetentionFigures {
  deleted: number;
  seconds: number;
  perSecond: number;
  /** The reader alone, just before the job. */
  before: { requests: number; p50Ms: number; p99Ms: number };
  /** The reader while the job runs. */
  during: { requests: number; p50Ms: number; p99Ms: number };
  /** Seconds a VACUUM of the events tables took right after the job, where the store needs one. */
  vacuumSeconds?: number;
}

export async function measureRetention(
  config: LiftlogConfig,
  cutoffMs: number,
  raw: RawGameLiftClient,
  readerBodies: string[],
  requests: number,
  checkpoint: () => void,
): Promise<RetentionFigures> {
  const read = async (i: number) => {
    checkpoint();
    const t0 = process.hrtime.bigint();
    await raw.ok("DescribeFleetEvents", readerBodies[i % readerBodies.length]!);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const before: number[] = [];
  for (let i = 0; i < requests; i++) before.push(await read(i));

  const worker = new Worker(new URL("./retention-worker.js", import.meta.url), { workerData: { config, cutoffMs } });
  let result: { deleted: number; seconds: number } | undefined;
  let ready!: () => void;
  const opened = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<void>((resolve, reject) => {
    worker.on("message", (message: "ready" | { deleted: number; seconds: number }) => (message === "ready" ? ready() : (result = message)));
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 && result ? resolve() : reject(new Error(`the retention worker exited with code ${code}`))));
  });
  const during: number[] = [];
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  try {
    // The reader is timed from when the job starts deleting (not while the worker loads and opens its store).
    await Promise.race([opened, done]);
    let i = 0;
    do during.push(await read(i++));
    while (!finished);
    await done;
  } finally {
    await worker.terminate();
  }
  const { deleted, seconds } = result!;
  return {
    deleted,
    seconds,
    perSecond: deleted / seconds,
    before: { requests: before.length, ...percentiles(before) },
    during: { requests: during.length, ...percentiles(during) },
  };
}
