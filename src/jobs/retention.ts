/**
 * Retention: events older than the retention period are deleted in bounded batches, each its own
 * short transaction, yielding between batches so that readers and writers are never held up.
 * Any node may run it; on PostgreSQL concurrent runs skip each other's rows.
 */
import type { Clock } from "../fleets/clock.js";
import type { Store } from "../store/types.js";

export const RETENTION_BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: Store,
    private readonly clock: Pick<Clock, "now">,
    private readonly retentionDays: number,
  ) {}

  /** Deletes every event older than the retention period; returns how many. */
  async runOnce(): Promise<number> {
    const cutoff = this.clock.now() - this.retentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const deleted = await this.store.deleteEventsBefore(cutoff, RETENTION_BATCH);
      total += deleted;
      if (deleted < RETENTION_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  start(intervalMs = 60 * 60 * 1000): void {
    const tick = () => {
      this.running ??= this.runOnce()
        .catch((err) => (console.error("liftlog: retention:", err), 0))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
