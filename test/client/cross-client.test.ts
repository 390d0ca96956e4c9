/**
 * Resume tokens shared between liftlog/client, boto3's paginator and the AWS CLI, on one liftlog
 * server: for the same data and PaginationConfig the tokens are byte-identical, and a walk started
 * by any of them is finished correctly by the others.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DescribeFleetEventsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { paginateDescribeFleetEvents, type PaginationConfig } from "../../src/client/index.js";
import { expectedOrder, gamelift, ingest, pythonToolsMissing, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { AWS_ENV, runPython, sampleEvents, tokenJson } from "./support.js";

const REGION = "us-west-2";
const missing = pythonToolsMissing();

type BotoRun = { ids: string[]; pageSizes: number[]; token: string | null } | { error: string };

let server: RunningServer;
let client: GameLiftClient;
let fleetId: string;
let expected: string[];

async function ours(config: PaginationConfig) {
  const pages = paginateDescribeFleetEvents(client, { FleetId: fleetId }, config);
  const ids: string[] = [];
  const pageSizes: number[] = [];
  for await (const page of pages) {
    ids.push(...page.Events!.map((e) => e.EventId!));
    pageSizes.push(page.Events!.length);
  }
  return { ids, pageSizes, token: pages.resumeToken ?? null };
}

async function boto3(runs: PaginationConfig[]): Promise<{ ids: string[]; pageSizes: number[]; token: string | null }[]> {
  const results = await runPython<BotoRun[]>("boto3_paginate.py", { endpoint: server.endpoint, region: REGION, fleetId, runs });
  return results.map((r, i) => {
    if ("error" in r) throw new Error(`boto3 run ${JSON.stringify(runs[i])} failed: ${r.error}`);
    return r;
  });
}

/** `aws gamelift describe-fleet-events` with the given extra arguments; returns its JSON output. */
function awsCli(args: string[]): { Events: { EventId: string }[]; NextToken?: string } {
  const result = spawnSync(
    "aws",
    [
      "gamelift",
      "describe-fleet-events",
      "--fleet-id",
      fleetId,
      "--endpoint-url",
      server.endpoint,
      "--region",
      REGION,
      "--output",
      "json",
      ...args,
    ],
    { encoding: "utf8", env: AWS_ENV, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Where in the log a config's walk starts, so each run's events can be checked against the log itself. */
function assertWalk(run: { ids: string[] }, from: number, count: number, label: string) {
  assert.deepEqual(run.ids, expected.slice(from, from + count), label);
}

describe("resume tokens across liftlog/client, boto3 and the AWS CLI", () => {
  before(async () => {
    if (missing) return;
    server = await startServer();
    client = gamelift(server.endpoint, REGION);
    const fleet = await registerFleet(server.endpoint, REGION);
    fleetId = fleet.FleetId;
    const events = sampleEvents(600, "cross");
    expected = expectedOrder(await ingest(server.endpoint, fleet.FleetArn, events), events);
  });
  after(() => server?.dispose());

  it("the same configs give byte-identical resume tokens and the same pages; each resumes the other's token", async (t) => {
    if (missing) return t.skip(missing);
    const firsts: { config: PaginationConfig; from: number; count: number }[] = [
      { config: { MaxItems: 250 }, from: 0, count: 250 }, // stops inside the third default page
      { config: { MaxItems: 200, PageSize: 100 }, from: 0, count: 200 }, // stops on a page boundary
      { config: { MaxItems: 5, PageSize: 7 }, from: 0, count: 5 }, // inside the first page: NextToken null
      { config: { MaxItems: 0, PageSize: 7 }, from: 0, count: 0 },
      { config: { MaxItems: 599, PageSize: 50 }, from: 0, count: 599 },
    ];
    const mine = await Promise.all(firsts.map((f) => ours(f.config)));
    const theirs = await boto3(firsts.map((f) => f.config));
    firsts.forEach((f, i) => {
      const label = JSON.stringify(f.config);
      assertWalk(mine[i]!, f.from, f.count, `liftlog/client ${label}`);
      assert.deepEqual(
        theirs[i],
        mine[i],
        `boto3 and liftlog/client differ for ${label}: ${tokenJson(theirs[i]!.token ?? undefined)} vs ${tokenJson(mine[i]!.token ?? undefined)}`,
      );
      assert.notEqual(mine[i]!.token, null, label);
    });

    // Second legs: boto3's tokens go to liftlog/client and liftlog/client's to boto3, some with MaxItems
    // small enough to stop again inside the first resumed page (a token carrying an offset already).
    const seconds = firsts.flatMap((f, i) =>
      [
        { from: f.from + f.count, config: { PageSize: f.config.PageSize, MaxItems: 3 } },
        { from: f.from + f.count, config: { PageSize: f.config.PageSize, MaxItems: 130 } },
        { from: f.from + f.count, config: { PageSize: f.config.PageSize } },
      ].map((s) => ({ ...s, mineToken: mine[i]!.token!, theirToken: theirs[i]!.token! })),
    );
    const resumedByUs = await Promise.all(seconds.map((s) => ours({ ...s.config, StartingToken: s.theirToken })));
    const resumedByBoto = await boto3(seconds.map((s) => ({ ...s.config, StartingToken: s.mineToken })));
    seconds.forEach((s, i) => {
      const label = `${JSON.stringify(s.config)} from item ${s.from}`;
      const count = Math.min(s.config.MaxItems ?? Infinity, expected.length - s.from);
      assertWalk(resumedByUs[i]!, s.from, count, `liftlog/client resuming boto3's token, ${label}`);
      assert.deepEqual(resumedByBoto[i], resumedByUs[i], `boto3 resuming liftlog/client's token, ${label}`);
    });
  });

  it("the same deprecated and raw service tokens are read alike by both", async (t) => {
    if (missing) return t.skip(missing);
    const { NextToken } = await client.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: 7 }));
    const configs: PaginationConfig[] = [
      { PageSize: 7, MaxItems: 10, StartingToken: NextToken },
      { PageSize: 7, MaxItems: 10, StartingToken: `${NextToken}___4` },
      { PageSize: 7, MaxItems: 2, StartingToken: `${NextToken}___4` },
    ];
    const mine = await Promise.all(configs.map(ours));
    assert.deepEqual(await boto3(configs), mine);
    assertWalk(mine[0]!, 7, 10, "raw service token");
    assertWalk(mine[1]!, 11, 10, "deprecated token");
    assertWalk(mine[2]!, 11, 2, "deprecated token, stopping in the same page");
  });

  it("a token from liftlog/client continues in `aws gamelift describe-fleet-events --starting-token`, and the CLI's token here", async (t) => {
    if (missing) return t.skip(missing);
    const first = paginateDescribeFleetEvents(client, { FleetId: fleetId }, { PageSize: 7, MaxItems: 45 });
    const firstIds: string[] = [];
    for await (const event of first.items()) firstIds.push(event.EventId!);
    assert.deepEqual(firstIds, expected.slice(0, 45));

    const cliRest = awsCli(["--starting-token", first.resumeToken!, "--page-size", "50"]);
    assert.deepEqual(
      cliRest.Events.map((e) => e.EventId),
      expected.slice(45),
    );
    assert.equal(cliRest.NextToken, undefined);

    const cliSome = awsCli(["--starting-token", first.resumeToken!, "--page-size", "7", "--max-items", "20"]);
    assert.deepEqual(
      cliSome.Events.map((e) => e.EventId),
      expected.slice(45, 65),
    );
    const ourSome = await ours({ PageSize: 7, MaxItems: 20, StartingToken: first.resumeToken });
    assert.equal(cliSome.NextToken, ourSome.token, "the CLI's NextToken and liftlog/client's resume token");

    const rest = paginateDescribeFleetEvents(client, { FleetId: fleetId }, { StartingToken: cliSome.NextToken });
    const restIds: string[] = [];
    for await (const event of rest.items()) restIds.push(event.EventId!);
    assert.deepEqual(restIds, expected.slice(65));
  });
});
