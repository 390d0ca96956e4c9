/**
 * DescribeFleetEvents through the real AWS SDK for JavaScript v3 and its own paginator, against the
 * real server: the FULL log of 10,000 events comes back, newest first, none twice, none missing,
 * at every page size, by fleet ID and by ARN.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetEventsCommand, paginateDescribeFleetEvents, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { gamelift } from "../helpers/server.js";
import { REGION, assertSameEvents, sdkLine, startWithFleetLog, type FleetLog } from "./fleet-log.js";

const EVENTS = 10_000;
const DEFAULT_PAGE = 100;

describe("DescribeFleetEvents: AWS SDK for JavaScript v3 paginator over 10,000 events", () => {
  let log: FleetLog;
  let client: GameLiftClient;

  before(async () => {
    log = await startWithFleetLog(EVENTS);
    client = gamelift(log.server.endpoint, REGION);
  });
  after(async () => {
    client?.destroy();
    await log?.server.dispose();
  });

  /** Walks the log with the SDK's paginator; returns the event lines and the page sizes seen. */
  async function walk(fleet: string, pageSize?: number) {
    const lines: string[] = [];
    const pageSizes: number[] = [];
    const tokens = new Set<string>();
    for await (const page of paginateDescribeFleetEvents({ client, ...(pageSize ? { pageSize } : {}) }, { FleetId: fleet })) {
      lines.push(...page.Events!.map(sdkLine));
      pageSizes.push(page.Events!.length);
      if (page.NextToken) {
        assert.ok(!tokens.has(page.NextToken), `NextToken returned twice: ${page.NextToken}`);
        tokens.add(page.NextToken);
      }
    }
    return { lines, pageSizes };
  }

  for (const pageSize of [1, 7, 100, undefined]) {
    it(`pageSize ${pageSize ?? "absent (server default 100)"}: every event once, newest first`, async () => {
      const started = performance.now();
      const { lines, pageSizes } = await walk(log.fleetId, pageSize);
      const ms = performance.now() - started;
      console.log(`# JS SDK walk, pageSize ${pageSize ?? "default"}: ${pageSizes.length} requests in ${(ms / 1000).toFixed(1)} s`);
      assertSameEvents(lines, log.expected, `pageSize ${pageSize ?? "default"}`);
      // Full pages until the last; the last page carries no NextToken (no empty trailing page).
      const size = pageSize ?? DEFAULT_PAGE;
      assert.equal(pageSizes.length, Math.ceil(EVENTS / size));
      assert.ok(
        pageSizes.slice(0, -1).every((n) => n === size),
        "every page but the last is full",
      );
    });
  }

  it("by fleet ARN, at the largest page size, reads the same log", async () => {
    const { lines, pageSizes } = await walk(log.fleetArn, 1000);
    assertSameEvents(lines, log.expected, "by ARN, pageSize 1000");
    assert.equal(pageSizes.length, EVENTS / 1000);
  });

  it("a NextToken from one page size resumes at another without gaps or repeats", async () => {
    // Page sizes change mid-walk, as a UI that lets the user pick one would do.
    const sizes = [3, 250, 1, 999, 42];
    const lines: string[] = [];
    let NextToken: string | undefined;
    let i = 0;
    do {
      const out = await client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetId, Limit: sizes[i++ % sizes.length], NextToken }));
      lines.push(...out.Events!.map(sdkLine));
      NextToken = out.NextToken;
    } while (NextToken);
    assertSameEvents(lines, log.expected, "mixed page sizes");
  });

  it("events with a log carry a PreSignedLogUrl that serves it", async () => {
    const out = await client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetId, Limit: 1000 }));
    const withLog = out.Events!.filter((e) => e.PreSignedLogUrl);
    assert.ok(withLog.length > 0, "the first 1000 events include crash bursts with logs");
    const ingested = log.events[log.ids.indexOf(withLog[0]!.EventId!)]!;
    const res = await fetch(withLog[0]!.PreSignedLogUrl!);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), ingested.Log);
  });
});
