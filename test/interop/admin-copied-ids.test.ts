/**
 * The admin API keeps the identity of fleets and events copied from elsewhere (mirror, import):
 * `POST /_liftlog/fleets` with a FleetId or ARN, `POST /_liftlog/events` with EventIds. Bad IDs and
 * IDs already taken get AWS-shaped errors, and a refused batch stores nothing; on both stores.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetAttributesCommand, paginateDescribeFleetEvents } from "@aws-sdk/client-gamelift";
import { admin, gamelift, startServer, type RunningServer } from "../helpers/server.js";
import { STORES } from "./stores.js";

const SOURCE_ID = "fleet-2f0e1c7a-94a5-4c1b-9d3e-6b7a1f0c2d44";
const SOURCE_ARN = `arn:aws:gamelift:eu-west-1:123456789012:fleet/${SOURCE_ID}`;

for (const store of STORES) {
  describe(`copied fleet and event IDs through the admin API (${store.name})`, { skip: store.skip }, () => {
    let server: RunningServer;
    let drop: () => Promise<void>;
    before(async () => {
      const opened = await store.open();
      drop = opened.drop;
      server = await startServer({ args: opened.args });
    });
    after(async () => {
      await server?.dispose();
      await drop?.();
    });

    const readAll = async (fleetId: string, region: string, accessKey: string) => {
      const events = [];
      for await (const page of paginateDescribeFleetEvents(
        { client: gamelift(server.endpoint, region, accessKey) },
        { FleetId: fleetId },
      )) {
        events.push(...(page.Events ?? []));
      }
      return events;
    };

    it("registers a fleet under the source's ARN (its account and region) and keeps given EventIds", async () => {
      const registered = await admin(server.endpoint, "/_liftlog/fleets", { Name: "copied", FleetId: SOURCE_ARN });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      assert.deepEqual(registered.body, { FleetId: SOURCE_ID, FleetArn: SOURCE_ARN });
      const ingested = await admin(server.endpoint, "/_liftlog/events", {
        FleetId: SOURCE_ARN,
        Events: [
          { EventId: "source-event-1", EventCode: "FLEET_CREATED", Message: "created", EventTime: 1700000000 },
          { EventId: "source-event-2", EventCode: "FLEET_STATE_ACTIVE", Message: "active", EventTime: 1700000060.5 },
        ],
      });
      assert.equal(ingested.status, 200, JSON.stringify(ingested.body));
      assert.deepEqual(ingested.body.EventIds, ["source-event-1", "source-event-2"]);
      // A 12-digit access key reads the account it names.
      const events = await readAll(SOURCE_ID, "eu-west-1", "123456789012");
      assert.deepEqual(
        events.map((e) => [e.EventId, e.EventCode, e.EventTime?.getTime()]),
        [
          ["source-event-2", "FLEET_STATE_ACTIVE", 1700000060500],
          ["source-event-1", "FLEET_CREATED", 1700000000000],
        ],
      );
      const { FleetAttributes } = await gamelift(server.endpoint, "eu-west-1", "123456789012").send(
        new DescribeFleetAttributesCommand({ FleetIds: [SOURCE_ID] }),
      );
      assert.equal(FleetAttributes?.[0]?.Status, "ACTIVE");
      assert.equal(FleetAttributes?.[0]?.FleetArn, SOURCE_ARN);
    });

    it("registers a bare fleet ID in the named (or default) account and region", async () => {
      const id = "fleet-0b1c2d3e-aaaa-bbbb-cccc-000000000001";
      const registered = await admin(server.endpoint, "/_liftlog/fleets", { Name: "bare", FleetId: id, Region: "us-west-2" });
      assert.equal(registered.status, 200);
      assert.deepEqual(registered.body, { FleetId: id, FleetArn: `arn:aws:gamelift:us-west-2:000000000000:fleet/${id}` });
    });

    it("refuses bad and taken IDs with AWS-shaped errors, storing nothing of a refused batch", async () => {
      const cases: [unknown, number, string, RegExp][] = [
        [{ Name: "x", FleetId: SOURCE_ARN }, 400, "ConflictException", /already exists in account 123456789012, region eu-west-1/],
        [{ Name: "x", FleetId: "not-a-fleet" }, 400, "InvalidRequestException", /FleetId must be a fleet ID/],
        [{ Name: "x", FleetId: 42 }, 400, "InvalidRequestException", /FleetId must be a fleet ID/],
        [
          { Name: "x", FleetId: SOURCE_ARN, Region: "us-east-1" },
          400,
          "InvalidRequestException",
          /is in 123456789012\/eu-west-1 but the body names/,
        ],
        [{ Name: "x", FleetId: "arn:aws:gamelift:mars-1:123456789012:fleet/fleet-1" }, 400, "UnsupportedRegionException", /mars-1/],
      ];
      for (const [body, status, type, message] of cases) {
        const res = await admin(server.endpoint, "/_liftlog/fleets", body);
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.__type, type);
        assert.match(String(res.body.message), message);
      }
      const batches: [unknown[], string, RegExp][] = [
        [
          [
            { EventId: "fresh-1", EventCode: "FLEET_SCALING_EVENT", Message: "a" },
            { EventId: "source-event-1", EventCode: "FLEET_SCALING_EVENT", Message: "taken" },
          ],
          "ConflictException",
          /already stored/,
        ],
        [
          [
            { EventId: "fresh-2", EventCode: "FLEET_SCALING_EVENT", Message: "a" },
            { EventId: "fresh-2", EventCode: "FLEET_SCALING_EVENT", Message: "b" },
          ],
          "ConflictException",
          /Events\[1\]: EventId fresh-2 appears twice/,
        ],
        [
          [{ EventId: "", EventCode: "FLEET_SCALING_EVENT", Message: "a" }],
          "InvalidRequestException",
          /Events\[0\]: EventId must be 1 to 1024/,
        ],
        [
          [{ EventId: 7, EventCode: "FLEET_SCALING_EVENT", Message: "a" }],
          "InvalidRequestException",
          /Events\[0\]: EventId must be a string/,
        ],
      ];
      for (const [events, type, message] of batches) {
        const res = await admin(server.endpoint, "/_liftlog/events", { FleetId: SOURCE_ARN, Events: events });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.__type, type);
        assert.match(String(res.body.message), message);
      }
      const events = await readAll(SOURCE_ID, "eu-west-1", "123456789012");
      assert.deepEqual(
        events.map((e) => e.EventId),
        ["source-event-2", "source-event-1"],
        "no refused batch stored anything",
      );
    });
  });
}
