/**
 * DescribeFleetEvents through boto3's own paginator (PaginationConfig PageSize, MaxItems,
 * StartingToken) against the real server: the FULL log of 10,000 events, newest first, none twice,
 * none missing. Every walk runs in one Python process (test/interop/python/boto3_walks.py), which
 * prints the events; the comparison is made here.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, pythonToolsMissing } from "../helpers/server.js";
import { REGION, assertSameEvents, startWithFleetLog, type FleetLog } from "./fleet-log.js";

const EVENTS = 10_000;
const SCRIPT = join(REPO_ROOT, "test", "interop", "python", "boto3_walks.py");

interface WalkResult {
  name: string;
  lines: string[];
  requests: number;
  resumptions: number;
  seconds: number;
}

/** Runs the walks in one python3 process; resolves with each walk's result by name. */
function runWalks(
  endpoint: string,
  walks: { name: string; fleet: string; config: Record<string, number> }[],
): Promise<Map<string, WalkResult>> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [SCRIPT, endpoint, REGION, JSON.stringify(walks)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`boto3_walks.py exited with ${code}:\n${stderr}`));
      const results = stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as WalkResult);
      resolve(new Map(results.map((r) => [r.name, r])));
    });
  });
}

const missing = pythonToolsMissing();
if (missing) console.log(`# skipping boto3 interop: ${missing}`);

describe("DescribeFleetEvents: boto3 paginator over 10,000 events", { skip: missing }, () => {
  let log: FleetLog;
  let results: Map<string, WalkResult>;
  const walks: { name: string; byArn?: boolean; config: Record<string, number>; resumes?: number }[] = [
    { name: "PageSize 1", config: { PageSize: 1 } },
    { name: "PageSize 7", config: { PageSize: 7 } },
    { name: "PageSize 100, by ARN", byArn: true, config: { PageSize: 100 } },
    { name: "no PageSize (server default)", config: {} },
    // Resumed walks: MaxItems on a page boundary, and inside a page (botocore then resumes the
    // same server page and drops what it already returned).
    { name: "MaxItems 2500 PageSize 100, resumed", config: { MaxItems: 2500, PageSize: 100 }, resumes: 3 },
    { name: "MaxItems 333 PageSize 70, resumed mid-page", config: { MaxItems: 333, PageSize: 70 }, resumes: 30 },
    { name: "MaxItems 1000 no PageSize, resumed", config: { MaxItems: 1000 }, resumes: 9 },
    { name: "MaxItems 999 PageSize 1000, resumed mid-page", config: { MaxItems: 999, PageSize: 1000 }, resumes: 10 },
  ];

  before(async () => {
    log = await startWithFleetLog(EVENTS);
    results = await runWalks(
      log.server.endpoint,
      walks.map((w) => ({ name: w.name, fleet: w.byArn ? log.fleetArn : log.fleetId, config: w.config })),
    );
    for (const r of results.values()) console.log(`# boto3 ${r.name}: ${r.requests} requests in ${r.seconds} s`);
  });
  after(async () => {
    await log?.server.dispose();
  });

  for (const walk of walks) {
    it(`${walk.name}: every event once, newest first`, () => {
      const result = results.get(walk.name);
      assert.ok(result, `no result for ${walk.name}`);
      assertSameEvents(result.lines, log.expected, `boto3 ${walk.name}`);
      if (walk.resumes !== undefined) assert.equal(result.resumptions, walk.resumes, "StartingToken resumptions");
      if (walk.config.PageSize && !walk.config.MaxItems) assert.equal(result.requests, Math.ceil(EVENTS / walk.config.PageSize));
    });
  }
});
