/**
 * `liftlog events` through the real binary against a real server: with --output json (and text)
 * its bytes equal `aws gamelift describe-fleet-events`' for the same flags; --query, filters,
 * friendly times, tables, NDJSON; no escape codes when piped; one-line errors with a fix.
 */
import { spawnSync } from "node:child_process";
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BIN as BIN_PATH,
  ingest,
  pythonToolsMissing,
  registerFleet,
  startServer,
  type IngestedEvent,
  type RunningServer,
} from "../helpers/server.js";
import { hasEscapes, liftlog, liftlogOk, run } from "./support.js";

const BASE = 1_700_000_000;
const CODES = ["FLEET_STATE_ACTIVE", "SERVER_PROCESS_CRASHED", "FLEET_SCALING_EVENT", "INSTANCE_INTERRUPTED", "LOCATION_STATE_ACTIVE"];

/** 240 events: ties at one millisecond, logs, repeat counts, non-ASCII, quotes, tabs and newlines in messages. */
function makeEvents(): IngestedEvent[] {
  return Array.from({ length: 240 }, (_, i) => ({
    EventCode: CODES[i % CODES.length]!,
    Message: i % 7 === 0 ? `Crash ✗ "core" #${i}\n\tline two` : `event ${i} — ok`,
    EventTime: BASE + Math.floor(i / 3) * 1.25 + (i % 3 === 2 ? 0 : 0.001),
    ResourceId: i % 4 === 0 ? `i-${i}` : undefined,
    ...(i % 11 === 0 ? { Log: `log of ${i}` } : {}),
    ...(i % 5 === 1 ? { Count: 1 + (i % 9) } : {}),
  })) as IngestedEvent[];
}

/** The signed log URLs are minted fresh each call (Expires = now + 15 min): compare them without their signature. */
const unsign = (text: string) => text.replace(/Expires=\d+&Signature=[0-9a-f]+/g, "Expires=X&Signature=X");

const missing = pythonToolsMissing();

describe("liftlog events", () => {
  let server: RunningServer;
  let fleetId: string;
  let fleetArn: string;
  const connection = () => ["--endpoint-url", server.endpoint, "--region", "us-west-2"];
  const events = (args: string[], env?: Record<string, string>) =>
    liftlogOk(["events", "--fleet-id", fleetId, ...connection(), ...args], env);
  const aws = async (args: string[]) => {
    const result = await run("aws", [
      "gamelift",
      "describe-fleet-events",
      "--endpoint-url",
      server.endpoint,
      "--fleet-id",
      fleetId,
      ...args,
    ]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  before(async () => {
    server = await startServer();
    ({ FleetId: fleetId, FleetArn: fleetArn } = await registerFleet(server.endpoint));
    await ingest(server.endpoint, fleetId, makeEvents());
  });
  after(async () => {
    await server?.dispose();
  });

  describe("equals the AWS CLI's output", { skip: missing }, () => {
    const flagSets = [
      ["--output", "json"],
      ["--output", "json", "--max-items", "7", "--page-size", "3"],
      ["--output", "json", "--max-items", "50"],
      ["--output", "json", "--page-size", "1", "--max-items", "4"],
      ["--output", "json", "--start-time", String(BASE + 20), "--end-time", String(BASE + 40)],
      ["--output", "json", "--start-time", String(BASE + 20), "--max-items", "5", "--page-size", "2"],
      ["--output", "json", "--no-paginate"],
      ["--output", "json", "--query", "Events[?Count > `3`].[EventCode, Message, Count]"],
      ["--output", "json", "--query", "Events[0]"],
      ["--output", "json", "--max-items", "3", "--query", "NextToken"],
      ["--output", "json", "--query", "length(Events)"],
      ["--output", "json", "--start-time", String(BASE + 10_000)],
      ["--output", "text"],
      ["--output", "text", "--max-items", "10", "--page-size", "4"],
      ["--output", "text", "--query", "Events[].[EventTime, EventCode]"],
      ["--output", "text", "--no-paginate", "--start-time", String(BASE + 100)],
    ];
    for (const flags of flagSets) {
      it(flags.join(" "), async () => {
        const [ours, theirs] = await Promise.all([events(flags), aws(flags)]);
        assert.ok(theirs.length > 0 || flags.includes("text"), "aws printed something");
        assert.equal(unsign(ours), unsign(theirs));
      });
    }

    it("resumes from its own NextToken as aws does from it, and aws's token resumes liftlog", async () => {
      const first = JSON.parse(await events(["--output", "json", "--max-items", "13", "--page-size", "5"])) as { NextToken: string };
      assert.ok(first.NextToken);
      const rest = ["--output", "json", "--starting-token", first.NextToken, "--max-items", "20"];
      assert.equal(unsign(await events(rest)), unsign(await aws(rest)));
      const theirs = JSON.parse(await aws(["--output", "json", "--max-items", "9"])) as { NextToken: string };
      const onward = ["--output", "json", "--starting-token", theirs.NextToken, "--page-size", "7"];
      assert.equal(unsign(await events(onward)), unsign(await aws(onward)));
    });

    it("takes ISO 8601 and relative times for what aws needs epoch seconds for", async () => {
      const iso = ["--start-time", new Date((BASE + 20) * 1000).toISOString(), "--end-time", "2023-11-14T22:14:00Z"];
      const epoch = ["--start-time", String(BASE + 20), "--end-time", String(Date.parse("2023-11-14T22:14:00Z") / 1000)];
      assert.equal(unsign(await events(["--output", "json", ...iso])), unsign(await aws(["--output", "json", ...epoch])));
    });
  });

  it("reads relative times back from now", async () => {
    const { FleetId } = await registerFleet(server.endpoint);
    const now = Date.now() / 1000;
    await ingest(server.endpoint, FleetId, [
      { EventCode: "FLEET_CREATED", Message: "three hours ago", EventTime: now - 3 * 3600 },
      { EventCode: "FLEET_STATE_DOWNLOADING", Message: "ninety minutes ago", EventTime: now - 5400 },
      { EventCode: "FLEET_STATE_ACTIVE", Message: "a minute ago", EventTime: now - 60 },
    ]);
    const out = await liftlogOk(["events", "--fleet-id", FleetId, ...connection(), "--start-time", "2h", "--output", "json"]);
    assert.deepEqual(
      (JSON.parse(out) as { Events: { Message: string }[] }).Events.map((e) => e.Message),
      ["a minute ago", "ninety minutes ago"],
    );
    const older = await liftlogOk(["events", "--fleet-id", FleetId, ...connection(), "--end-time", "2h", "--output", "json"]);
    assert.deepEqual(
      (JSON.parse(older) as { Events: { Message: string }[] }).Events.map((e) => e.Message),
      ["three hours ago"],
    );
  });

  it("--code and --category keep only those events, in order, and --max-items counts what is kept", async () => {
    const all = (JSON.parse(await events(["--output", "json"])) as { Events: { EventCode: string; EventId: string }[] }).Events;
    const same = (a: unknown, b: unknown) => assert.equal(unsign(JSON.stringify(a)), unsign(JSON.stringify(b)));
    const crashes = JSON.parse(await events(["--output", "json", "--code", "SERVER_PROCESS_CRASHED"])) as { Events: unknown[] };
    same(
      crashes.Events,
      all.filter((e) => e.EventCode === "SERVER_PROCESS_CRASHED"),
    );
    const some = JSON.parse(await events(["--output", "json", "--category", "spot,location", "--max-items", "10"])) as {
      Events: { EventCode: string; EventId: string }[];
      NextToken: string;
    };
    const wanted = all.filter((e) => e.EventCode === "INSTANCE_INTERRUPTED" || e.EventCode === "LOCATION_STATE_ACTIVE");
    same(some.Events, wanted.slice(0, 10));
    const rest = JSON.parse(
      await events(["--output", "json", "--category", "spot", "--category", "location", "--starting-token", some.NextToken]),
    ) as {
      Events: unknown[];
    };
    same(rest.Events, wanted.slice(10));
  });

  it("--output ndjson: one event a line with its fleet's ARN, every event once, newest first", async () => {
    const all = (JSON.parse(await events(["--output", "json"])) as { Events: Record<string, unknown>[] }).Events;
    const lines = (await events(["--output", "ndjson", "--page-size", "17"]))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(unsign(JSON.stringify(lines)), unsign(JSON.stringify(all.map((e) => ({ FleetId: fleetArn, ...e })))));
  });

  it("--output table, piped: a readable table of every event and no escape codes; none in any format", async () => {
    const table = await events(["--output", "table", "--max-items", "12"]);
    const rows = table.trimEnd().split("\n");
    assert.match(rows[0]!, /^TIME \(UTC\)\s+EVENT\s+RESOURCE\s+COUNT\s+MESSAGE$/);
    assert.equal(rows.length, 1 + 12 + 1);
    assert.match(rows.at(-1)!, /^NextToken: \S+$/);
    for (const out of [table, await events([]), await events(["--output", "text"]), await events(["--output", "ndjson"])]) {
      assert.ok(!hasEscapes(out), "no escape codes when stdout is not a terminal");
    }
    // Not a terminal: the default is the AWS CLI's json.
    assert.equal(unsign(await events([])), unsign(await events(["--output", "json"])));
  });

  it("on a terminal: colour by severity, none with NO_COLOR", { skip: !hasScript() && "the script command is not installed" }, async () => {
    const onTerminal = async (env: Record<string, string>) => {
      const command = [
        process.execPath,
        BIN_PATH,
        "events",
        "--fleet-id",
        fleetId,
        ...connection(),
        "--code",
        "SERVER_PROCESS_CRASHED",
        "--max-items",
        "2",
      ];
      const result = await run("script", ["-qec", command.map(shellQuote).join(" "), "/dev/null"], env);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return result.stdout;
    };
    const coloured = await onTerminal({});
    const red = coloured.split("\n").filter((line) => line.startsWith("\x1b[31m"));
    assert.equal(red.length, 2, `both crashes are red on a terminal: ${coloured}`);
    assert.ok(red.every((line) => line.includes("SERVER_PROCESS_CRASHED")));
    assert.ok(!hasEscapes(await onTerminal({ NO_COLOR: "1" })), "NO_COLOR turns colour off");
  });

  it("errors: one line naming the problem and the fix, non-zero exit, no stack unless --debug", async () => {
    const cases: [string[], RegExp, number][] = [
      [
        ["--fleet-id", "fleet-00000000-0000-0000-0000-000000000000", ...connection()],
        /^liftlog events: NotFoundException .*not found.*liftlog fleets/,
        1,
      ],
      [["--fleet-id", fleetId, ...connection(), "--start-time", "yesterday"], /^liftlog events: --start-time must be epoch seconds/, 2],
      [["--fleet-id", fleetId, ...connection(), "--start-time", "1h", "--end-time", "2h"], /--start-time .* is after --end-time/, 2],
      [
        ["--fleet-id", fleetId, "--endpoint-url", "http://127.0.0.1:9", "--region", "us-west-2"],
        /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\. Is 'liftlog serve' running\?/,
        1,
      ],
      [["--fleet-id", fleetId, ...connection(), "--output", "yaml"], /--output must be one of json, text, table, ndjson/, 2],
      [["--fleet-id", fleetId, ...connection(), "--starting-token", "bm9wZQ=="], /InvalidRequestException .*Invalid NextToken/, 1],
      [
        ["--fleet-id", fleetId, ...connection(), "--no-paginate", "--max-items", "2"],
        /Cannot specify --no-paginate along with pagination arguments: --max-items/,
        2,
      ],
      [["--fleet-id", "no-such-name", ...connection()], /no fleet is named 'no-such-name'/, 1],
      [[...connection()], /--fleet-id is required/, 2],
      [["--fleet-id", fleetId, ...connection(), "--category", "weather"], /--category 'weather' is not one of state, creation/, 2],
    ];
    for (const [args, pattern, code] of cases) {
      const result = await liftlog(["events", ...args]);
      assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr.split("\n")[0]!, pattern);
      assert.ok(!/\n\s+at /.test(result.stderr), `no stack trace: ${result.stderr}`);
      assert.equal(result.stdout, "");
    }
    const debug = await liftlog(["events", "--fleet-id", fleetId, "--endpoint-url", "http://127.0.0.1:9", "--debug"]);
    assert.match(debug.stderr, /\n\s+at /, "--debug prints the stack");
  });
});

function hasScript(): boolean {
  return spawnSync("script", ["--version"]).status === 0;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
