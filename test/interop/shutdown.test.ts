/**
 * SIGTERM drains: a request in flight when the signal arrives completes, new connections are
 * refused, the process exits 0, and what was written before is there after a restart on the same
 * data directory (including the pagination secret: a NextToken from before resumes after).
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { DescribeFleetEventsCommand, ListFleetsCommand, paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { gamelift, ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { REGION, assertSameEvents, expectedLines, realisticEvents, sdkLine } from "./fleet-log.js";
import { callInTwoParts } from "./raw-api.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The exit code, once the process has exited (without signalling it). */
function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return once(child, "exit").then(([code]) => code as number | null);
}

describe("SIGTERM drains in-flight requests; data survives a restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-shutdown-"));
  const servers: RunningServer[] = [];
  after(async () => {
    for (const s of servers) await s.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a request in flight at SIGTERM completes, the process exits 0, and the data is there after restart", async () => {
    const first = await startServer({ dataDir });
    servers.push(first);
    const fleet = await registerFleet(first.endpoint, REGION);
    const events = realisticEvents(fleet.FleetId, 3000);
    const ids = await ingest(first.endpoint, fleet.FleetArn, events);
    const expected = expectedLines(fleet.FleetId, ids, events);
    const client = gamelift(first.endpoint, REGION);
    const firstPage = await client.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId, Limit: 500 }));
    client.destroy();

    // The slow request: its body arrives in two halves, with SIGTERM between them.
    const call = callInTwoParts(first.endpoint, "DescribeFleetEvents", `{"FleetId": "${fleet.FleetId}", `);
    await sleep(300);
    first.process.kill("SIGTERM");
    await sleep(300);
    assert.equal(first.process.exitCode, null, "still draining while a request is in flight");
    await assert.rejects(fetch(`${first.endpoint}/_liftlog/health`), "new connections are refused while draining");
    const res = await call.finish(`"Limit": 1000}`);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const page = JSON.parse(res.text) as { Events: { EventId: string }[]; NextToken?: string };
    assert.deepEqual(
      page.Events.map((e) => e.EventId),
      expected.slice(0, 1000).map((line) => line.split(" | ")[0]),
    );
    assert.equal(await exitCode(first.process), 0, first.output());
    assert.match(first.output(), /SIGTERM, draining in-flight requests[\s\S]*stopped/);

    const second = await startServer({ dataDir });
    servers.push(second);
    const again = gamelift(second.endpoint, REGION);
    try {
      const lines: string[] = [];
      for await (const p of paginateDescribeFleetEvents({ client: again, pageSize: 1000 }, { FleetId: fleet.FleetId })) {
        lines.push(...p.Events!.map(sdkLine));
      }
      assertSameEvents(lines, expected, "after restart");
      // The token signed before the restart resumes the walk after it.
      const rest: string[] = [];
      let NextToken = firstPage.NextToken;
      while (NextToken) {
        const out = await again.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId, Limit: 1000, NextToken }));
        rest.push(...out.Events!.map(sdkLine));
        NextToken = out.NextToken;
      }
      assertSameEvents([...firstPage.Events!.map(sdkLine), ...rest], expected, "a walk across the restart");
      const { FleetIds } = await again.send(new ListFleetsCommand({}));
      assert.deepEqual(FleetIds, [fleet.FleetId]);
    } finally {
      again.destroy();
    }
    assert.equal(await second.stop(), 0);
  });

  it("busy keep-alive clients at SIGTERM: every call completes or fails to connect, never a 500, and the process exits 0", async () => {
    const server = await startServer({ dataDir });
    servers.push(server);
    const { FleetIds } = await (async () => {
      const c = gamelift(server.endpoint, REGION);
      try {
        return await c.send(new ListFleetsCommand({}));
      } finally {
        c.destroy();
      }
    })();
    const fleetId = FleetIds![0]!;
    const idle = gamelift(server.endpoint, REGION); // holds an idle keep-alive connection
    await idle.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: 1 }));
    const outcomes = new Map<string, number>();
    let signalled = false;
    const busy = Array.from({ length: 4 }, async () => {
      const c = gamelift(server.endpoint, REGION);
      try {
        for (;;) {
          try {
            const out = await c.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: 1000 }));
            assert.equal(out.Events!.length, 1000);
            outcomes.set("ok", (outcomes.get("ok") ?? 0) + 1);
          } catch (err) {
            const e = err as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
            assert.equal(e.$metadata?.httpStatusCode, undefined, `an HTTP error during the drain: ${e.name}: ${e.message}`);
            outcomes.set(e.code ?? e.name, (outcomes.get(e.code ?? e.name) ?? 0) + 1);
            if (signalled) return;
          }
        }
      } finally {
        c.destroy();
      }
    });
    await sleep(500);
    // Calls sent after the signal fail to connect: refused, or reset from the listen backlog.
    const t0 = Date.now();
    signalled = true;
    server.process.kill("SIGTERM");
    const code = await exitCode(server.process);
    const exitMs = Date.now() - t0;
    await Promise.all(busy);
    idle.destroy();
    console.log(`# drain: exit ${exitMs} ms after SIGTERM; call outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.equal(code, 0, server.output());
    assert.ok(exitMs < 5000, `exited ${exitMs} ms after SIGTERM (an idle keep-alive connection must not hold it up)`);
    assert.ok((outcomes.get("ok") ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.doesNotMatch(server.output(), /InternalServiceException|Error:/);
  });
});
