/**
 * liftlog's own metrics, in Prometheus' text format (GET /_liftlog/metrics), through prom-client.
 * One registry per server, so servers in one process (tests) never share counters. Gauges that
 * describe shared state (the delivery backlog, due lifecycle steps) read the store when scraped, so
 * every node reports the same numbers for them; counters count what this node did.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Clock } from "../fleets/clock.js";
import type { Store, StoredEvent } from "../store/types.js";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  readonly requests = new Counter({
    name: "liftlog_requests_total",
    help: "Requests answered, by operation, protocol and HTTP status.",
    labelNames: ["operation", "protocol", "status"] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: "liftlog_request_duration_seconds",
    help: "Time from a request's arrival to its response, by operation and protocol.",
    labelNames: ["operation", "protocol"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "liftlog_errors_total",
    help: "Error responses by operation, protocol and error type (the AWS error code).",
    labelNames: ["operation", "protocol", "type"] as const,
    registers: [this.registry],
  });
  readonly eventsStored = new Counter({
    name: "liftlog_events_stored_total",
    help: "Events this node stored (or whose Count a repeat raised), by event code.",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: "liftlog_deliveries_total",
    help: "Webhook delivery attempts by this node, by result: delivered, failed (will retry) or parked.",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: "liftlog_delivery_duration_seconds",
    help: "Time of one webhook delivery attempt, success or not.",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly storeSeconds = new Histogram({
    name: "liftlog_store_query_duration_seconds",
    help: "Time of store calls, by store method.",
    labelNames: ["method"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** `feedReaders` counts this node's open event streams. */
  constructor(store: Store, clock: Pick<Clock, "now">, feedReaders: () => number) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "liftlog_feed_readers",
      help: "Live event-stream readers connected to this node.",
      registers: [this.registry],
      collect() {
        this.set(feedReaders());
      },
    });
    new Gauge({
      name: "liftlog_deliveries_pending",
      help: "Webhook deliveries waiting to be made (all nodes).",
      registers: [this.registry],
      async collect() {
        this.set((await store.deliveryBacklog()).pending);
      },
    });
    new Gauge({
      name: "liftlog_deliveries_parked",
      help: "Webhook deliveries parked after too many failures, waiting to be re-driven (all nodes).",
      registers: [this.registry],
      async collect() {
        this.set((await store.deliveryBacklog()).parked);
      },
    });
    new Gauge({
      name: "liftlog_lifecycle_steps_due",
      help: "Simulated fleets whose next lifecycle step is due on the service clock and not yet run (all nodes).",
      registers: [this.registry],
      async collect() {
        this.set(await store.countDueFleets(clock.now()));
      },
    });
  }

  countStored(events: StoredEvent[]): void {
    // One increment per code, not per event: a batch of thousands holds a handful of codes.
    const byCode = new Map<string, number>();
    for (const e of events) byCode.set(e.eventCode, (byCode.get(e.eventCode) ?? 0) + 1);
    for (const [code, n] of byCode) this.eventsStored.inc({ code }, n);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

const STORED_BY = new Set(["appendEvents", "createFleet"]);

/**
 * The store, timed: every method call lands in liftlog_store_query_duration_seconds, and the events
 * that appends store are counted by code.
 */
export function timedStore(store: Store, metrics: Metrics): Store {
  // One timed wrapper per method, made at its first call, rather than a closure and a timer per call.
  const timed = new Map<string, { method: unknown; wrapper: (...args: unknown[]) => Promise<unknown> }>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      // Own properties are hooks set on the store later (the append hub's), which call the timed method.
      if (typeof value !== "function" || typeof property !== "string" || property === "close" || Object.hasOwn(target, property))
        return value;
      const known = timed.get(property);
      if (known !== undefined && known.method === value) return known.wrapper;
      const labels = { method: property };
      const counts = STORED_BY.has(property);
      const wrapper = async (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        try {
          const result: unknown = await value.apply(target, args);
          if (counts) metrics.countStored(result as StoredEvent[]);
          return result;
        } finally {
          metrics.storeSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        }
      };
      timed.set(property, { method: value, wrapper });
      return wrapper;
    },
  });
}
