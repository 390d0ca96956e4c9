/**
 * GET /_liftlog/metrics on a real server, read with a Prometheus text-format parser: every metric
 * liftlog documents is there, and the counters move by exactly what the test did.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetEventsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import parsePrometheusTextFormat, { type Family } from "parse-prometheus-text-format";
import { gamelift, ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { rawCall } from "../interop/raw-api.js";
import { startReceiver, subscribe, type Receiver } from "../alerts/receiver.js";

const REGION = "us-west-2";

interface Scrape extends Map<string, Family> {
  text: string;
}

async function scrape(endpoint: string): Promise<Scrape> {
  const res = await fetch(`${endpoint}/_liftlog/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return Object.assign(new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])), { text });
}

/**
 * A labelled histogram's count. The parser merges the buckets of a histogram's label sets and drops
 * their counts, so this one series is read from the text (prom-client writes labels in a fixed order).
 */
function histogramCount(s: Scrape, name: string, labels: string): number {
  const line = s.text.split("\n").find((l) => l.startsWith(`${name}_count{${labels}} `));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

/** The value of the sample of `name` whose labels include `labels` (0 when there is none yet). */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = s.get(name);
  assert.ok(family, `no metric ${name}`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!sample) return 0;
  return Number(sample.value ?? sample.count);
}

describe("metrics", () => {
  let server: RunningServer;
  let client: GameLiftClient;
  let receiver: Receiver;
  before(async () => {
    server = await startServer({ args: ["--delivery-backoff-cap", "1"] });
    client = gamelift(server.endpoint, REGION);
    receiver = await startReceiver();
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
    await receiver?.close();
  });

  it("lists every documented metric with its type", async () => {
    const s = await scrape(server.endpoint);
    const expected: Record<string, Family["type"]> = {
      liftlog_requests_total: "COUNTER",
      liftlog_request_duration_seconds: "HISTOGRAM",
      liftlog_errors_total: "COUNTER",
      liftlog_events_stored_total: "COUNTER",
      liftlog_feed_readers: "GAUGE",
      liftlog_deliveries_total: "COUNTER",
      liftlog_delivery_duration_seconds: "HISTOGRAM",
      liftlog_deliveries_pending: "GAUGE",
      liftlog_deliveries_parked: "GAUGE",
      liftlog_store_query_duration_seconds: "HISTOGRAM",
      liftlog_lifecycle_steps_due: "GAUGE",
      process_cpu_user_seconds_total: "COUNTER",
      nodejs_eventloop_lag_seconds: "GAUGE",
    };
    assert.deepEqual(
      Object.keys(expected).map((name) => [name, s.get(name)?.type]),
      Object.entries(expected),
    );
    assert.deepEqual(
      ["liftlog_feed_readers", "liftlog_deliveries_pending", "liftlog_deliveries_parked", "liftlog_lifecycle_steps_due"].map((n) =>
        value(s, n),
      ),
      [0, 0, 0, 0],
    );
  });

  it("counts requests, errors, stored events, store calls, feed readers and deliveries as they happen", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    await subscribe(server.endpoint, { Url: receiver.url, Region: REGION, FleetIds: [fleet.FleetId] });
    receiver.respond = (i) => (i === 0 ? 500 : 200);
    const before = await scrape(server.endpoint);

    await ingest(server.endpoint, fleet.FleetId, [
      { EventCode: "SERVER_PROCESS_CRASHED", Message: "a", EventTime: 1_800_000_000 },
      { EventCode: "SERVER_PROCESS_CRASHED", Message: "b", EventTime: 1_800_000_001 },
      { EventCode: "FLEET_STATE_ERROR", Message: "c", EventTime: 1_800_000_002 },
    ]);
    await client.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId }));
    const body = JSON.stringify({ FleetId: fleet.FleetId, Limit: 1 });
    assert.equal((await rawCall(server.endpoint, "DescribeFleetEvents", body)).status, 200);
    assert.equal(
      (await rawCall(server.endpoint, "DescribeFleetEvents", JSON.stringify({ FleetId: "fleet-00000000-0000-4000-8000-000000000000" })))
        .status,
      400,
    );
    const stream = new AbortController();
    const open = await fetch(`${server.endpoint}/_liftlog/events/stream?Region=${REGION}`, { signal: stream.signal });
    assert.equal(open.status, 200);
    await receiver.until(() => receiver.delivered().length === 3);

    const now = await scrape(server.endpoint);
    stream.abort();
    const delta = (name: string, labels: Record<string, string> = {}) => value(now, name, labels) - value(before, name, labels);
    const json = { protocol: "awsJson1_1", operation: "DescribeFleetEvents" };
    // The SDK speaks whichever protocol it prefers; the two raw calls are JSON 1.1 for certain.
    const describes = ["awsJson1_1", "rpcv2Cbor"].map((protocol) =>
      delta("liftlog_requests_total", { protocol, operation: "DescribeFleetEvents", status: "200" }),
    );
    assert.equal(describes[0]! + describes[1]!, 2);
    assert.ok(describes[0]! >= 1);
    assert.deepEqual(
      [
        delta("liftlog_requests_total", { ...json, status: "400" }),
        delta("liftlog_errors_total", { ...json, type: "NotFoundException" }),
        delta("liftlog_requests_total", { protocol: "admin", operation: "POST /_liftlog/events", status: "200" }),
        delta("liftlog_events_stored_total", { code: "SERVER_PROCESS_CRASHED" }),
        delta("liftlog_events_stored_total", { code: "FLEET_STATE_ERROR" }),
        delta("liftlog_deliveries_total", { result: "failed" }),
        delta("liftlog_deliveries_total", { result: "delivered" }),
        delta("liftlog_delivery_duration_seconds"),
        value(now, "liftlog_feed_readers"),
        value(now, "liftlog_deliveries_pending"),
      ],
      [1, 1, 1, 2, 1, 1, 3, 4, 1, 0],
    );
    const countDelta = (name: string, labels: string) => histogramCount(now, name, labels) - histogramCount(before, name, labels);
    assert.equal(
      countDelta("liftlog_request_duration_seconds", 'operation="DescribeFleetEvents",protocol="awsJson1_1"'),
      describes[0]! + 1,
    );
    assert.equal(countDelta("liftlog_store_query_duration_seconds", 'method="appendEvents"'), 1);
    assert.ok(countDelta("liftlog_store_query_duration_seconds", 'method="queryEvents"') >= 2);
    assert.ok(countDelta("liftlog_store_query_duration_seconds", 'method="claimDeliveries"') >= 1);
  });
});
