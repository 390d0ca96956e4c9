/**
 * liftlog/client against a real liftlog server through the real AWS SDK v3 client: every
 * MaxItems × PageSize combination over a 3,000-event fleet (PageSize 1 over a 50-event fleet),
 * items/search/buildFullResult, resuming (new, deprecated and raw tokens), stopping early,
 * aborting, typed errors, and the generic path for ListFleets and DescribeFleetAttributes.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeFleetEventsCommand,
  GameLiftServiceException,
  InvalidRequestException,
  ListFleetsCommand,
  NotFoundException,
  type DescribeFleetEventsCommandOutput,
  type Event,
  type FleetAttributes,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import {
  paginate,
  paginateDescribeFleetEvents,
  PaginationError,
  type OperationOutput,
  type PaginatedOperation,
  type ResultItem,
} from "../../src/client/index.js";
import { COMMANDS } from "../../src/client/operations.js";
import { expectedOrder, gamelift, ingest, registerFleet, REPO_ROOT, startServer, type RunningServer } from "../helpers/server.js";
import { botoToken, sampleEvents, tokenJson } from "./support.js";

// Compile-time checks of the public types: pages and items are the SDK's own types, and every
// operation's output has exactly one list member (ResultItem is derived from it).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type ListMembers<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;
const typesHold: [
  Equal<ResultItem<"DescribeFleetEvents">, Event>,
  Equal<OperationOutput<"DescribeFleetEvents">, DescribeFleetEventsCommandOutput>,
  Equal<ResultItem<"ListFleets">, string>,
  Equal<ResultItem<"DescribeFleetAttributes">, FleetAttributes>,
  Equal<{ [Op in PaginatedOperation]: [ResultItem<Op>] extends [never] ? Op : never }[PaginatedOperation], never>,
  Equal<{ [Op in PaginatedOperation]: true extends IsUnion<ListMembers<OperationOutput<Op>>> ? Op : never }[PaginatedOperation], never>,
] = [true, true, true, true, true, true];

interface Fleet {
  FleetId: string;
  /** EventIds newest first: what DescribeFleetEvents must return. */
  expected: string[];
  byId: Map<string, string>;
}

const DEFAULT_PAGE = 100;
/** How far a resumed walk is read and compared (the whole remainder on the small fleet). */
const RESUME_READ = 250;

let server: RunningServer;
let client: GameLiftClient;
let big: Fleet;
let small: Fleet;
let fleetIds: string[];

async function fleetWith(count: number, label: string): Promise<Fleet> {
  const { FleetId, FleetArn } = await registerFleet(server.endpoint);
  const events = sampleEvents(count, label);
  const ids = await ingest(server.endpoint, FleetArn, events);
  return { FleetId, expected: expectedOrder(ids, events), byId: new Map(ids.map((id, i) => [id, events[i]!.EventCode])) };
}

const eventIds = (events: Event[] | undefined) => (events ?? []).map((e) => e.EventId!);

/** Sizes of the pages that hold `count` items, `size` per page (one empty page for none). */
function pageSizes(count: number, size: number): number[] {
  if (count === 0) return [0];
  return Array.from({ length: Math.ceil(count / size) }, (_, i) => Math.min(size, count - i * size));
}

/** The MaxItems values the matrix covers for a page size and a fleet size, without repeats. */
function maxItemsCases(pageSize: number, total: number): (number | undefined)[] {
  return [...new Set([undefined, 1, pageSize - 1, pageSize, pageSize + 1, total - 1, total, total + 1])];
}

async function collectItems<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Walks with one combination and checks events, page sizes, the resume token, and resuming from it. */
async function checkCombination(fleet: Fleet, PageSize: number | undefined, MaxItems: number | undefined) {
  const total = fleet.expected.length;
  const size = PageSize ?? DEFAULT_PAGE;
  const pages = paginateDescribeFleetEvents(client, { FleetId: fleet.FleetId }, { PageSize, MaxItems });
  const seen: DescribeFleetEventsCommandOutput[] = [];
  for await (const page of pages) seen.push(page);
  const want = Math.min(MaxItems ?? total, total);
  assert.deepEqual(
    seen.flatMap((page) => eventIds(page.Events)),
    fleet.expected.slice(0, want),
  );
  assert.deepEqual(
    seen.map((page) => page.Events!.length),
    pageSizes(want, size),
  );

  if (want === total) {
    assert.equal(pages.resumeToken, undefined, "a walk that reached the end has no resume token");
    return;
  }
  const truncated = want % size !== 0 || want === 0;
  const token = truncated ? botoToken(seen.at(-2)?.NextToken ?? null, want % size) : botoToken(seen.at(-1)!.NextToken!);
  assert.equal(tokenJson(pages.resumeToken), tokenJson(token));
  assert.equal(pages.resumeToken, token);

  const read = Math.min(total - want, fleet === small ? total : RESUME_READ);
  const rest = paginateDescribeFleetEvents(
    client,
    { FleetId: fleet.FleetId },
    { PageSize, StartingToken: pages.resumeToken, MaxItems: read },
  );
  assert.deepEqual(eventIds(await collectItems(rest.items())), fleet.expected.slice(want, want + read));
}

describe("liftlog/client against liftlog", () => {
  before(async () => {
    server = await startServer();
    client = gamelift(server.endpoint);
    big = await fleetWith(3000, "big");
    small = await fleetWith(50, "small");
    for (let i = 0; i < 23; i++) await registerFleet(server.endpoint);
    const listed = await client.send(new ListFleetsCommand({ Limit: 1000 }));
    fleetIds = listed.FleetIds!;
    assert.equal(listed.NextToken, undefined);
    assert.equal(fleetIds.length, 25);
  });
  after(() => server?.dispose());

  describe("every MaxItems × PageSize combination yields exactly the right events in order", { concurrency: 4 }, () => {
    for (const [fleetName, pageSize] of [
      ["big", undefined],
      ["big", 100],
      ["big", 7],
      ["small", 1],
    ] as const) {
      for (const maxItems of maxItemsCases(pageSize ?? DEFAULT_PAGE, fleetName === "big" ? 3000 : 50)) {
        it(`${fleetName} fleet, PageSize ${pageSize ?? "none"}, MaxItems ${maxItems ?? "none"}`, () =>
          checkCombination(fleetName === "big" ? big : small, pageSize, maxItems));
      }
    }
  });

  it("the documented example works through the package's entry point: read 500, keep the token, resume", async () => {
    const entryPoint = "liftlog/client";
    const { paginateDescribeFleetEvents: fromPackage } = (await import(entryPoint)) as typeof import("../../src/client/index.js");
    const events = fromPackage(client, { FleetId: big.FleetId }, { MaxItems: 500 });
    const read: string[] = [];
    for await (const event of events.items()) read.push(event.EventId!);
    const token = events.resumeToken;
    const rest = await fromPackage(client, { FleetId: big.FleetId }, { StartingToken: token }).buildFullResult();
    assert.deepEqual([...read, ...eventIds(rest.Events)], big.expected);
    assert.equal(rest.NextToken, undefined);
  });

  it("items() and buildFullResult() agree with the pages, with NextToken set to the resume token when truncated", async () => {
    for (const MaxItems of maxItemsCases(DEFAULT_PAGE, 3000)) {
      const config = { PageSize: DEFAULT_PAGE, MaxItems };
      const want = big.expected.slice(0, MaxItems);
      const viaItems = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config);
      assert.deepEqual(eventIds(await collectItems(viaItems.items())), want);
      const full = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config);
      const result = await full.buildFullResult();
      assert.deepEqual(eventIds(result.Events), want);
      assert.equal(result.NextToken, full.resumeToken);
      assert.equal(result.NextToken, viaItems.resumeToken);
      assert.deepEqual(Object.keys(result), want.length < 3000 ? ["Events", "NextToken"] : ["Events"]);
    }
  });

  it("search() yields list results element by element and anything else as it is", async () => {
    const config = { PageSize: 100, MaxItems: 250 };
    const ids = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config).search("Events[].EventId");
    assert.deepEqual(await collectItems(ids), big.expected.slice(0, 250));
    const crashes = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config).search(
      "Events[?EventCode==`SERVER_PROCESS_CRASHED`].EventId",
    );
    assert.deepEqual(
      await collectItems(crashes),
      big.expected.slice(0, 250).filter((id) => big.byId.get(id) === "SERVER_PROCESS_CRASHED"),
    );
    const pages: DescribeFleetEventsCommandOutput[] = [];
    for await (const page of paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config)) pages.push(page);
    const tokens = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, config).search("NextToken");
    assert.deepEqual(
      await collectItems(tokens),
      pages.map((page) => page.NextToken),
    );
    assert.throws(
      () => paginateDescribeFleetEvents(client, { FleetId: big.FleetId }).search("Events[?"),
      /Syntax error|Expected|Unexpected/,
    );
  });

  it("chained short walks resume inside a page, counting the items skipped before (botocore's left truncation)", async () => {
    const pageTokens: (string | null)[] = [null];
    for await (const page of paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 7, MaxItems: 21 })) {
      pageTokens.push(page.NextToken!);
    }
    const seen: string[] = [];
    let StartingToken: string | undefined;
    for (let walk = 0; walk < 10; walk++) {
      const pages = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 7, MaxItems: 2, StartingToken });
      seen.push(...eventIds(await collectItems(pages.items())));
      const position = seen.length;
      // At a page boundary botocore writes the next page's token alone; inside a page, the page's token and the offset.
      const expected =
        position % 7 === 0 ? botoToken(pageTokens[position / 7]!) : botoToken(pageTokens[Math.floor(position / 7)]!, position % 7);
      assert.equal(tokenJson(pages.resumeToken), tokenJson(expected), `after walk ${walk}`);
      StartingToken = pages.resumeToken;
    }
    assert.deepEqual(seen, big.expected.slice(0, 20));
  });

  it("resume from the service's raw token and from the deprecated token___index form", async () => {
    const first = await client.send(new DescribeFleetEventsCommand({ FleetId: big.FleetId, Limit: 7 }));
    const raw = paginateDescribeFleetEvents(
      client,
      { FleetId: big.FleetId },
      { PageSize: 7, StartingToken: first.NextToken, MaxItems: 20 },
    );
    assert.deepEqual(eventIds(await collectItems(raw.items())), big.expected.slice(7, 27));
    const deprecated = paginateDescribeFleetEvents(
      client,
      { FleetId: big.FleetId },
      { PageSize: 7, StartingToken: `${first.NextToken}___3`, MaxItems: 20 },
    );
    assert.deepEqual(eventIds(await collectItems(deprecated.items())), big.expected.slice(10, 30));
    const next = paginateDescribeFleetEvents(
      client,
      { FleetId: big.FleetId },
      { PageSize: 7, StartingToken: deprecated.resumeToken, MaxItems: 9 },
    );
    assert.deepEqual(eventIds(await collectItems(next.items())), big.expected.slice(30, 39));
  });

  it("stopping early (break) leaves a token that resumes at the next unread item or page", async () => {
    const byItem = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 7 });
    const firstTen: string[] = [];
    for await (const event of byItem.items()) {
      firstTen.push(event.EventId!);
      if (firstTen.length === 10) break;
    }
    const firstPage = await client.send(new DescribeFleetEventsCommand({ FleetId: big.FleetId, Limit: 7 }));
    assert.deepEqual(firstTen, big.expected.slice(0, 10));
    assert.equal(byItem.resumeToken, botoToken(firstPage.NextToken!, 3));
    const after10 = paginateDescribeFleetEvents(
      client,
      { FleetId: big.FleetId },
      { PageSize: 7, StartingToken: byItem.resumeToken, MaxItems: 30 },
    );
    assert.deepEqual(eventIds(await collectItems(after10.items())), big.expected.slice(10, 40));

    const byPage = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 7 });
    let pages = 0;
    for await (const page of byPage) {
      if (++pages === 2) {
        assert.equal(byPage.resumeToken, botoToken(page.NextToken!));
        break;
      }
    }
    const after2 = paginateDescribeFleetEvents(
      client,
      { FleetId: big.FleetId },
      { PageSize: 7, StartingToken: byPage.resumeToken, MaxItems: 30 },
    );
    assert.deepEqual(eventIds(await collectItems(after2.items())), big.expected.slice(14, 44));
  });

  it("an AbortSignal stops a long walk; the resume token continues after the last page delivered", async () => {
    const controller = new AbortController();
    const walk = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 7, abortSignal: controller.signal });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const page of walk) {
          seen.push(...eventIds(page.Events));
          if (seen.length === 21) controller.abort();
        }
      })(),
      (error: unknown) => error instanceof Error && error.name === "AbortError",
    );
    assert.deepEqual(seen, big.expected.slice(0, 21));
    const rest = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { StartingToken: walk.resumeToken });
    assert.deepEqual([...seen, ...eventIds(await collectItems(rest.items()))], big.expected);

    const reason = new Error("shutting down");
    const aborted = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { abortSignal: AbortSignal.abort(reason) });
    await assert.rejects(collectItems(aborted.items()), (error) => error === reason);
  });

  it("service errors arrive as the SDK's typed exceptions, naming the operation and the page", async () => {
    const unknown = paginateDescribeFleetEvents(client, { FleetId: "fleet-00000000-0000-0000-0000-000000000000" });
    await assert.rejects(
      collectItems(unknown.items()),
      (error: unknown) => error instanceof NotFoundException && error.message.startsWith("DescribeFleetEvents (page 1): "),
    );
    const forged = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { StartingToken: botoToken("forged.token", 2) });
    await assert.rejects(
      collectItems(forged),
      (error: unknown) => error instanceof InvalidRequestException && /^DescribeFleetEvents \(page 1\): .*NextToken/.test(error.message),
    );
    const zero = paginateDescribeFleetEvents(client, { FleetId: big.FleetId }, { PageSize: 0 });
    await assert.rejects(
      collectItems(zero),
      (error: unknown) =>
        error instanceof GameLiftServiceException &&
        error.$fault === "client" &&
        /^DescribeFleetEvents \(page 1\): .*[Ll]imit/.test(error.message),
    );
  });

  it("misuse is refused up front with a PaginationError", () => {
    const input = { FleetId: big.FleetId };
    for (const config of [{ MaxItems: -1 }, { MaxItems: 2.5 }, { PageSize: 1.5 }, { StartingToken: "a___b___1" }]) {
      assert.throws(() => paginateDescribeFleetEvents(client, input, config), PaginationError, JSON.stringify(config));
    }
    assert.throws(
      () => paginate(client, "DescribeNothing" as PaginatedOperation, {} as never),
      /Paginator for operation does not exist: DescribeNothing/,
    );
  });

  it("every operation in gamelift-paginators-1.json is paginated, and only those", () => {
    const definitions = JSON.parse(readFileSync(join(REPO_ROOT, "reference", "gamelift-paginators-1.json"), "utf8")).pagination;
    assert.deepEqual(Object.keys(COMMANDS).sort(), Object.keys(definitions).sort());
    assert.ok(typesHold.every(Boolean));
  });

  it("walks ListFleets through the generic path: MaxItems, resume token, resume", async () => {
    const walk = paginate(client, "ListFleets", {}, { PageSize: 4, MaxItems: 10 });
    const pages: OperationOutput<"ListFleets">[] = [];
    for await (const page of walk) pages.push(page);
    assert.deepEqual(
      pages.map((page) => page.FleetIds),
      [fleetIds.slice(0, 4), fleetIds.slice(4, 8), fleetIds.slice(8, 10)],
    );
    assert.equal(walk.resumeToken, botoToken(pages[1]!.NextToken!, 2));
    const rest = paginate(client, "ListFleets", {}, { PageSize: 4, StartingToken: walk.resumeToken });
    assert.deepEqual(await collectItems(rest.items()), fleetIds.slice(10));
    assert.equal(rest.resumeToken, undefined);
  });

  it("builds DescribeFleetAttributes' full result through the generic path", async () => {
    const all = await paginate(client, "DescribeFleetAttributes", {}, { PageSize: 3 }).buildFullResult();
    assert.deepEqual(
      all.FleetAttributes!.map((fleet) => fleet.FleetId),
      fleetIds,
    );
    assert.equal(all.NextToken, undefined);
    const some = await paginate(client, "DescribeFleetAttributes", {}, { PageSize: 3, MaxItems: 7 }).buildFullResult();
    assert.deepEqual(
      some.FleetAttributes!.map((fleet) => fleet.FleetId),
      fleetIds.slice(0, 7),
    );
    const rest = await paginate(client, "DescribeFleetAttributes", {}, { PageSize: 3, StartingToken: some.NextToken }).buildFullResult();
    assert.deepEqual(
      rest.FleetAttributes!.map((fleet) => fleet.FleetId),
      fleetIds.slice(7),
    );
  });
});
