/**
 * DescribeFleetEvents' rules, exercised on the operation with a real SQLite store (no HTTP):
 * time range edges, ordering ties, Limit default and clamp, tokens bound to their request.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServices } from "../../src/server.js";
import { defaultConfig } from "../../src/config.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { describeFleetEvents } from "../../src/operations/fleet-events.js";
import { ingestEvents, registerFleet } from "../../src/operations/ingest.js";
import type { Services, RequestContext } from "../../src/operations/context.js";
import { ServiceError } from "../../src/protocol/errors.js";

const dir = mkdtempSync(join(tmpdir(), "liftlog-unit-"));
const ctx: RequestContext = { scope: { accountId: "000000000000", region: "us-west-2" }, baseUrl: "http://127.0.0.1:1", requestId: "r" };
let services: Services;
let fleetId: string;
let fleetArn: string;
/** EventIds by EventTime (seconds), in ingest order. */
const ids = new Map<number, string[]>();

const T0 = 1_700_000_000;
// Times in seconds with millisecond fractions; three events share T0+1.000 exactly.
const TIMES = [T0, T0 + 0.999, T0 + 1, T0 + 1, T0 + 1, T0 + 1.001, T0 + 2, T0 + 2.5, T0 + 3];

async function walk(input: Record<string, unknown>, c: RequestContext = ctx): Promise<string[]> {
  const seen: string[] = [];
  let NextToken: string | undefined;
  do {
    const out = await describeFleetEvents(services, c, { FleetId: fleetId, ...input, NextToken } as never);
    seen.push(...out.Events!.map((e) => e.EventId!));
    NextToken = out.NextToken;
  } while (NextToken);
  return seen;
}

/** Expected IDs newest first for events whose time (ms) passes `keep`. */
function expected(keep: (ms: number) => boolean = () => true): string[] {
  return [...ids.entries()]
    .filter(([t]) => keep(Math.round(t * 1000)))
    .sort(([a], [b]) => b - a)
    .flatMap(([, list]) => [...list].reverse());
}

async function rejected(promise: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(promise, (err: unknown) => err instanceof ServiceError && err.code === code && message.test(err.message));
}

describe("DescribeFleetEvents", () => {
  before(async () => {
    services = await createServices({ ...defaultConfig({}), maxPageSize: 4 }, new SqliteStore(join(dir, "liftlog.db")));
    ({ FleetId: fleetId, FleetArn: fleetArn } = await registerFleet(services, { Name: "unit", Region: "us-west-2" }));
    const { EventIds } = await ingestEvents(
      services,
      TIMES.map((t, i) => ({ EventCode: "GENERIC_EVENT", Message: `event ${i}`, EventTime: t })),
      fleetId,
      { Region: "us-west-2" },
    );
    TIMES.forEach((t, i) => ids.set(t, [...(ids.get(t) ?? []), EventIds[i]!]));
  });
  after(async () => {
    await services.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("returns events newest first, later-stored first within a millisecond", async () => {
    const all = await walk({ Limit: 1 });
    assert.deepEqual(all, expected());
    const tied = ids.get(T0 + 1)!;
    assert.deepEqual(all.slice(4, 7), [...tied].reverse(), "T0+3, T0+2.5, T0+2, T0+1.001, then the three tied events");
  });

  it("accepts the fleet ARN as well as the ID", async () => {
    assert.deepEqual(await walk({ FleetId: fleetArn, Limit: 2 }), expected());
  });

  it("includes events exactly at StartTime and EndTime, to the millisecond", async () => {
    const start = new Date((T0 + 1) * 1000);
    const end = new Date((T0 + 2) * 1000);
    const inRange = expected((ms) => ms >= start.getTime() && ms <= end.getTime());
    assert.equal(inRange.length, 5);
    assert.deepEqual(await walk({ StartTime: start, EndTime: end, Limit: 2 }), inRange);
    // One millisecond inside either bound drops the events on it.
    const narrower = await walk({ StartTime: new Date(start.getTime() + 1), EndTime: new Date(end.getTime() - 1) });
    assert.deepEqual(
      narrower,
      expected((ms) => ms === (T0 + 1.001) * 1000),
    );
    assert.deepEqual(await walk({ StartTime: new Date((T0 + 0.999) * 1000), EndTime: new Date((T0 + 0.999) * 1000) }), ids.get(T0 + 0.999));
  });

  it("takes open-ended ranges", async () => {
    assert.deepEqual(
      await walk({ StartTime: new Date((T0 + 2.5) * 1000) }),
      expected((ms) => ms >= (T0 + 2.5) * 1000),
    );
    assert.deepEqual(await walk({ EndTime: new Date(T0 * 1000) }), ids.get(T0));
  });

  it("refuses StartTime after EndTime", async () => {
    await rejected(
      describeFleetEvents(services, ctx, { FleetId: fleetId, StartTime: new Date((T0 + 2) * 1000), EndTime: new Date((T0 + 1) * 1000) }),
      "InvalidRequestException",
      /StartTime \(.*\) is later than EndTime/,
    );
  });

  it("defaults Limit and clamps it to the maximum page size", async () => {
    const out = await describeFleetEvents(services, ctx, { FleetId: fleetId, Limit: 1000 });
    assert.deepEqual(
      out.Events!.map((e) => e.EventId),
      expected().slice(0, 4),
    );
    assert.ok(out.NextToken);
    const last = await describeFleetEvents(services, ctx, { FleetId: fleetId, Limit: 9 });
    assert.equal(last.Events!.length, 4);
  });

  it("returns no NextToken on the last page, even when it is exactly full", async () => {
    const out = await describeFleetEvents(services, ctx, { FleetId: fleetId, StartTime: new Date((T0 + 2) * 1000), Limit: 3 });
    assert.equal(out.Events!.length, 3);
    assert.equal(out.NextToken, undefined);
  });

  it("binds the token to fleet, time range, account and region", async () => {
    const { NextToken } = await describeFleetEvents(services, ctx, { FleetId: fleetId, Limit: 2 });
    const wrong = /does not belong to this request/;
    await rejected(
      describeFleetEvents(services, ctx, { FleetId: fleetId, NextToken, StartTime: new Date(0) }),
      "InvalidRequestException",
      wrong,
    );
    await rejected(
      describeFleetEvents(services, ctx, { FleetId: fleetId, NextToken, EndTime: new Date((T0 + 9) * 1000) }),
      "InvalidRequestException",
      wrong,
    );
    const other = await registerFleet(services, { Name: "other", Region: "us-west-2" });
    await rejected(describeFleetEvents(services, ctx, { FleetId: other.FleetId, NextToken }), "InvalidRequestException", wrong);
    // The same fleet seen from another account or region does not exist there at all.
    const elsewhere = { ...ctx, scope: { accountId: "111111111111", region: "us-west-2" } };
    await rejected(describeFleetEvents(services, elsewhere, { FleetId: fleetId, NextToken }), "NotFoundException", /not found/);
    // The ID form and the ARN form are the same fleet, so the token carries over.
    const viaArn = await describeFleetEvents(services, ctx, { FleetId: fleetArn, NextToken, Limit: 2 });
    assert.deepEqual(
      viaArn.Events!.map((e) => e.EventId),
      expected().slice(2, 4),
    );
  });

  it("does not find fleets of other accounts or regions, by ID or ARN", async () => {
    const otherRegion = { ...ctx, scope: { accountId: "000000000000", region: "eu-west-1" } };
    await rejected(
      describeFleetEvents(services, otherRegion, { FleetId: fleetId }),
      "NotFoundException",
      /not found in account 000000000000, region eu-west-1/,
    );
    await rejected(describeFleetEvents(services, otherRegion, { FleetId: fleetArn }), "NotFoundException", /not found/);
  });
});
