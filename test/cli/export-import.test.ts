/**
 * `liftlog export` and `liftlog import` through the real binary between two real servers: 100,000
 * events round trip with equal content (IDs, order, counts, logs), on a heap too small to hold
 * them (streaming); CSV too; a bad line is named, its batch and the rest are not stored, and
 * --from-line continues after the fix; a second import of the same file stores nothing twice.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ingest, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { comparable, hasEscapes, liftlog, liftlogOk, readLog, run } from "./support.js";

const REGION = "us-west-2";
const COUNT = 100_000;

function fleetEvents(n: number, base: number): IngestedEvent[] {
  const codes = ["SERVER_PROCESS_CRASHED", "FLEET_SCALING_EVENT", "INSTANCE_INTERRUPTED", "FLEET_STATE_ACTIVE"];
  return Array.from({ length: n }, (_, i) => ({
    EventCode: codes[i % codes.length]!,
    Message: i % 97 === 0 ? `ünïcode "quoted", comma\nnew line ${i}` : `event ${i}`,
    // Three events share each millisecond: their order must survive the trip.
    EventTime: base + Math.floor(i / 3) / 1000,
    ...(i % 5 === 0 ? { ResourceId: `i-${i % 50}` } : {}),
    ...(i % 1000 === 0 ? { Log: `log text of ${i}\nsecond line` } : {}),
    ...(i % 7 === 0 ? { Count: 1 + (i % 100) } : {}),
  })) as IngestedEvent[];
}

describe("liftlog export and import", () => {
  let source: RunningServer;
  let target: RunningServer;
  let dir: string;
  before(async () => {
    [source, target] = await Promise.all([startServer(), startServer()]);
    dir = mkdtempSync(join(tmpdir(), "liftlog-export-"));
  });
  after(async () => {
    await Promise.all([source?.dispose(), target?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const connection = (server: RunningServer) => ["--endpoint-url", server.endpoint, "--region", REGION];
  /** A fleet's whole log as NDJSON lines, through `liftlog events`. */
  const log = (server: RunningServer, fleet: string) => readLog(server.endpoint, fleet, REGION);

  it("100,000 events: export to NDJSON, import elsewhere, equal content, in a heap too small to buffer them", async () => {
    const { FleetId, FleetArn } = await registerFleet(source.endpoint, REGION);
    const events = fleetEvents(COUNT, 1_700_000_000);
    await ingest(source.endpoint, FleetId, events, 10_000, REGION);
    const file = join(dir, "fleet.ndjson");
    // 40 MB of heap: the 100,000 events (tens of MB as objects) only fit when streamed.
    const small = (args: string[]) => run(process.execPath, ["--max-old-space-size=40", BIN, ...args]);
    const exported = await small(["export", "--fleet-id", FleetId, ...connection(source), "--out", file]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /Exported 100,000 events/);
    const imported = await small(["import", file, "--endpoint-url", target.endpoint]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /Imported 100,000 events/);
    assert.ok(!hasEscapes(exported.stderr + imported.stderr), "no progress bar when stderr is not a terminal");

    const [before, after] = await Promise.all([log(source, FleetArn), log(target, FleetArn)]);
    assert.equal(before.length, COUNT);
    assert.deepEqual(comparable(after), comparable(before));
    // The file carries each log's text; the copy serves the same text from its own log URLs.
    const logged = after.filter((l) => l.PreSignedLogUrl);
    assert.equal(logged.length, COUNT / 1000);
    for (const line of logged.slice(0, 20)) {
      const i = Number(/(\d+)$/.exec(String(line.Message))![1]);
      assert.equal(await (await fetch(line.PreSignedLogUrl!)).text(), `log text of ${i}\nsecond line`);
    }
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, COUNT);
    assert.equal((JSON.parse(lines[0]!) as { FleetId: string }).FleetId, FleetArn);

    const again = await liftlog(["import", file, "--endpoint-url", target.endpoint, "--batch-size", "10000"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ConflictException: An EventId of this batch is already stored/);
    assert.equal((await log(target, FleetArn)).length, COUNT, "a second import stores nothing twice");
  });

  it("CSV: export and import keep the same content", async () => {
    const { FleetId, FleetArn } = await registerFleet(source.endpoint, REGION);
    await ingest(source.endpoint, FleetId, fleetEvents(700, 1_710_000_000), 5000, REGION);
    const file = join(dir, "fleet.csv");
    await liftlogOk(["export", "--fleet-id", FleetId, ...connection(source), "--out", file]);
    assert.match(readFileSync(file, "utf8").split("\n")[0]!, /^FleetId,EventId,ResourceId,EventCode,Message,EventTime,Count,Log$/);
    await liftlogOk(["import", file, "--endpoint-url", target.endpoint, "--batch-size", "100"]);
    assert.deepEqual(comparable(await log(target, FleetArn)), comparable(await log(source, FleetArn)));
  });

  it(
    "on a terminal, a progress bar with rate and ETA",
    { skip: spawnSync("script", ["--version"]).status !== 0 && "no script command" },
    async () => {
      const { FleetId } = await registerFleet(source.endpoint, REGION);
      await ingest(source.endpoint, FleetId, fleetEvents(50, 1_730_000_000), 5000, REGION);
      const file = join(dir, "tty.ndjson");
      // The bar measures the time span covered: from the newest event back to --start-time (else the fleet's creation).
      const command = [
        process.execPath,
        BIN,
        "export",
        "--fleet-id",
        FleetId,
        ...connection(source),
        "--out",
        file,
        "--start-time",
        "1729999999",
      ];
      const onTerminal = await run("script", ["-qec", command.map((a) => `'${a}'`).join(" "), "/dev/null"]);
      assert.equal(onTerminal.code, 0, onTerminal.stdout);
      assert.match(onTerminal.stdout, /exporting \|.*\| \d+% \| \d+ events \| \d+ events\/s \| ETA/);
      assert.equal(readFileSync(file, "utf8").trimEnd().split("\n").length, 50);
    },
  );

  it("a bad line is named; batches before it stay stored, its batch and the rest do not; --from-line continues", async () => {
    const { FleetId, FleetArn } = await registerFleet(source.endpoint, REGION);
    await ingest(source.endpoint, FleetId, fleetEvents(12, 1_720_000_000), 5000, REGION);
    const good = join(dir, "good.ndjson");
    await liftlogOk(["export", "--fleet-id", FleetId, ...connection(source), "--out", good]);
    const lines = readFileSync(good, "utf8").trimEnd().split("\n");
    const all = await log(source, FleetArn);

    const broken = join(dir, "broken.ndjson");
    writeFileSync(broken, [...lines.slice(0, 7), '{"EventCode": oops', ...lines.slice(8)].join("\n") + "\n");
    const result = await liftlog(["import", broken, "--endpoint-url", target.endpoint, "--batch-size", "3"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^liftlog import: .*broken\.ndjson:8: not valid JSON .*This run stored 6 events, those before line 7; fix the file and run again with --from-line 7\./,
    );
    assert.deepEqual(comparable(await log(target, FleetArn)), comparable(all.slice(0, 6)), "the batches before the bad one, whole");

    const wrongCode = join(dir, "wrong-code.ndjson");
    const bad = { ...(JSON.parse(lines[9]!) as object), EventCode: "FLEET_ON_FIRE" };
    writeFileSync(wrongCode, [...lines.slice(0, 9), JSON.stringify(bad), ...lines.slice(10)].join("\n") + "\n");
    const refused = await liftlog(["import", wrongCode, "--endpoint-url", target.endpoint, "--batch-size", "3", "--from-line", "7"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /wrong-code\.ndjson:10: InvalidRequestException: Value 'FLEET_ON_FIRE' at 'eventCode' failed to satisfy constraint/,
    );
    assert.match(refused.stderr, /This run stored 3 events, those before line 10/);
    assert.deepEqual(comparable(await log(target, FleetArn)), comparable(all.slice(0, 9)));

    await liftlogOk(["import", good, "--endpoint-url", target.endpoint, "--from-line", "10"]);
    assert.deepEqual(comparable(await log(target, FleetArn)), comparable(all));

    const missing = await liftlog(["import", join(dir, "nope.ndjson"), "--endpoint-url", target.endpoint]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^liftlog import: cannot read .*nope\.ndjson: ENOENT/);
    const noFile = await liftlog(["import", "--endpoint-url", target.endpoint]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /give the FILE to import/);
  });
});
