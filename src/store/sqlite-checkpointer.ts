/**
 * WAL checkpoints off the writer's thread. SQLite's automatic checkpoint runs inside the commit
 * that crosses its threshold: the writer copies the WAL's pages into the database file and syncs
 * it while the event loop waits. Here a worker thread with a connection of its own runs a PASSIVE
 * checkpoint (which never blocks readers or the writer) at most every CHECKPOINT_EVERY_MS after
 * commits, and the writer's own automatic checkpoint stays as a backstop at a higher threshold.
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/**
 * The writer's automatic checkpoint, in WAL bytes (SQLite's default is 1,000 pages): only if the
 * worker falls behind. SQLite counts it in pages, of the file's own size (see backstopPages).
 */
const BACKSTOP_BYTES = 64 * 1024 * 1024;

export const backstopPages = (pageSize: number) => Math.ceil(BACKSTOP_BYTES / pageSize);
/** As often as the default threshold comes at 100,000 events a second. */
const CHECKPOINT_EVERY_MS = 200;

interface CheckpointerData {
  liftlogCheckpointer: string;
}

export class Checkpointer {
  private worker: Worker | undefined;
  private failed = false;

  /** `path` is the database file (in WAL mode). */
  constructor(private readonly path: string) {}

  /** A write committed: checkpoint soon. */
  nudge(): void {
    if (this.failed) return;
    this.worker ??= this.start();
    this.worker.postMessage("checkpoint");
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    // Kept alive until it has closed its connection (the caller awaits that).
    worker.ref();
    worker.postMessage("close");
    await exited;
  }

  private start(): Worker {
    const data: CheckpointerData = { liftlogCheckpointer: this.path };
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    // A checkpoint cut short by the process's exit is harmless: the WAL still holds every page.
    worker.unref();
    worker.on("error", () => {
      // The writer's backstop checkpoints instead.
      this.failed = true;
      this.worker = undefined;
    });
    return worker;
  }
}

function serve(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  db.pragma("synchronous = FULL");
  const port = parentPort!;
  let timer: NodeJS.Timeout | undefined;
  port.on("message", (message: string) => {
    if (message === "close") {
      clearTimeout(timer);
      db.close();
      port.close();
      return;
    }
    timer ??= setTimeout(() => {
      timer = undefined;
      db.pragma("wal_checkpoint(PASSIVE)");
    }, CHECKPOINT_EVERY_MS);
  });
}

if (!isMainThread && typeof (workerData as Partial<CheckpointerData> | null)?.liftlogCheckpointer === "string") {
  serve((workerData as CheckpointerData).liftlogCheckpointer);
}
