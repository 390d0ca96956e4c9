/**
 * `liftlog mirror` through the real binary from one liftlog server to another: killed mid-copy
 * (SIGKILL) and run again, the copy equals the source (event IDs, order, counts, logs, fleet IDs
 * and ARNs), with nothing copied twice; later passes copy only what is new.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { DescribeFleetAttributesCommand } from "@aws-sdk/client-gamelift";
import { BIN, gamelift, ingest, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { CLEAN_ENV, comparable, liftlog, liftlogOk, readLog } from "./support.js";

const REGION = "us-west-2";

function events(n: number, base: number, label: string): IngestedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    EventCode: i % 2 ? "SERVER_PROCESS_CRASHED" : "FLEET_SCALING_EVENT",
    Message: `${label} ${i}`,
    // Three events a millisecond: batches of 100 split such groups, and the copy must keep their order.
    EventTime: base + Math.floor(i / 3) / 1000,
    ...(i % 250 === 0 ? { Log: `log of ${label} ${i}` } : {}),
    ...(i % 9 === 0 ? { Count: 2 + (i % 50) } : {}),
  })) as IngestedEvent[];
}

describe("liftlog mirror", () => {
  let source: RunningServer;
  let copy: RunningServer;
  before(async () => {
    [source, copy] = await Promise.all([startServer(), startServer()]);
  });
  after(async () => {
    await Promise.all([source?.dispose(), copy?.dispose()]);
  });

  const log = (server: RunningServer, fleet: string) => readLog(server.endpoint, fleet, REGION);
  const args = (...more: string[]) => [
    "mirror",
    "--source-endpoint",
    source.endpoint,
    "--endpoint-url",
    copy.endpoint,
    "--region",
    REGION,
    ...more,
  ];

  it("interrupted and resumed, the copy equals the source; again, nothing is copied twice", async () => {
    const big = await registerFleet(source.endpoint, REGION);
    const small = await registerFleet(source.endpoint, REGION);
    await ingest(source.endpoint, big.FleetId, events(3000, 1_700_000_000, "big"), 5000, REGION);
    await ingest(source.endpoint, small.FleetId, events(40, 1_700_000_000, "small"), 5000, REGION);

    // A mirror of the big fleet, killed without warning once it has stored three batches.
    const child = spawn(process.execPath, [BIN, ...args("--fleet-id", big.FleetId, "--batch-size", "100")], {
      env: { ...process.env, ...CLEAN_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        if ((stderr.match(/copied \d+ of/g) ?? []).length >= 3) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`mirror exited ${code} before it was killed: ${stderr}`)));
    });
    const partial = await log(copy, big.FleetArn);
    assert.ok(partial.length >= 300 && partial.length < 3000, `a partial copy: ${partial.length} events`);
    const all = await log(source, big.FleetArn);
    assert.deepEqual(comparable(partial), comparable(all.slice(all.length - partial.length)), "the oldest events, in order");

    // More events arrive at the source meanwhile; then a pass over every fleet.
    await ingest(source.endpoint, big.FleetId, events(500, 1_700_000_001, "later"), 5000, REGION);
    const pass = await liftlog(args("--once", "--batch-size", "100"));
    assert.equal(pass.code, 0, pass.stderr);
    for (const fleet of [big, small]) {
      const [theirs, ours] = await Promise.all([log(source, fleet.FleetArn), log(copy, fleet.FleetArn)]);
      assert.deepEqual(comparable(ours), comparable(theirs), `copy of ${fleet.FleetId}`);
    }
    const copied = await log(copy, big.FleetArn);
    assert.equal(copied.length, 3500);
    assert.equal(new Set(copied.map((e) => e.EventId)).size, 3500, "no event twice");
    const logged = copied.find((e) => e.Message === "big 250")!;
    assert.equal(await (await fetch(logged.PreSignedLogUrl!)).text(), "log of big 250");
    const { FleetAttributes } = await gamelift(copy.endpoint, REGION, "000000000000").send(
      new DescribeFleetAttributesCommand({ FleetIds: [big.FleetId] }),
    );
    assert.equal(FleetAttributes?.[0]?.FleetArn, big.FleetArn, "the source's fleet ID and ARN");

    const again = await liftlogOk(args("--once"));
    assert.equal(again, "");
    const idle = await liftlog(args("--once"));
    assert.match(idle.stderr, new RegExp(`${big.FleetId}: up to date`));
    assert.deepEqual(comparable(await log(copy, big.FleetArn)), comparable(await log(source, big.FleetArn)));
  });

  it("errors name the problem: no source, an unreachable source, a fleet the source lacks", async () => {
    const cases: [string[], RegExp, number][] = [
      [["mirror", "--endpoint-url", copy.endpoint], /--source-endpoint is required/, 2],
      [
        ["mirror", "--source-endpoint", "http://127.0.0.1:9", "--endpoint-url", copy.endpoint, "--once"],
        /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
        1,
      ],
      [args("--once", "--fleet-id", "fleet-00000000-0000-0000-0000-000000000000"), /does not describe fleet fleet-0000/, 1],
    ];
    for (const [argv, pattern, code] of cases) {
      const result = await liftlog(argv);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, pattern);
    }
  });
});
