/**
 * NDJSON ingest (POST /_liftlog/events, Content-Type: application/x-ndjson) against the real
 * server, read as it arrives: a stream of many chunks is stored whole, and every bad stream — a bad
 * line in the middle, a stream cut off, an over-long line, bytes that are not UTF-8, an empty body, a
 * client that goes away mid-stream — gets its error and stores nothing, which each case proves by
 * reading the whole log back through the JS SDK. JSON bodies that are not UTF-8 are refused too.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import type { IngestedEvent } from "../helpers/server.js";
import { STORES, servedFleet } from "./stores.js";
import { assertSameEvents, expectedLines, realisticEvents, sdkLine } from "./fleet-log.js";

const NDJSON = { "Content-Type": "application/x-ndjson" };

for (const store of STORES) {
  describe(`NDJSON ingest on ${store.name}: streams, and bad streams storing nothing`, { skip: store.skip }, () => {
    const served = servedFleet(store);
    const stored: { ids: string[]; events: IngestedEvent[] } = { ids: [], events: [] };

    const post = async (body: string | Buffer) => {
      const res = await fetch(`${served.server.endpoint}/_liftlog/events`, { method: "POST", headers: NDJSON, body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> & { EventIds?: string[] } };
    };
    const lineOf = (e: IngestedEvent) => JSON.stringify({ FleetId: served.fleet.FleetArn, ...e });
    const refused = async (body: string | Buffer, status: number, type: string, message: RegExp) => {
      const res = await post(body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.__type, type, JSON.stringify(res.body));
      assert.match(String(res.body.message), message);
    };
    async function assertLogUnchanged(what: string): Promise<void> {
      const lines: string[] = [];
      for await (const page of paginateDescribeFleetEvents({ client: served.client, pageSize: 1000 }, { FleetId: served.fleet.FleetId })) {
        lines.push(...page.Events!.map(sdkLine));
      }
      assertSameEvents(lines, expectedLines(served.fleet.FleetId, stored.ids, stored.events), what);
    }

    it("a stream of many chunks, with text of every width, is stored whole in line order", async () => {
      const events = realisticEvents(served.fleet.FleetId, 6000, 14).map((e, i) =>
        i % 3 ? e : { ...e, Message: `${e.Message} — café, 東京, 🎮 ${i}` },
      );
      const body = events.map(lineOf).join("\r\n");
      assert.ok(Buffer.byteLength(body) > 1024 * 1024, "the body spans many chunks");
      const res = await post(body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      stored.ids.push(...res.body.EventIds!);
      stored.events.push(...events);
      await assertLogUnchanged("after a 6,000-line stream");
    });

    it("a bad line in the middle of a long stream: its error, naming it; nothing stored", async () => {
      const events = realisticEvents(served.fleet.FleetId, 5000, 15);
      const lines = events.map(lineOf);
      const badField = [...lines];
      badField[2500] = JSON.stringify({ FleetId: served.fleet.FleetArn, EventCode: "NOT_A_CODE", Message: "m" });
      await refused(badField.join("\n"), 400, "InvalidRequestException", /^Events\[2500\]: Value 'NOT_A_CODE' at 'eventCode'/);
      const notJson = [...lines];
      notJson[3999] = lines[3999]!.slice(0, -1);
      // A line that is not JSON is named even after an earlier bad field (lines are read before events are checked).
      notJson[10] = JSON.stringify({ FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "" });
      await refused(
        notJson.join("\n"),
        400,
        "SerializationException",
        /^Line 4000 is not valid JSON: .*Nothing in this batch was stored\.$/,
      );
      const unknownFleet = [...lines];
      unknownFleet[4998] = JSON.stringify({
        FleetId: "fleet-00000000-0000-4000-8000-000000000000",
        EventCode: "GENERIC_EVENT",
        Message: "m",
      });
      await refused(unknownFleet.join("\n"), 400, "NotFoundException", /^Events\[4998\]: fleet fleet-00000000-/);
      await assertLogUnchanged("after bad lines in the middle");
    });

    it("a stream cut off mid-line, or mid-character: the last line's error; nothing stored", async () => {
      const lines = realisticEvents(served.fleet.FleetId, 3000, 16).map(lineOf);
      const body = lines.join("\n");
      await refused(body.slice(0, body.length - 20), 400, "SerializationException", /^Line 3000 is not valid JSON: /);
      const wide = Buffer.from(
        `${lines.slice(0, 10).join("\n")}\n{"FleetId": "${served.fleet.FleetArn}", "EventCode": "GENERIC_EVENT", "Message": "東`,
      );
      await refused(
        wide.subarray(0, wide.length - 1),
        400,
        "SerializationException",
        /^Line 11 is not valid UTF-8; .*Nothing in this batch was stored\.$/,
      );
      await assertLogUnchanged("after cut-off streams");
    });

    it("a client that goes away mid-stream: nothing stored, and the server serves on", async () => {
      const body = Buffer.from(realisticEvents(served.fleet.FleetId, 4000, 17).map(lineOf).join("\n"));
      await new Promise<void>((resolve) => {
        const url = new URL(served.server.endpoint);
        const req = request({
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/_liftlog/events",
          headers: { ...NDJSON, "Content-Length": body.length },
        });
        req.on("error", () => resolve());
        req.on("response", () => assert.fail("the server answered a request it never got whole"));
        req.write(body.subarray(0, body.length / 2), () =>
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 200),
        );
      });
      await assertLogUnchanged("after a client went away mid-stream");
    });

    it("an over-long line, bytes that are not UTF-8, an empty body, too many lines: the error; nothing stored", async () => {
      const good = { EventCode: "GENERIC_EVENT", Message: "fine", EventTime: 1_760_000_000 };
      const long = lineOf({ ...good, Message: "x".repeat(1024 * 1024) });
      await refused(
        [lineOf(good), long, lineOf(good)].join("\n"),
        400,
        "InvalidRequestException",
        /^Line 2 is longer than 1048576 bytes: one event a line, each at most that long\. Nothing in this batch was stored\.$/,
      );
      const latin1 = Buffer.from(`${lineOf(good)}\n${lineOf({ ...good, Message: "café" })}\n`, "latin1");
      await refused(latin1, 400, "SerializationException", /^Line 2 is not valid UTF-8; send the body as UTF-8 text\./);
      for (const empty of ["", "\n\n", "  \r\n"])
        await refused(empty, 400, "InvalidRequestException", /^Events must hold at least one event\.$/);
      const tooMany = Array.from({ length: 10_001 }, () => lineOf(good)).join("\n");
      await refused(tooMany, 400, "InvalidRequestException", /at most 10000 events; this one has 10001/);
      await assertLogUnchanged("after refused streams");
    });

    it("a JSON body (not NDJSON) that is not UTF-8: SerializationException; nothing stored", async () => {
      const body = Buffer.from(
        JSON.stringify({ FleetId: served.fleet.FleetArn, Events: [{ EventCode: "GENERIC_EVENT", Message: "café" }] }),
        "latin1",
      );
      const res = await fetch(`${served.server.endpoint}/_liftlog/events`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      assert.equal(res.status, 400);
      const error = (await res.json()) as Record<string, unknown>;
      assert.equal(error.__type, "SerializationException");
      assert.equal(error.message, "Request body is not valid UTF-8; send JSON as UTF-8 text.");
      await assertLogUnchanged("after a JSON body that is not UTF-8");
    });
  });
}
