/**
 * The admin API (/_liftlog/) against the real server: event ingest (JSON and NDJSON), fleet
 * registration, the admin token. Bad input gets an AWS error shape naming what is wrong, and a bad
 * batch stores nothing: each case reads the whole log back through the JS SDK to prove it.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetAttributesCommand, paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { admin, gamelift, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { STORES, servedFleet } from "./stores.js";
import { REGION, assertSameEvents, expectedLines, realisticEvents, sdkLine } from "./fleet-log.js";

const MiB = 1024 * 1024;

/** Asserts an admin error response: status, __type and a message matching `message`. */
function assertAdminError(res: { status: number; body: Record<string, unknown> }, status: number, type: string, message: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.__type, type, JSON.stringify(res.body));
  assert.match(String(res.body.message), message);
}

const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";

for (const store of STORES) {
  describe(`admin API on ${store.name}: ingest and registration`, { skip: store.skip }, () => {
    const served = servedFleet(store);
    /** What the fleet's log holds, as ingested: kept in step with every successful ingest. */
    const stored: { ids: string[]; events: IngestedEvent[] } = { ids: [], events: [] };

    const ingestRaw = (body: unknown, headers: Record<string, string> = {}) =>
      admin(served.server.endpoint, "/_liftlog/events", body, headers);

    async function readLog(fleetId: string): Promise<string[]> {
      const lines: string[] = [];
      for await (const page of paginateDescribeFleetEvents({ client: served.client, pageSize: 1000 }, { FleetId: fleetId })) {
        lines.push(...page.Events!.map(sdkLine));
      }
      return lines;
    }
    const assertLogUnchanged = async (what: string) =>
      assertSameEvents(await readLog(served.fleet.FleetId), expectedLines(served.fleet.FleetId, stored.ids, stored.events), what);

    before(async () => {
      const events = realisticEvents(served.fleet.FleetId, 300);
      const res = await ingestRaw({ FleetId: served.fleet.FleetArn, Events: events });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      stored.ids.push(...res.body.EventIds!);
      stored.events.push(...events);
    });

    it("a batch with one bad field at index k: InvalidRequestException naming Events[k] and the field; nothing stored", async () => {
      const good = (i: number): Record<string, unknown> => ({
        EventCode: "SERVER_PROCESS_CRASHED",
        Message: `batch event ${i}`,
        EventTime: 1_760_000_000 + i / 1000,
      });
      const cases: [number, Record<string, unknown>, RegExp][] = [
        [
          0,
          { EventCode: "NOT_A_CODE" },
          /^Events\[0\]: Value 'NOT_A_CODE' at 'eventCode' failed to satisfy constraint: Member must satisfy enum value set: \[/,
        ],
        [3, { EventTime: "yesterday" }, /^Events\[3\]: EventTime must be epoch seconds/],
        [4, { EventTime: -1 }, /^Events\[4\]: EventTime must be epoch seconds/],
        [7, { Message: 42 }, /^Events\[7\]: Message must be a string/],
        [
          9,
          { Message: "" },
          /^Events\[9\]: Value '' at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1/,
        ],
        [
          11,
          { Count: 102 },
          /^Events\[11\]: Value '102' at 'count' failed to satisfy constraint: Member must have value less than or equal to 101/,
        ],
        [12, { Colour: "red" }, /^Events\[12\]: has unknown field 'Colour'/],
        [4999, { ResourceId: "" }, /^Events\[4999\]: Value '' at 'resourceId' failed to satisfy constraint/],
      ];
      for (const [k, bad, message] of cases) {
        const events = Array.from({ length: Math.max(k + 1, 20) }, (_, i) => (i === k ? { ...good(i), ...bad } : good(i)));
        const res = await ingestRaw({ FleetId: served.fleet.FleetArn, Events: events });
        assertAdminError(res, 400, "InvalidRequestException", message);
        assert.match(String(res.body.message), /Nothing in this batch was stored\.$/);
      }
      const missingCode = await ingestRaw({ FleetId: served.fleet.FleetArn, Events: [good(0), { Message: "no code" }] });
      assertAdminError(missingCode, 400, "InvalidRequestException", /^Events\[1\]: EventCode is required/);
      await assertLogUnchanged("after the refused batches");
    });

    it("a batch naming a fleet in another region at index k: refused whole; nothing stored", async () => {
      const elsewhere = await registerFleet(served.server.endpoint, "eu-west-1");
      const events = [
        { EventCode: "GENERIC_EVENT", Message: "here", FleetId: served.fleet.FleetArn },
        { EventCode: "GENERIC_EVENT", Message: "there", FleetId: elsewhere.FleetArn },
      ];
      assertAdminError(await ingestRaw({ Events: events }), 400, "InvalidRequestException", /one account and region/);
      await assertLogUnchanged("after the mixed-region batch");
      assert.deepEqual(await readLogIn("eu-west-1", elsewhere.FleetId), []);
    });

    async function readLogIn(region: string, fleetId: string): Promise<string[]> {
      const c = gamelift(served.server.endpoint, region);
      try {
        const lines: string[] = [];
        for await (const page of paginateDescribeFleetEvents({ client: c }, { FleetId: fleetId })) lines.push(...page.Events!.map(sdkLine));
        return lines;
      } finally {
        c.destroy();
      }
    }

    it("an unknown fleet: NotFoundException naming it; by ID the default account and region are searched", async () => {
      const unknown = "fleet-00000000-0000-4000-8000-000000000000";
      assertAdminError(
        await ingestRaw({ FleetId: unknown, Events: [{ EventCode: "GENERIC_EVENT", Message: "x" }] }),
        400,
        "NotFoundException",
        new RegExp(
          `^Events\\[0\\]: fleet ${unknown} not found in account 000000000000, region us-east-1\\. Nothing in this batch was stored\\.$`,
        ),
      );
      // The fleet exists, but in us-west-2: by bare ID without Region it is not found in the default region.
      assertAdminError(
        await ingestRaw({ FleetId: served.fleet.FleetId, Events: [{ EventCode: "GENERIC_EVENT", Message: "x" }] }),
        400,
        "NotFoundException",
        /region us-east-1/,
      );
      assertAdminError(
        await ingestRaw({ FleetId: "not-a-fleet", Events: [{ EventCode: "GENERIC_EVENT", Message: "x" }] }),
        400,
        "InvalidRequestException",
        /Events\[0\]: FleetId must be a fleet ID \(fleet-\.\.\.\) or fleet ARN, got "not-a-fleet"/,
      );
      await assertLogUnchanged("after unknown fleets");
    });

    it("by bare fleet ID with Region in the body, the batch is stored", async () => {
      const events = [{ EventCode: "FLEET_SCALING_EVENT", Message: "desired 4, min 1, max 10", EventTime: 1_760_000_100.5 }];
      const res = await ingestRaw({ FleetId: served.fleet.FleetId, Region: REGION, Events: events });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      stored.ids.push(...res.body.EventIds!);
      stored.events.push(...events);
      await assertLogUnchanged("after a good batch by bare ID");
    });

    it("an external fleet's Status follows the newest state event, even in history older than its registration", async () => {
      const external = await registerFleet(served.server.endpoint, REGION);
      const status = async () =>
        (await served.client.send(new DescribeFleetAttributesCommand({ FleetIds: [external.FleetId] }))).FleetAttributes!.map(
          (f) => f.Status,
        );
      assert.deepEqual(await status(), ["NEW"]);
      const history = (code: string, t: number) => ({ EventCode: code, Message: `Fleet ${external.FleetId} ${code}`, EventTime: t });
      const ok = async (events: object[]) => assert.equal((await ingestRaw({ FleetId: external.FleetArn, Events: events })).status, 200);
      await ok([
        history("FLEET_STATE_DOWNLOADING", 1_600_000_000),
        history("FLEET_STATE_ACTIVE", 1_600_000_600),
        history("GENERIC_EVENT", 1_600_000_900),
      ]);
      assert.deepEqual(await status(), ["ACTIVE"]);
      await ok([history("FLEET_STATE_ERROR", 1_500_000_000)]); // older than the newest state event: no effect
      assert.deepEqual(await status(), ["ACTIVE"]);
      await ok([history("FLEET_DELETED", 1_600_001_000)]);
      assert.deepEqual(await status(), []);
    });

    it("NDJSON: a malformed line is a SerializationException naming the line; nothing stored", async () => {
      const body = ndjson([
        { FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 1" },
        { FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 2" },
        `{"FleetId": "${served.fleet.FleetArn}", "EventCode": "GENERIC_EVENT", "Message": "line 3"`,
        { FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 4" },
      ]);
      const res = await ingestRaw(body, { "Content-Type": "application/x-ndjson" });
      assertAdminError(res, 400, "SerializationException", /^Line 3 is not valid JSON: .*Nothing in this batch was stored\.$/);
      const badField = ndjson([
        { FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 1" },
        { FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 2", EventTime: "soon" },
      ]);
      assertAdminError(
        await ingestRaw(badField, { "Content-Type": "application/x-ndjson" }),
        400,
        "InvalidRequestException",
        /^Events\[1\]: EventTime/,
      );
      const notAnObject = ndjson([{ FleetId: served.fleet.FleetArn, EventCode: "GENERIC_EVENT", Message: "line 1" }, "null"]);
      assertAdminError(
        await ingestRaw(notAnObject, { "Content-Type": "application/x-ndjson" }),
        400,
        "InvalidRequestException",
        /^Events\[1\]: must be a JSON object/,
      );
      await assertLogUnchanged("after bad NDJSON");
    });

    it("NDJSON happy path: one event a line, each naming its fleet; EventIds in line order", async () => {
      const second = await registerFleet(served.server.endpoint, REGION);
      const lines = Array.from({ length: 50 }, (_, i) => ({
        FleetId: i % 2 ? served.fleet.FleetArn : second.FleetId,
        ...(i % 2 ? {} : { Region: REGION }),
        EventCode: "SERVER_PROCESS_TERMINATED_UNHEALTHY",
        Message: `ndjson line ${i + 1}`,
        EventTime: 1_760_000_200 + Math.floor(i / 4) / 1000, // four lines a millisecond
        ResourceId: `i-0ndjson${i}`,
      }));
      const res = await ingestRaw(ndjson(lines) + "\n\n", { "Content-Type": "application/x-ndjson" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const ids = res.body.EventIds!;
      assert.equal(ids.length, 50);
      const odd = (_: unknown, i: number) => i % 2 === 1;
      const even = (_: unknown, i: number) => i % 2 === 0;
      const events = lines.map(({ EventCode, Message, EventTime, ResourceId }) => ({ EventCode, Message, EventTime, ResourceId }));
      stored.ids.push(...ids.filter(odd));
      stored.events.push(...events.filter(odd));
      await assertLogUnchanged("first fleet after NDJSON");
      assertSameEvents(
        await readLog(second.FleetId),
        expectedLines(second.FleetId, ids.filter(even), events.filter(even)),
        "second fleet after NDJSON",
      );
    });

    it("malformed bodies and shapes: the AWS error shape, with what to send instead", async () => {
      assertAdminError(await ingestRaw("{ nope"), 400, "SerializationException", /^Request body is not valid JSON/);
      assertAdminError(await ingestRaw({ FleetId: served.fleet.FleetArn }), 400, "InvalidRequestException", /Body must be \{"FleetId"/);
      assertAdminError(await ingestRaw({ FleetId: served.fleet.FleetArn, Events: {} }), 400, "InvalidRequestException", /Body must be/);
      assertAdminError(await ingestRaw({ FleetId: 7, Events: [] }), 400, "InvalidRequestException", /FleetId must be a string/);
      assertAdminError(
        await ingestRaw({ FleetId: served.fleet.FleetArn, Events: [] }),
        400,
        "InvalidRequestException",
        /at least one event/,
      );
      for (const notAnEvent of [42, null, "FLEET_CREATED", []]) {
        const res = await ingestRaw({ FleetId: served.fleet.FleetArn, Events: [{ EventCode: "GENERIC_EVENT", Message: "m" }, notAnEvent] });
        assertAdminError(res, 400, "InvalidRequestException", /^Events\[1\]: must be a JSON object/);
      }
      const tooMany = Array.from({ length: 10_001 }, () => ({ EventCode: "GENERIC_EVENT", Message: "m" }));
      assertAdminError(
        await ingestRaw({ FleetId: served.fleet.FleetArn, Events: tooMany }),
        400,
        "InvalidRequestException",
        /at most 10000 events; this one has 10001/,
      );
      const huge = `{"FleetId": "${served.fleet.FleetArn}", "Events": [], "Padding": "${"x".repeat(33 * MiB)}"}`;
      assertAdminError(await ingestRaw(huge), 413, "RequestEntityTooLargeException", /larger than the 33554432 bytes/);
      await assertLogUnchanged("after malformed bodies");
    });

    it("fleet registration: bad Name, Region, AccountId get errors; an unknown admin path is a 404", async () => {
      const register = (body: unknown) => admin(served.server.endpoint, "/_liftlog/fleets", body);
      assertAdminError(await register({}), 400, "InvalidRequestException", /Name is required/);
      assertAdminError(await register({ Name: "" }), 400, "InvalidRequestException", /Name is required/);
      assertAdminError(await register([]), 400, "InvalidRequestException", /JSON object/);
      assertAdminError(
        await register({ Name: "x", Region: "mars-north-1" }),
        400,
        "UnsupportedRegionException",
        /'mars-north-1' is not a GameLift region/,
      );
      assertAdminError(
        await register({ Name: "x", AccountId: "12345" }),
        400,
        "InvalidRequestException",
        /12-digit AWS account ID, got "12345"/,
      );
      assertAdminError(
        await admin(served.server.endpoint, "/_liftlog/nothing-here", {}),
        404,
        "UnknownOperationException",
        /No admin endpoint POST \/_liftlog\/nothing-here/,
      );
    });
  });
}

describe("admin API: the admin token", () => {
  const TOKEN = "s3cret-admin-token";
  let server: RunningServer;

  before(async () => {
    server = await startServer({ args: ["--admin-token", TOKEN] });
  });
  after(async () => {
    await server?.dispose();
  });

  it("without it, or with a wrong one: 401 UnauthorizedException saying what to send", async () => {
    const body = { Name: "needs-token", Region: REGION };
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong" },
      { Authorization: `Bearer ${TOKEN}x` },
      { Authorization: `Basic ${TOKEN}` },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      assertAdminError(
        await admin(server.endpoint, "/_liftlog/fleets", body, headers),
        401,
        "UnauthorizedException",
        /requires 'Authorization: Bearer <admin token>'/,
      );
    }
    assertAdminError(await admin(server.endpoint, "/_liftlog/events", { Events: [] }), 401, "UnauthorizedException", /Bearer/);
  });

  it("with the right one, registration and ingest work; health needs no token", async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const reg = await admin(server.endpoint, "/_liftlog/fleets", { Name: "with-token", Region: REGION }, auth);
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const arn = String(reg.body.FleetArn);
    const events = [{ EventCode: "FLEET_CREATED", Message: "created", EventTime: 1_760_000_000.001 }];
    const res = await admin(server.endpoint, "/_liftlog/events", { FleetId: arn, Events: events }, auth);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const client = gamelift(server.endpoint, REGION);
    try {
      const lines: string[] = [];
      for await (const page of paginateDescribeFleetEvents({ client }, { FleetId: arn })) lines.push(...page.Events!.map(sdkLine));
      assertSameEvents(lines, expectedLines(String(reg.body.FleetId), res.body.EventIds!, events), "log with the admin token");
    } finally {
      client.destroy();
    }
    const health = await fetch(`${server.endpoint}/_liftlog/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
  });
});
