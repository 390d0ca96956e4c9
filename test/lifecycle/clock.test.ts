/**
 * The service clock: each mode never runs backwards (not below the store's high-water mark either),
 * the scaled clock runs at its speed and the lifecycle keeps time on it without any admin call, the
 * manual clock moves only forward; and the serve flags that choose them refuse bad values.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createClock, ManualClock, RealClock, ScaledClock } from "../../src/fleets/clock.js";
import { parseClockMode, parseStageSeconds } from "../../src/config.js";
import { STAGES } from "../../src/fleets/scenarios.js";
import { admin, BIN, gamelift, startServer } from "../helpers/server.js";
import { adminGet, ec2Fleet, fleetStatus, readyBuild } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("service clocks", () => {
  it("a real clock never reads below its floor, even when the machine's clock is behind it", () => {
    const floor = Date.now() + 60_000;
    const clock = new RealClock(floor);
    assert.equal(clock.now(), floor);
    assert.equal(clock.wallDelayUntil(floor + 5_000), 5_000);
  });

  it("a scaled clock runs at its speed and knows how long the wall has to wait", async () => {
    const start = Date.now();
    const clock = new ScaledClock(1000, start);
    await sleep(50);
    const elapsed = clock.now() - start;
    // Timers run on a monotonic clock and Date.now() counts whole milliseconds, so 50 ms may read as 49.
    assert.ok(elapsed >= 49_000 && elapsed < 5_000_000, `50 ms of wall time is ${elapsed} ms of service time`);
    const delay = clock.wallDelayUntil(clock.now() + 10_000);
    assert.ok(delay >= 9 && delay <= 10, `10 service seconds are ${delay} wall ms at 1000x`);
    assert.equal(clock.wallDelayUntil(0), 0);
  });

  it("a manual clock moves only when set, and never backwards", () => {
    const clock = new ManualClock(1_000);
    assert.equal(clock.now(), 1_000);
    clock.set(5_000);
    assert.equal(clock.now(), 5_000);
    assert.throws(() => clock.set(4_999), /before/);
    assert.equal(clock.wallDelayUntil(), undefined);
  });

  it("createClock starts at the store's high-water mark: a manual clock exactly there, the others at the later of it and now", () => {
    const future = Date.now() + 3_600_000;
    assert.equal(createClock("manual", 1, future).now(), future);
    assert.equal(createClock("manual", 1, 1_000).now(), 1_000);
    assert.ok(createClock("real", 1, future).now() >= future);
    assert.ok(createClock("scaled", 60, future).now() >= future);
    assert.ok(createClock("scaled", 60, 1_000).now() >= Date.now() - 1000);
  });

  it("stage lengths and clock modes are parsed strictly", () => {
    assert.deepEqual(parseStageSeconds(""), { ...STAGES });
    assert.deepEqual(parseStageSeconds(" downloading=1 , building=0.5"), { ...STAGES, downloading: 1, building: 0.5 });
    for (const bad of ["downloading", "downloading=", "downloading=-1", "downloading=x", "teleporting=5"]) {
      assert.throws(() => parseStageSeconds(bad), /expected STAGE=SECONDS with STAGE one of new, downloading, /, bad);
    }
    assert.equal(parseClockMode("manual"), "manual");
    assert.throws(() => parseClockMode("fast"), /--clock must be one of real, scaled, manual, got 'fast'/);
  });

  it("liftlog serve refuses bad clock flags before it starts", () => {
    const cases: [string[], RegExp][] = [
      [["--clock", "fast"], /--clock must be one of real, scaled, manual/],
      [["--clock-speed", "0"], /--clock-speed must be a positive number, got '0'/],
      [["--clock", "manual", "--clock-speed", "5"], /--clock-speed applies to --clock scaled only/],
      [["--stage-seconds", "warp=1"], /bad stage duration 'warp=1'/],
      [["--coalesce-window=-5"], /--coalesce-window must be a positive number, got .-5./],
      [["--coalesce-window", "soon"], /--coalesce-window must be a positive number/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], {
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.notEqual(run.status, 0, args.join(" "));
      assert.match(run.stderr, message);
    }
  });

  it("on a scaled clock fleets move by themselves; the clock cannot be set", async () => {
    const server = await startServer({ args: ["--clock-speed", "1000"] });
    const client = gamelift(server.endpoint);
    try {
      const { body } = await adminGet(server.endpoint, "/_liftlog/clock");
      assert.deepEqual([body.Mode, body.Speed], ["scaled", 1000]);
      const refused = await admin(server.endpoint, "/_liftlog/clock", { AdvanceSeconds: 60 });
      assert.equal(refused.status, 400);
      assert.match(
        refused.body.message as string,
        /The clock is scaled; only a manual clock \(liftlog serve --clock manual\) can be advanced/,
      );
      const fleetId = (await ec2Fleet(client, await readyBuild(client))).FleetAttributes!.FleetId!;
      // 460 service seconds of creation are under half a second of wall time.
      const deadline = Date.now() + 15_000;
      while ((await fleetStatus(client, fleetId)) !== "ACTIVE" && Date.now() < deadline) await sleep(50);
      assert.equal(await fleetStatus(client, fleetId), "ACTIVE");
    } finally {
      client.destroy();
      await server.dispose();
    }
  });
});
