/**
 * Pagination is stable while events are appended: a JS SDK paginator walking a 10,000-event log
 * while new events arrive (through the admin API, both between pages and concurrently) returns
 * exactly the events that existed when it started, in order. New events are newer than any cursor,
 * including ones that tie with the newest existing event's millisecond.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { paginateDescribeFleetEvents, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { gamelift, ingest, type IngestedEvent } from "../helpers/server.js";
import { REGION, assertSameEvents, expectedLines, sdkLine, startWithFleetLog, type FleetLog } from "./fleet-log.js";

describe("DescribeFleetEvents: appending while a paginator walks the log", () => {
  let log: FleetLog;
  let client: GameLiftClient;

  before(async () => {
    log = await startWithFleetLog(10_000);
    client = gamelift(log.server.endpoint, REGION);
  });
  after(async () => {
    client?.destroy();
    await log?.server.dispose();
  });

  it("the walk returns exactly the events that existed when it started; a new walk sees the new ones first", async () => {
    const newestMs = Math.max(...log.events.map((e) => Math.round(e.EventTime! * 1000)));
    const appended: { ids: string[]; events: IngestedEvent[] } = { ids: [], events: [] };
    let batchNo = 0;
    const append = async () => {
      const n = batchNo++;
      // The first batch ties with the newest existing event's millisecond; later ones are "now",
      // several events sharing one millisecond.
      const timeMs = n === 0 ? newestMs : Date.now();
      const events = Array.from({ length: 5 }, (_, i) => ({
        EventCode: "SERVER_PROCESS_CRASHED",
        Message: `appended during the walk: batch ${n}, event ${i}`,
        EventTime: timeMs / 1000,
        ResourceId: `i-0append${n}`,
      }));
      const ids = await ingest(log.server.endpoint, log.fleetArn, events);
      appended.ids.push(...ids);
      appended.events.push(...events);
    };

    // The walk starts with its first request: the appender starts once that page is back.
    let walking = true;
    let background: Promise<void> | undefined;
    const lines: string[] = [];
    let pages = 0;
    try {
      for await (const page of paginateDescribeFleetEvents({ client, pageSize: 25 }, { FleetId: log.fleetId })) {
        lines.push(...page.Events!.map(sdkLine));
        background ??= (async () => {
          while (walking) await append();
        })();
        if (++pages % 10 === 1) await append(); // and between pages, for certain interleaving
      }
    } finally {
      walking = false;
      await background;
    }
    assert.ok(appended.ids.length >= 200, `appended only ${appended.ids.length} events during the walk`);
    assertSameEvents(lines, log.expected, "walk while appending");

    const after: string[] = [];
    for await (const page of paginateDescribeFleetEvents({ client, pageSize: 1000 }, { FleetId: log.fleetId })) {
      after.push(...page.Events!.map(sdkLine));
    }
    const all = expectedLines(log.fleetId, [...log.ids, ...appended.ids], [...log.events, ...appended.events]);
    assertSameEvents(after, all, "walk after appending");
    assert.deepEqual(after.slice(appended.ids.length), log.expected, "the appended events all come before the old log");
  });
});
