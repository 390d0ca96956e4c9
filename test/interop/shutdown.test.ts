/**
 * SIGTERM drains: a request in flight when the signal arrives completes, new connections are
 * refused, the process exits 0, and what was written before is there after a restart on the same
 * data directory (including the pagination secret: a NextToken from before resumes after). A second
 * signal during the drain exits at once, and a restart finds every acknowledged write.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { DescribeFleetEventsCommand, ListFleetsCommand, paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { gamelift, ingest, registerFleet, startServer, until, type RunningServer } from "../helpers/server.js";
import { REGION, assertSameEvents, expectedLines, realisticEvents, sdkLine } from "./fleet-log.js";
import { callInTwoParts } from "./raw-api.js";
import { STORES } from "./stores.js";

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

/** POST /_liftlog/events whose body stops halfway: a write in flight until `abort` or the server goes. */
function halfSentIngest(endpoint: string, first: string): { response: Promise<unknown>; abort(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const aborter = new AbortController();
  const response = fetch(`${endpoint}/_liftlog/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    duplex: "half",
    signal: aborter.signal,
  } as RequestInit).then(
    (res) => `answered ${res.status}`,
    (err: Error) => err,
  );
  controller.enqueue(new TextEncoder().encode(first));
  return { response, abort: () => aborter.abort() };
}

for (const store of STORES) {
  describe(`a second signal while draining exits at once, losing no acknowledged write (${store.name})`, { skip: store.skip }, () => {
    for (const [firstSignal, secondSignal] of [
      ["SIGTERM", "SIGINT"],
      ["SIGINT", "SIGINT"],
    ] as const) {
      it(`${firstSignal} then ${secondSignal}: exit ${128 + osConstants.signals[secondSignal]} saying so; a restart reads every acknowledged event and no half-sent one`, async () => {
        const { args, drop } = await store.open();
        const dataDir = mkdtempSync(join(tmpdir(), "liftlog-second-signal-"));
        const servers: RunningServer[] = [];
        try {
          const first = await startServer({ args, dataDir });
          servers.push(first);
          const fleet = await registerFleet(first.endpoint, REGION);
          const events = realisticEvents(fleet.FleetId, 2500);
          const ids = await ingest(first.endpoint, fleet.FleetArn, events, 500);
          const expected = expectedLines(fleet.FleetId, ids, events);
          // In flight through both signals: a batch whose body never finishes arriving.
          const unfinished = halfSentIngest(
            first.endpoint,
            `{"FleetId": "${fleet.FleetArn}", "Events": [{"EventCode": "GENERIC_EVENT", "Message": "never acknowledged"}, `,
          );
          await sleep(300);
          first.process.kill(firstSignal);
          await until("the drain to start", async () => (/draining in-flight requests/.test(first.output()) ? true : undefined), 10_000);
          await sleep(300);
          assert.equal(first.process.exitCode, null, `still draining while a write is in flight:\n${first.output()}`);
          first.process.kill(secondSignal);
          const exited = await Promise.race([exitCode(first.process), sleep(20_000).then(() => "still running 20 s after")]);
          assert.equal(exited, 128 + osConstants.signals[secondSignal], `exit status after the second signal:\n${first.output()}`);
          assert.match(first.output(), new RegExp(`${secondSignal} while draining: exiting now`));
          assert.doesNotMatch(first.output(), /liftlog: stopped/);
          assert.ok((await unfinished.response) instanceof Error, "the unfinished write got no answer");

          const second = await startServer({ args, dataDir });
          servers.push(second);
          const client = gamelift(second.endpoint, REGION);
          try {
            const lines: string[] = [];
            for await (const page of paginateDescribeFleetEvents({ client, pageSize: 1000 }, { FleetId: fleet.FleetId })) {
              lines.push(...page.Events!.map(sdkLine));
            }
            assertSameEvents(lines, expected, "after an exit mid-drain");
          } finally {
            client.destroy();
          }
          assert.equal(await second.stop(), 0, second.output());
        } finally {
          for (const s of servers) await s.stop("SIGKILL");
          rmSync(dataDir, { recursive: true, force: true });
          await drop();
        }
      });
    }
  });
}
