/**
 * The delivery worker: takes due deliveries from the store's outbox and POSTs them.
 *
 * Correctness lives in the store: a delivery row is written with its event, claimed under a lease
 * (one node at a time, lane heads only, so a fleet's events go out in order), and deleted only after
 * the receiver answered 2xx. A crash before that leaves the row; its lease runs out and some node
 * sends it again: at least once, with the same idempotency key. The worker polls; `wake()` makes it
 * look now (after an append, say) instead of at the next poll.
 *
 * A failed attempt waits 1 s, 2 s, 4 s, ... up to the backoff cap before the next; after
 * `maxAttempts` failures the delivery is parked until re-driven through the admin API.
 */
import http from "node:http";
import https from "node:https";
import { randomUUID } from "node:crypto";
import type { Clock } from "../fleets/clock.js";
import type { LogUrls } from "../operations/log-urls.js";
import type { Metrics } from "../observability/metrics.js";
import type { Logger } from "../observability/logger.js";
import type { Delivery, Store } from "../store/types.js";
import { deliveryHeaders, envelope } from "./envelope.js";

export interface DeliveryOptions {
  /** Failed attempts after which a delivery is parked. */
  maxAttempts: number;
  /** The longest wait between two attempts. */
  backoffCapMs: number;
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
  /** How often the outbox is polled when nothing wakes the worker. */
  pollMs: number;
  /** Deliveries (of different lanes) sent at once by this node. */
  concurrency: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 15,
  backoffCapMs: 300_000,
  timeoutMs: 10_000,
  pollMs: 250,
  concurrency: 16,
};

const FIRST_BACKOFF_MS = 1000;
/** Deliveries of one lane claimed at once, sent one after the other (a backlog drains without a claim per delivery). */
const LANE_BATCH = 50;
/** A receiver's response body is read up to this much (and dropped) so the connection can be reused. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export const backoffMs = (failures: number, capMs: number) => Math.min(capMs, FIRST_BACKOFF_MS * 2 ** Math.min(failures - 1, 30));

/** Claimed deliveries (in lane order) grouped by lane: subscription and fleet. */
function lanes(claimed: Delivery[]): Delivery[][] {
  const byLane = new Map<string, Delivery[]>();
  for (const d of claimed) {
    const key = `${d.subscription.subscriptionId}/${d.event.fleetId}`;
    const lane = byLane.get(key);
    if (lane) lane.push(d);
    else byLane.set(key, [d]);
  }
  return [...byLane.values()];
}

/** Whether the receiver took it, and if not why, in words for LastError. */
type Outcome = { ok: true } | { ok: false; error: string };

export class DeliveryWorker {
  private readonly owner = `deliver-${randomUUID()}`;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private again = false;
  private stopped = true;
  private baseUrl = "";

  constructor(
    private readonly store: Store,
    private readonly logUrls: LogUrls,
    private readonly clock: Pick<Clock, "now">,
    private readonly options: DeliveryOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** `baseUrl` is where this server is reached, for the log URLs in deliveries. */
  start(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.stopped = false;
    this.wake();
  }

  /** Waits for attempts in flight; what is left stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Looks at the outbox now (or right after the round in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) return this.wake();
      this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      this.timer.unref();
    });
  }

  /** Claims and sends rounds of deliveries until none is due. */
  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      const claimedAt = Date.now();
      const leaseMs = this.options.timeoutMs * 2 + 5000;
      let claimed: Delivery[];
      try {
        claimed = await this.store.claimDeliveries(claimedAt, {
          owner: this.owner,
          leaseMs,
          limit: this.options.concurrency,
          perLane: LANE_BATCH,
        });
      } catch (err) {
        this.log.error({ err }, "webhook deliveries: cannot read the outbox; retrying at the next poll");
        return;
      }
      await Promise.all(lanes(claimed).map((lane) => this.sendLane(lane, claimedAt + leaseMs)));
      if (this.stopped || (claimed.length === 0 && !this.again)) return;
    }
  }

  /**
   * Sends a lane's claimed deliveries one after the other; stops at a failure (the rest waits with
   * it), when stopping, or when the claim might run out before another attempt could finish.
   */
  private async sendLane(lane: Delivery[], claimedUntil: number): Promise<void> {
    for (const [i, delivery] of lane.entries()) {
      if (this.stopped || Date.now() + this.options.timeoutMs >= claimedUntil) {
        await this.store
          .releaseDeliveries(
            lane.slice(i).map((d) => d.deliveryId),
            this.owner,
          )
          .catch((err) => this.log.error({ err }, "webhook deliveries: cannot release claims; they lapse with their lease"));
        return;
      }
      if (!(await this.attempt(delivery))) return;
    }
  }

  /** One attempt; true when the delivery went through. */
  private async attempt(delivery: Delivery): Promise<boolean> {
    const end = this.metrics.deliverySeconds.startTimer();
    const outcome = await this.post(delivery);
    end();
    const context = {
      subscriptionId: delivery.subscription.subscriptionId,
      eventId: delivery.event.eventId,
      deliveryId: delivery.deliveryId,
    };
    try {
      if (outcome.ok) {
        await this.store.completeDelivery(delivery.deliveryId, this.owner);
        this.metrics.deliveries.inc({ result: "delivered" });
        this.log.debug(context, "webhook delivered");
        return true;
      }
      const failures = delivery.attempts + 1;
      const park = failures >= this.options.maxAttempts;
      const nextAttemptMs = Date.now() + backoffMs(failures, this.options.backoffCapMs);
      await this.store.failDelivery(delivery.deliveryId, this.owner, { error: outcome.error, nextAttemptMs, park });
      this.metrics.deliveries.inc({ result: park ? "parked" : "failed" });
      if (park) this.log.error({ ...context, attempts: failures, error: outcome.error }, "webhook delivery parked after too many failures");
      else this.log.warn({ ...context, attempts: failures, error: outcome.error, nextAttemptMs }, "webhook delivery failed; will retry");
    } catch (err) {
      // The claim's lease runs out and the delivery is attempted again: nothing is lost.
      this.log.error({ ...context, err }, "webhook deliveries: cannot record an attempt");
    }
    return false;
  }

  private post(delivery: Delivery): Promise<Outcome> {
    const body = JSON.stringify(
      envelope(delivery, (d) => this.logUrls.mint(this.baseUrl, d.subscription, d.event.eventId, this.clock.now())),
    );
    const url = new URL(delivery.subscription.url);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<Outcome>((resolve) => {
      const req = transport.request(
        url,
        {
          method: "POST",
          headers: deliveryHeaders(delivery, body),
          agent: url.protocol === "https:" ? this.agents.https : this.agents.http,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        },
        (res) => {
          let read = 0;
          res.on("data", (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on("close", () => {
            const status = res.statusCode ?? 0;
            // Only the status is kept: a receiver's body is never stored or shown.
            resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status} from the receiver` });
          });
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const error =
          err.name === "AbortError" || err.name === "TimeoutError"
            ? `no response within ${this.options.timeoutMs / 1000} s`
            : `${err.code ?? "request failed"}: ${err.message}`;
        resolve({ ok: false, error });
      });
      req.end(body);
    });
  }
}
