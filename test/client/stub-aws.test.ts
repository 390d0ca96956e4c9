/**
 * liftlog/client against a small stub of the AWS GameLift endpoint (not of liftlog): behaviour that
 * needs a misbehaving or slow service — a NextToken repeated, an error on a later page, a request
 * still in flight when the walk is aborted — and what the paginator puts on the wire.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NotFoundException, type DescribeFleetEventsCommandOutput } from "@aws-sdk/client-gamelift";
import { paginate, paginateDescribeFleetEvents, PaginationError, type PaginationConfig } from "../../src/client/index.js";
import { PAGINATOR_DEFINITIONS, type PaginatorDefinition } from "../../src/client/operations.js";
import { gamelift, pythonToolsMissing } from "../helpers/server.js";
import { botoToken, runPython } from "./support.js";

interface SeenRequest {
  target: string;
  body: Record<string, unknown>;
}

interface Reply {
  status?: number;
  body: unknown;
  /** Holds the response back this long (the walk is aborted meanwhile). */
  delayMs?: number;
}

/** Answers request number n (from 0) with reply(n, body); records every request. */
let reply: (n: number, body: Record<string, unknown>) => Reply;
let seen: SeenRequest[] = [];
let stub: Server;
let endpoint: string;

function page(ids: string[], nextToken?: string) {
  return {
    Events: ids.map((id) => ({
      EventId: id,
      ResourceId: "fleet-1",
      EventCode: "GENERIC_EVENT",
      Message: id,
      EventTime: 1700000000.5,
      Count: 1,
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
  let answer: Reply;
  try {
    answer = reply(seen.length, body);
  } catch (error) {
    // A request the test did not foresee is answered (as a failure), never left hanging.
    answer = { status: 400, body: { __type: "StubCannotAnswer", message: String(error) } };
  }
  seen.push({ target: String(req.headers["x-amz-target"]), body });
  const timer = setTimeout(() => {
    res.writeHead(answer.status ?? 200, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": `stub-${seen.length}` });
    res.end(JSON.stringify(answer.body));
  }, answer.delayMs ?? 0);
  res.on("close", () => clearTimeout(timer));
}

async function collect<T>(items: AsyncIterable<T>, into: T[] = []): Promise<T[]> {
  for await (const item of items) into.push(item);
  return into;
}

describe("liftlog/client against a stub of the AWS endpoint", () => {
  before(async () => {
    stub = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });
  after(async () => {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  it("sends the input, PageSize as Limit and each NextToken in turn", async () => {
    seen = [];
    reply = (n) => ({ body: n < 2 ? page([`e${n}a`, `e${n}b`], `token-${n}`) : page(["last"]) });
    const ids = await collect(
      paginate(
        gamelift(endpoint),
        "DescribeFleetEvents",
        { FleetId: "fleet-1", StartTime: new Date(1_700_000_000_000) },
        { PageSize: 2 },
      ).search("Events[].EventId"),
    );
    assert.deepEqual(ids, ["e0a", "e0b", "e1a", "e1b", "last"]);
    assert.deepEqual(
      seen.map((r) => [r.target, r.body]),
      [
        ["GameLift.DescribeFleetEvents", { FleetId: "fleet-1", StartTime: 1_700_000_000, Limit: 2 }],
        ["GameLift.DescribeFleetEvents", { FleetId: "fleet-1", StartTime: 1_700_000_000, Limit: 2, NextToken: "token-0" }],
        ["GameLift.DescribeFleetEvents", { FleetId: "fleet-1", StartTime: 1_700_000_000, Limit: 2, NextToken: "token-1" }],
      ],
    );
  });

  it("the same NextToken received twice is a PaginationError, after both pages were delivered (as botocore)", async () => {
    seen = [];
    reply = () => ({ body: page(["same-event"], "same-token") });
    const pages: DescribeFleetEventsCommandOutput[] = [];
    const walk = paginateDescribeFleetEvents(gamelift(endpoint), { FleetId: "fleet-1" });
    await assert.rejects(
      collect(walk, pages),
      (error: unknown) =>
        error instanceof PaginationError &&
        error.message === 'DescribeFleetEvents (page 2): The same next token was received twice: {"NextToken":"same-token"}',
    );
    assert.equal(pages.length, 2);
    assert.equal(seen.length, 2);
    assert.equal(walk.resumeToken, botoToken("same-token"));
  });

  it("an error on a later page is the SDK's typed exception with the page number; the token resumes at that page", async () => {
    seen = [];
    reply = (n) =>
      n < 2
        ? { body: page([`e${n}`], `token-${n}`) }
        : { status: 400, body: { __type: "NotFoundException", message: "Fleet fleet-1 was deleted." } };
    const walk = paginateDescribeFleetEvents(gamelift(endpoint), { FleetId: "fleet-1" });
    const ids: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of walk.items()) ids.push(event.EventId!);
      })(),
      (error: unknown) =>
        error instanceof NotFoundException &&
        error.message === "DescribeFleetEvents (page 3): Fleet fleet-1 was deleted." &&
        error.$metadata.requestId === "stub-3" &&
        error.stack!.startsWith("NotFoundException: DescribeFleetEvents (page 3): Fleet fleet-1 was deleted.\n"),
    );
    assert.deepEqual(ids, ["e0", "e1"]);
    assert.equal(walk.resumeToken, botoToken("token-1"));
  });

  it("aborting cancels the request in flight and rejects with the signal's reason", async () => {
    seen = [];
    reply = (n) => (n === 0 ? { body: page(["e0"], "token-0") } : { body: page(["never"]), delayMs: 30_000 });
    const controller = new AbortController();
    const walk = paginateDescribeFleetEvents(gamelift(endpoint), { FleetId: "fleet-1" }, { abortSignal: controller.signal });
    const ids: string[] = [];
    const started = Date.now();
    // Abort once the second request is at the stub (held there), however slow the machine is.
    const armed = setInterval(() => {
      if (seen.length < 2) return;
      clearInterval(armed);
      controller.abort(new Error("operator stopped the walk"));
    }, 10);
    await assert.rejects(
      (async () => {
        for await (const event of walk.items()) ids.push(event.EventId!);
      })(),
      /operator stopped the walk/,
    );
    assert.ok(Date.now() - started < 5_000, "the pending request was cancelled, not waited for");
    assert.deepEqual(ids, ["e0"]);
    assert.equal(seen.length, 2);
    assert.equal(walk.resumeToken, botoToken("token-0"));
  });

  it("honours the rest of botocore's definition format (more_results, several result keys, non-aggregate keys) as botocore does", async (t) => {
    const missing = pythonToolsMissing();
    if (missing) return t.skip(missing);
    // GameLift's definitions use none of these members, so ListCompute's is swapped for one that uses them
    // all. Its output models only ComputeList and NextToken (the SDKs drop anything else), so NextToken
    // doubles as the secondary (string) result key and the non-aggregate key.
    const definition: PaginatorDefinition = {
      input_token: "NextToken",
      output_token: "NextToken",
      limit_key: "Limit",
      more_results: "NextToken",
      result_key: ["ComputeList", "NextToken"],
      non_aggregate_keys: ["NextToken"],
    };
    const pages: Record<string, { names: string[]; next?: string }> = {
      "": { names: ["c0", "c1", "c2"], next: "t1" },
      t1: { names: ["c3", "c4", "c5"], next: "t2" },
      t2: { names: ["c6"] },
    };
    reply = (_n, body) => {
      const { names, next } = pages[String(body.NextToken ?? "")]!;
      return { body: { ComputeList: names.map((ComputeName) => ({ ComputeName })), ...(next ? { NextToken: next } : {}) } };
    };
    const definitions = PAGINATOR_DEFINITIONS as Record<string, PaginatorDefinition>;
    const original = definitions.ListCompute!;
    definitions.ListCompute = definition;
    try {
      const client = gamelift(endpoint);
      const ours = async (config: PaginationConfig) => {
        const walk = paginate(client, "ListCompute", { FleetId: "fleet-1" }, config);
        const full = await walk.buildFullResult();
        return { full, resume: walk.resumeToken ?? null };
      };
      const configs: PaginationConfig[] = [{}, { PageSize: 3 }, { MaxItems: 4 }, { MaxItems: 2 }, { MaxItems: 6 }];
      const firsts = await Promise.all(configs.map(ours));
      const resumed = [{ StartingToken: firsts[2]!.resume!, MaxItems: 1 }, { StartingToken: firsts[3]!.resume! }];
      const mine = [...firsts, ...(await Promise.all(resumed.map(ours)))];
      const theirs = await runPython<unknown[]>("botocore_definition.py", {
        endpoint,
        region: "us-west-2",
        operation: "ListCompute",
        input: { FleetId: "fleet-1" },
        definition,
        runs: [...configs, ...resumed],
      });
      assert.deepEqual(JSON.parse(JSON.stringify(mine)), theirs);
      // Whole walk: the result keys aggregated ("t1" + "t2"), then the first page's non-aggregate NextToken over them.
      assert.deepEqual(mine[0], {
        full: { ComputeList: ["c0", "c1", "c2", "c3", "c4", "c5", "c6"].map((ComputeName) => ({ ComputeName })), NextToken: "t1" },
        resume: null,
      });
      assert.deepEqual(mine[3]!.full, { ComputeList: [{ ComputeName: "c0" }, { ComputeName: "c1" }], NextToken: botoToken(null, 2) });
    } finally {
      definitions.ListCompute = original;
    }
  });
});
