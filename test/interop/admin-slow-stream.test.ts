/**
 * An NDJSON stream that pauses mid-way for longer than a store may spend storing a batch while it
 * arrives (PostgreSQL stores it as it comes): the batch is stored whole once it has arrived, and
 * meanwhile another batch for the same fleet is not held up by the paused one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { ingest, type IngestedEvent } from "../helpers/server.js";
import { STORES, servedFleet } from "./stores.js";
import { REGION, assertSameEvents, expectedLines, realisticEvents, sdkLine } from "./fleet-log.js";

for (const store of STORES) {
  describe(`a paused NDJSON stream on ${store.name}`, { skip: store.skip }, () => {
    const served = servedFleet(store);
    const ingestJson = (events: IngestedEvent[]) => ingest(served.server.endpoint, served.fleet.FleetId, events, events.length, REGION);

    it("is stored whole once it arrives, and does not hold up another batch for its fleet meanwhile", async () => {
      const slow = realisticEvents(served.fleet.FleetId, 3000, 21);
      // The same codes stored once first: a store may take a batch with a code new to it whole anyway.
      const first = await ingestJson(slow);
      const body = Buffer.from(slow.map((e) => JSON.stringify({ FleetId: served.fleet.FleetArn, ...e })).join("\n"));
      const url = new URL(served.server.endpoint);
      const req = request({
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/_liftlog/events",
        headers: { "Content-Type": "application/x-ndjson", "Content-Length": body.length },
      });
      const answer = new Promise<{ status: number; body: { EventIds: string[] } }>((resolve, reject) => {
        req.on("error", reject);
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
        });
      });
      const half = body.lastIndexOf(0x0a, body.length / 2) + 1;
      req.write(body.subarray(0, half));
      await sleep(1_500);

      const quick = realisticEvents(served.fleet.FleetId, 10, 22);
      const other = await ingestJson(quick);

      req.end(body.subarray(half));
      const res = await answer;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const lines: string[] = [];
      for await (const page of paginateDescribeFleetEvents({ client: served.client, pageSize: 1000 }, { FleetId: served.fleet.FleetId })) {
        lines.push(...page.Events!.map(sdkLine));
      }
      assertSameEvents(
        lines,
        expectedLines(served.fleet.FleetId, [...first, ...other, ...res.body.EventIds], [...slow, ...quick, ...slow]),
        "after the paused stream and the batch sent meanwhile",
      );
    });
  });
}
