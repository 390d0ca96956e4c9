/**
 * `liftlog seed`: the demo it plans (every kind of event, consistent statuses, repeatable), and what
 * it writes, read back in full through the real server with the real AWS SDK v3 and the aws CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeFleetAttributesCommand,
  ListFleetsCommand,
  paginateDescribeFleetEvents,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { defaultConfig } from "../../src/config.js";
import { validationProblems } from "../../src/model/validate.js";
import { openStore } from "../../src/server.js";
import { finalStatus, planDemo, type DemoFleet, type DemoOptions } from "../../src/seed/demo.js";
import { writeDemo } from "../../src/seed/write.js";
import type { NewEvent } from "../../src/store/types.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { BIN, gamelift, pythonToolsMissing, startServer } from "../helpers/server.js";
import { EC2_CREATION } from "../helpers/sequences.js";

const DAY = 86_400_000;
const CREATION = EC2_CREATION.slice(0, EC2_CREATION.indexOf("FLEET_STATE_BUILDING"));
const SUCCESS = [...CREATION, "FLEET_STATE_BUILDING", "FLEET_STATE_ACTIVATING", "FLEET_STATE_ACTIVE"];
const FAILURE = [...CREATION, "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND", "FLEET_STATE_ERROR"];
const STAGES_WITH_LOGS = new Set([
  "FLEET_CREATION_EXTRACTING_BUILD",
  "FLEET_CREATION_RUNNING_INSTALLER",
  "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
  "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND",
  "SERVER_PROCESS_CRASHED",
]);

const demoOptions = (overrides: Partial<DemoOptions> = {}): DemoOptions => ({
  scope: { accountId: "000000000000", region: "us-east-1" },
  fleets: 6,
  days: 7,
  randomSeed: 1234,
  endTimeMs: Date.UTC(2026, 0, 15, 12, 0, 0, 0),
  ...overrides,
});

/** An event as DescribeFleetEvents shows it, reduced to comparable values. */
interface WireEvent {
  EventId: string;
  ResourceId: string;
  EventCode: string;
  Message: string;
  EventTimeMs: number;
  Count: number;
  HasLog: boolean;
}

/** What the server must return for events stored in this order: newest first, later-stored first on ties. */
function expectedLog(events: readonly NewEvent[]): WireEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.eventTimeMs - a.e.eventTimeMs || b.i - a.i)
    .map(({ e }) => ({
      EventId: e.eventId,
      ResourceId: e.resourceId,
      EventCode: e.eventCode,
      Message: e.message,
      EventTimeMs: e.eventTimeMs,
      Count: e.count ?? 1,
      HasLog: e.log !== undefined,
    }));
}

async function readLog(client: GameLiftClient, fleetId: string, pageSize: number) {
  const events = [];
  for await (const page of paginateDescribeFleetEvents({ client, pageSize }, { FleetId: fleetId })) events.push(...(page.Events ?? []));
  return events;
}

const toWire = (events: Awaited<ReturnType<typeof readLog>>): WireEvent[] =>
  events.map((e) => ({
    EventId: e.EventId!,
    ResourceId: e.ResourceId!,
    EventCode: e.EventCode!,
    Message: e.Message!,
    EventTimeMs: e.EventTime!.getTime(),
    Count: e.Count!,
    HasLog: e.PreSignedLogUrl !== undefined,
  }));

/** Every planned fleet's full log comes back through the server exactly as planned. */
async function assertReadsBack(client: GameLiftClient, plan: DemoFleet[]): Promise<void> {
  for (const { fleet, events } of plan)
    assert.deepEqual(toWire(await readLog(client, fleet.fleetId, 100)), expectedLog(events), fleet.name);
}

const codes = (demo: DemoFleet) => demo.events.map((e) => e.eventCode);

test("the demo has every kind of event, in the service's style, with statuses its events lead to", () => {
  for (const randomSeed of [1234, 0, 7, 4294967295]) {
    for (const days of [7, 1, 30]) checkDemo(demoOptions({ randomSeed, days }));
  }
});

function checkDemo(options: DemoOptions): void {
  const plan = planDemo(options);
  assert.deepEqual(
    plan.map((d) => d.role),
    ["steady", "spot", "failed", "deleted", "steady", "spot"],
  );
  for (const demo of plan) {
    const { fleet, events } = demo;
    const id = fleet.fleetId;
    assert.match(id, /^fleet-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(fleet.kind, "simulated");
    assert.equal(fleet.fleetArn, `arn:aws:gamelift:us-east-1:000000000000:fleet/${id}`);
    assert.equal(fleet.creationTimeMs, events[0]!.eventTimeMs);
    assert.deepEqual(
      codes(demo).slice(0, demo.role === "failed" ? FAILURE.length : SUCCESS.length),
      demo.role === "failed" ? FAILURE : SUCCESS,
    );
    assert.equal(fleet.status, finalStatus(events));
    for (const [i, e] of events.entries()) {
      assert.ok(e.message.includes(id), `${e.eventCode} message names its fleet: ${e.message}`);
      assert.equal(e.resourceId, id);
      assert.ok(
        e.eventTimeMs > options.endTimeMs - options.days * DAY && e.eventTimeMs <= options.endTimeMs,
        `${e.eventCode} inside the window`,
      );
      if (i > 0) assert.ok(e.eventTimeMs >= events[i - 1]!.eventTimeMs, "oldest first");
      assert.equal(e.log !== undefined, STAGES_WITH_LOGS.has(e.eventCode), `${e.eventCode} has a log exactly when its stage has one`);
      assert.deepEqual(
        validationProblems({ EventCode: e.eventCode, Message: e.message, ResourceId: e.resourceId, Count: e.count }, "Event"),
        [],
      );
      if (e.eventCode.startsWith("FLEET_STATE_")) assert.equal(e.message, `Fleet ${id} changed state to ${e.eventCode.slice(12)}`);
      if (e.eventCode === "FLEET_SCALING_EVENT") {
        const m = /desired instances (\d+) \(was \d+\), minimum (\d+), maximum (\d+)$/.exec(e.message);
        assert.ok(m, e.message);
        const [desired, min, max] = m.slice(1).map(Number) as [number, number, number];
        assert.ok(min <= desired && desired <= max, e.message);
      }
    }
  }
  const [steady, spot, failed, deleted] = plan as [DemoFleet, DemoFleet, DemoFleet, DemoFleet];
  for (const demo of [steady, spot, deleted, plan[4]!, plan[5]!]) {
    assert.equal(codes(demo).filter((c) => c === "FLEET_STATE_ACTIVE").length, 1);
    assert.ok(codes(demo).includes("FLEET_SCALING_EVENT"));
    assert.ok(codes(demo).includes("GAME_SESSION_ACTIVATION_TIMEOUT"));
    assert.ok(
      demo.events.some((e) => e.eventCode === "SERVER_PROCESS_CRASHED" && e.count! > 1),
      "a crash repeated within a window (Count > 1)",
    );
  }
  for (const demo of [spot, plan[5]!]) {
    assert.equal(demo.fleet.attributes.FleetType, "SPOT");
    assert.ok(codes(demo).includes("INSTANCE_INTERRUPTED") && codes(demo).includes("INSTANCE_RECYCLED"));
  }
  assert.ok(!codes(steady).includes("INSTANCE_INTERRUPTED"), "on-demand fleets are not interrupted");
  assert.equal(steady.fleet.status, "ACTIVE");
  assert.equal(codes(steady).filter((c) => c === "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED").length, 1);
  assert.equal(steady.fleet.attributes.NewGameSessionProtectionPolicy, "FullProtection");
  assert.equal(spot.fleet.attributes.NewGameSessionProtectionPolicy, "NoProtection");
  assert.deepEqual(codes(failed), FAILURE);
  assert.equal(failed.fleet.status, "ERROR");
  assert.match(failed.events.at(-2)!.log!, /NOT FOUND/);
  assert.equal(deleted.events.at(-1)!.eventCode, "FLEET_DELETED");
  assert.match(deleted.events.at(-2)!.message, /desired instances 0 .*minimum 0/);
  assert.equal(deleted.fleet.status, "TERMINATED");
  assert.equal(deleted.fleet.deleted, true);
  assert.equal(deleted.fleet.terminationTimeMs, deleted.events.at(-1)!.eventTimeMs);
  assert.equal(
    new Set(plan.flatMap((d) => d.events.map((e) => e.eventId))).size,
    plan.reduce((n, d) => n + d.events.length, 0),
    "event IDs are unique",
  );
}

test("the same random seed plans the same demo; another seed another one", () => {
  assert.deepEqual(planDemo(demoOptions()), planDemo(demoOptions()));
  const other = planDemo(demoOptions({ randomSeed: 1235 }));
  assert.notDeepEqual(
    other.map((d) => d.fleet.fleetId),
    planDemo(demoOptions()).map((d) => d.fleet.fleetId),
  );
  const fleetIds = (plan: DemoFleet[]) => plan.map((d) => d.fleet.fleetId);
  assert.deepEqual(
    fleetIds(planDemo(demoOptions({ days: 30, endTimeMs: Date.now() }))),
    fleetIds(planDemo(demoOptions())),
    "fleet IDs follow the seed alone",
  );
  const small = planDemo(demoOptions({ fleets: 1, days: 1 }));
  assert.equal(small.length, 1);
  assert.deepEqual(codes(small[0]!).slice(0, SUCCESS.length), SUCCESS);
});

test("a seeded data dir reads back in full through the real server and the AWS SDK, newest first", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-seed-"));
  const store = await openStore({ ...defaultConfig(), dataDir });
  const plan = planDemo(demoOptions({ endTimeMs: Date.now() }));
  const seeded = await writeDemo(store, plan);
  await store.close();
  assert.deepEqual(
    seeded.map((s) => s.stored.map(({ seq: _seq, hasLog: _hasLog, ...e }) => e)),
    plan.map((d) => d.events.map((e) => ({ count: 1, ...e }))),
  );

  const server = await startServer({ dataDir });
  try {
    const client = gamelift(server.endpoint, "us-east-1");
    for (const { fleet, events } of seeded) {
      const read = await readLog(client, fleet.fleetId, 25);
      assert.deepEqual(toWire(read), expectedLog(events), `the full log of ${fleet.name}`);
      assert.equal(
        finalStatus(
          toWire(read)
            .reverse()
            .map((e) => ({ eventCode: e.EventCode })),
        ),
        fleet.status,
      );
      // A stage log is served at its pre-signed URL, as written.
      const withLog = read.find((e) => e.PreSignedLogUrl);
      const res = await fetch(withLog!.PreSignedLogUrl!);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), events.find((e) => e.eventId === withLog!.EventId)!.log);
    }
    const live = seeded.filter((s) => !s.fleet.deleted);
    const attributes = await client.send(new DescribeFleetAttributesCommand({ FleetIds: seeded.map((s) => s.fleet.fleetId) }));
    assert.deepEqual(
      attributes.FleetAttributes!.map((a) => [a.FleetId, a.Status, a.Name, a.FleetType, a.CreationTime!.getTime()]),
      live.map(({ fleet }) => [fleet.fleetId, fleet.status, fleet.name, fleet.attributes.FleetType, fleet.creationTimeMs]),
    );
    assert.deepEqual(
      attributes.FleetAttributes!.map((a) => a.Status),
      ["ACTIVE", "ACTIVE", "ERROR", "ACTIVE", "ACTIVE"],
    );
    const listed = await client.send(new ListFleetsCommand({}));
    assert.deepEqual(
      listed.FleetIds,
      live.map((s) => s.fleet.fleetId),
      "the deleted fleet is not listed; its events stay readable",
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function runSeed(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, "seed", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("liftlog seed writes into the data dir of a running server, and prints what to try", async (t) => {
  const server = await startServer();
  try {
    const endTime = Math.floor(Date.now() / 1000) - 60;
    const args = [
      "--data-dir",
      server.dataDir,
      "--random-seed",
      "99",
      "--end-time",
      String(endTime),
      "--fleets",
      "5",
      "--days",
      "3",
      "--region",
      "eu-west-1",
      "--account",
      "111122223333",
    ];
    const { code, stdout, stderr } = await runSeed(args);
    assert.equal(code, 0, stderr);
    const plan = planDemo({
      scope: { accountId: "111122223333", region: "eu-west-1" },
      fleets: 5,
      days: 3,
      randomSeed: 99,
      endTimeMs: endTime * 1000,
    });
    const lines = stdout.trimEnd().split("\n");
    assert.match(
      lines[0]!,
      /^Seeded 5 fleets, [\d,]+ events over 3 days into .* \(region eu-west-1, account 111122223333, --random-seed 99\)$/,
    );
    assert.deepEqual(
      lines.slice(1, 6).map((l) => l.trim().split(/\s+/).slice(0, 2)),
      plan.map((d) => [d.fleet.fleetId, d.fleet.status]),
    );
    const first = plan[0]!.fleet.fleetId;
    const command = `AWS_ACCESS_KEY_ID=111122223333 AWS_SECRET_ACCESS_KEY=liftlog aws gamelift describe-fleet-events --endpoint-url http://127.0.0.1:4580 --region eu-west-1 --fleet-id ${first}`;
    assert.equal(lines.at(-1)!.trim(), command);

    await assertReadsBack(gamelift(server.endpoint, "eu-west-1", "111122223333"), plan);
    await assert.rejects(
      readLog(gamelift(server.endpoint, "eu-west-1"), first, 100),
      { name: "NotFoundException" },
      "other accounts do not see the fleets",
    );

    const again = await runSeed(args);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`^liftlog seed: fleet ${first} already exists in account 111122223333, region eu-west-1: .*Nothing was written`),
    );
    assert.doesNotMatch(again.stderr, /\n\s+at /);

    const missing = pythonToolsMissing();
    if (missing) return t.skip(missing);
    // The printed command, pointed at this server's port, reads the same log.
    const [env, cli] = command.split(" aws ") as [string, string];
    const aws = spawnSync("aws", [...cli.replace("http://127.0.0.1:4580", server.endpoint).split(" "), "--output", "json"], {
      encoding: "utf8",
      env: { ...process.env, ...Object.fromEntries(env.split(" ").map((kv) => kv.split("="))) },
    });
    assert.equal(aws.status, 0, aws.stderr);
    const ids = (JSON.parse(aws.stdout) as { Events: { EventId: string }[] }).Events.map((e) => e.EventId);
    assert.deepEqual(
      ids,
      expectedLog(plan[0]!.events).map((e) => e.EventId),
    );
  } finally {
    await server.dispose();
  }
});

test("liftlog seed --db fills a PostgreSQL database while a server runs on it", async (t) => {
  const missing = await pgUnavailable();
  if (missing) return t.skip(missing);
  const db = await createTestDatabase();
  const server = await startServer({ args: ["--db", db.url] });
  try {
    const endTime = Math.floor(Date.now() / 1000) - 60;
    const { code, stdout, stderr } = await runSeed([
      "--db",
      db.url,
      "--random-seed",
      "5",
      "--end-time",
      String(endTime),
      "--fleets",
      "4",
      "--days",
      "2",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Seeded 4 fleets, [\d,]+ events over 2 days into postgres/);
    assert.match(stdout, /Try it, with 'liftlog serve --db postgres/);
    const plan = planDemo({
      scope: { accountId: "000000000000", region: "us-east-1" },
      fleets: 4,
      days: 2,
      randomSeed: 5,
      endTimeMs: endTime * 1000,
    });
    await assertReadsBack(gamelift(server.endpoint, "us-east-1"), plan);
  } finally {
    await server.dispose();
    await db.drop();
  }
});

test("bad seed flags: a clear message and exit code 2, nothing written", async () => {
  const dataDir = join(tmpdir(), `liftlog-seed-never-${process.pid}`);
  const cases: [string[], RegExp][] = [
    [["--fleets", "0"], /--fleets must be a whole number from 1 to 1000, got '0'/],
    [["--fleets", "six"], /--fleets must be a whole number from 1 to 1000, got 'six'/],
    [["--fleets", "2.5"], /--fleets must be a whole number/],
    [["--days=-1"], /--days must be a whole number from 1 to 365, got '-1'/],
    [["--days", "1000"], /--days must be a whole number from 1 to 365/],
    [["--random-seed", "x"], /--random-seed must be a whole number from 0 to 4294967295/],
    [["--region", "mars-1"], /--region 'mars-1' is not a GameLift region/],
    [["--account", "12345"], /--account must be a 12-digit AWS account ID, got '12345'/],
    [["--db", "mysql://localhost/x"], /--db must be a postgres:\/\/ or postgresql:\/\/ URL, got 'mysql:\/\/localhost\/x'/],
    [["--end-time", "yesterday"], /--end-time must be epoch seconds .* or an ISO 8601 time/],
    [["--fleets"], /Option '--fleets <value>' argument missing/],
    [["--color"], /unknown option '--color'/],
    [["extra"], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await runSeed(["--data-dir", dataDir, ...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, new RegExp(`^liftlog seed: ${message.source}`), args.join(" "));
    assert.match(stderr, /Run 'liftlog seed --help' for the options\.\n$/);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.equal(stdout, "");
  }
  const memory = await runSeed(["--data-dir", ":memory:"]);
  assert.equal(memory.code, 2);
  assert.match(memory.stderr, /--data-dir :memory: would be thrown away/);
  assert.equal(existsSync(dataDir), false, "nothing was written");
  const help = await runSeed(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--random-seed N/);
});
