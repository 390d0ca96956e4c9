/**
 * DescribeFleetEvents time ranges through the API (JS SDK v3 and raw JSON): StartTime and EndTime
 * are inclusive to the millisecond, one millisecond outside is out, and millisecond EventTimes
 * survive the JSON round trip both ways.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { ingest, type IngestedEvent } from "../helpers/server.js";
import { STORES, servedFleet } from "./stores.js";
import { assertSameEvents, expectedLines, sdkLine } from "./fleet-log.js";
import { rawCall } from "./raw-api.js";

const T = 1_750_000_000_123; // ms
// Times around the edges: a millisecond either side of T and of END, and ties on both edges.
const END = T + 5_000;
const TIMES = [T - 1000, T - 1, T, T, T, T + 1, T + 999, T + 2_500, END - 1, END, END, END + 1, END + 1000];

for (const store of STORES) {
  describe(`DescribeFleetEvents on ${store.name}: time range edges`, { skip: store.skip }, () => {
    const served = servedFleet(store);
    let ids: string[];
    const events: IngestedEvent[] = TIMES.map((ms, i) => ({
      EventCode: "GENERIC_EVENT",
      Message: `event ${i} at ${ms}`,
      EventTime: ms / 1000,
    }));
    // Ingest order is not time order: ties must still come out newest-ingested first.
    const order = [3, 0, 12, 4, 9, 1, 10, 2, 5, 11, 6, 8, 7];
    const ingested = order.map((i) => events[i]!);

    /** Expected lines for events whose time (ms) passes `keep`. */
    const expected = (keep: (ms: number) => boolean) => {
      const kept = ingested.map((e, i) => ({ e, id: ids[i]! })).filter(({ e }) => keep(Math.round(e.EventTime! * 1000)));
      return expectedLines(
        served.fleet.FleetId,
        kept.map((k) => k.id),
        kept.map((k) => k.e),
      );
    };

    async function walk(range: { StartTime?: Date; EndTime?: Date }, pageSize?: number): Promise<string[]> {
      const lines: string[] = [];
      for await (const page of paginateDescribeFleetEvents(
        { client: served.client, ...(pageSize ? { pageSize } : {}) },
        { FleetId: served.fleet.FleetId, ...range },
      )) {
        lines.push(...page.Events!.map(sdkLine));
      }
      return lines;
    }

    before(async () => {
      ids = await ingest(served.server.endpoint, served.fleet.FleetArn, ingested);
    });

    it("StartTime and EndTime are inclusive; a millisecond outside is excluded (JS SDK, page sizes 1 and default)", async () => {
      const want = expected((ms) => ms >= T && ms <= END);
      assert.equal(want.length, 9);
      assertSameEvents(await walk({ StartTime: new Date(T), EndTime: new Date(END) }), want, "[T, END]");
      assertSameEvents(await walk({ StartTime: new Date(T), EndTime: new Date(END) }, 1), want, "[T, END] page size 1");
      assertSameEvents(
        await walk({ StartTime: new Date(T + 1), EndTime: new Date(END - 1) }),
        expected((ms) => ms > T && ms < END),
        "(T, END)",
      );
    });

    it("either bound alone, and a range of one millisecond", async () => {
      assertSameEvents(
        await walk({ StartTime: new Date(END) }),
        expected((ms) => ms >= END),
        "from END",
      );
      assertSameEvents(
        await walk({ EndTime: new Date(T) }),
        expected((ms) => ms <= T),
        "to T",
      );
      const single = await walk({ StartTime: new Date(T), EndTime: new Date(T) }, 1);
      assertSameEvents(
        single,
        expected((ms) => ms === T),
        "[T, T]",
      );
      assert.equal(single.length, 3);
      assertSameEvents(await walk({ StartTime: new Date(T + 2), EndTime: new Date(T + 998) }), [], "an empty range");
    });

    it("raw JSON: epoch seconds with a millisecond fraction in, the same text out", async () => {
      const body = JSON.stringify({ FleetId: served.fleet.FleetId, StartTime: T / 1000, EndTime: END / 1000 });
      const res = await rawCall(served.server.endpoint, "DescribeFleetEvents", body);
      assert.equal(res.status, 200, res.text);
      const times = [...res.text.matchAll(/"EventTime":([0-9.]+)/g)].map((m) => m[1]);
      const want = TIMES.filter((ms) => ms >= T && ms <= END)
        .sort((a, b) => b - a)
        .map((ms) => String(ms / 1000));
      assert.deepEqual(times, want);
      assert.ok(times.includes("1750000000.123") && times.includes("1750000005.123"), times.join(" "));
      // One millisecond inside each bound, as the wire carries it.
      const inner = await rawCall(
        served.server.endpoint,
        "DescribeFleetEvents",
        JSON.stringify({ FleetId: served.fleet.FleetId, StartTime: 1750000000.124, EndTime: 1750000005.122 }),
      );
      const innerTimes = [...inner.text.matchAll(/"EventTime":([0-9.]+)/g)].map((m) => Number(m[1]));
      assert.deepEqual(innerTimes.length, TIMES.filter((ms) => ms > T && ms < END).length);
      assert.ok(innerTimes.every((t) => t > 1750000000.123 && t < 1750000005.123));
    });
  });
}
