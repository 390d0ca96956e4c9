/**
 * The outbox is durable: kill -9 of the server while deliveries are failing and pending, a restart
 * on the same data, and every event still reaches the receiver once it answers, in order.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { eventIds, startReceiver, subscribe, type Receiver } from "./receiver.js";

const ARGS = ["--delivery-timeout", "1", "--delivery-backoff-cap", "1"];

describe("deliveries across kill -9", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-alerts-crash-"));
  let receiver: Receiver | undefined;
  let server: RunningServer | undefined;
  after(async () => {
    await server?.dispose();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("delivers everything pending after a restart", async () => {
    receiver = await startReceiver();
    receiver.respond = () => 503;
    server = await startServer({ dataDir, args: ARGS });
    const fleet = await registerFleet(server.endpoint);
    await subscribe(server.endpoint, { Url: receiver.url, Region: "us-west-2", FleetIds: [fleet.FleetId] });
    const ids = await ingest(
      server.endpoint,
      fleet.FleetId,
      Array.from({ length: 20 }, (_, i) => ({ EventCode: "SERVER_PROCESS_CRASHED", Message: `crash ${i}`, EventTime: 1_800_000_000 + i })),
    );
    await receiver.until(() => receiver!.requests.length >= 2);
    assert.equal(await server.stop("SIGKILL"), null);
    assert.equal(receiver.delivered().length, 0);

    receiver.respond = () => 200;
    server = await startServer({ dataDir, args: ARGS });
    await receiver.until(() => receiver!.delivered().length >= ids.length, 40_000);
    assert.deepEqual(eventIds(receiver.delivered()), ids);
  });
});
