/**
 * U+0000 (NUL) in text a caller sends: both stores refuse it the same way, with a 400 naming the
 * field, and store nothing; every other character is stored and returned exactly. Through the real
 * server, on SQLite and on PostgreSQL (which cannot hold U+0000 in text).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { admin, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { REGION } from "./fleet-log.js";
import { assertAwsError, rawCall, type RawResponse } from "./raw-api.js";
import { STORES } from "./stores.js";

const NUL = "nul\u0000here";
/** Every other awkward class of character: controls, line breaks, combining, the BMP's last, astral. */
const ODD = "\u0001\u0007\t\r\n\u001f\u007f\u0080 e\u0301 \u2028\u2029 \ufeff\uffff 𝄞 😀 \u{10ffff} ✓";

const STORAGE = { Bucket: "builds", Key: "game.zip", RoleArn: "arn:aws:iam::111122223333:role/gamelift" };
const NOT_STORED = /failed to satisfy constraint: Member must not contain U\+0000 \(NUL\), which liftlog does not store/;

async function api(server: RunningServer, operation: string, body: unknown): Promise<RawResponse> {
  return rawCall(server.endpoint, operation, JSON.stringify(body));
}

async function ok(server: RunningServer, operation: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api(server, operation, body);
  assert.equal(res.status, 200, `${operation}: ${res.text}`);
  return JSON.parse(res.text) as Record<string, unknown>;
}

/** An admin call's 400, with the exact message. */
async function adminRefuses(server: RunningServer, path: string, body: string, contentType: string, message: string) {
  const res = await fetch(server.endpoint + path, { method: "POST", headers: { "Content-Type": contentType }, body });
  const parsed = (await res.json()) as { __type: string; message: string };
  assert.equal(res.status, 400, JSON.stringify(parsed));
  assert.deepEqual({ type: parsed.__type, message: parsed.message }, { type: "InvalidRequestException", message });
}

for (const store of STORES) {
  describe(`U+0000 in caller text (${store.name})`, { skip: store.skip }, () => {
    let server: RunningServer;
    let drop: () => Promise<void> = async () => undefined;
    let fleetId: string;
    let eventsBefore: unknown;

    before(async () => {
      const opened = await store.open();
      drop = opened.drop;
      server = await startServer({ args: ["--clock", "manual", "--default-region", REGION, ...opened.args] });
      fleetId = (await registerFleet(server.endpoint, REGION)).FleetId;
    });
    after(async () => {
      await server?.dispose();
      await drop();
    });

    it("every other character is stored and returned exactly", async () => {
      const res = await admin(server.endpoint, "/_liftlog/events", {
        FleetId: fleetId,
        Region: REGION,
        Events: [{ EventCode: "GENERIC_EVENT", Message: ODD, ResourceId: ODD, Log: ODD, EventTime: 1_700_000_000 }],
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const page = await ok(server, "DescribeFleetEvents", { FleetId: fleetId });
      const events = page.Events as Record<string, unknown>[];
      assert.deepEqual(
        events.map(({ Message, ResourceId }) => ({ Message, ResourceId })),
        [{ Message: ODD, ResourceId: ODD }],
      );
      const log = await fetch(events[0]!.PreSignedLogUrl as string);
      assert.equal(await log.text(), ODD);
      const build = (
        await ok(server, "CreateBuild", { Name: ODD, Version: ODD, StorageLocation: STORAGE, Tags: [{ Key: "k", Value: ODD }] })
      ).Build as { BuildId: string; BuildArn: string };
      const described = (await ok(server, "DescribeBuild", { BuildId: build.BuildId })).Build as Record<string, unknown>;
      assert.deepEqual({ Name: described.Name, Version: described.Version }, { Name: ODD, Version: ODD });
      assert.deepEqual((await ok(server, "ListTagsForResource", { ResourceARN: build.BuildArn })).Tags, [{ Key: "k", Value: ODD }]);
      await ok(server, "DeleteBuild", { BuildId: build.BuildId });
      eventsBefore = page;
    });

    it("the admin API refuses it in ingested events (JSON and NDJSON), fleet names and faults, naming the field", async () => {
      for (const field of ["Message", "ResourceId", "Log"]) {
        const event = { EventCode: "GENERIC_EVENT", Message: "m", [field]: NUL };
        await adminRefuses(
          server,
          "/_liftlog/events",
          JSON.stringify({ FleetId: fleetId, Region: REGION, Events: [{ EventCode: "GENERIC_EVENT", Message: "fine" }, event] }),
          "application/json",
          `Events[1]: ${field} must not contain U+0000 (NUL), which liftlog does not store. Nothing in this batch was stored.`,
        );
        const lines = [
          { FleetId: fleetId, EventCode: "GENERIC_EVENT", Message: "fine" },
          { FleetId: fleetId, ...event },
        ];
        await adminRefuses(
          server,
          "/_liftlog/events",
          lines.map((l) => JSON.stringify(l)).join("\n"),
          "application/x-ndjson",
          `Events[1]: ${field} must not contain U+0000 (NUL), which liftlog does not store. Nothing in this batch was stored.`,
        );
      }
      await adminRefuses(
        server,
        "/_liftlog/fleets",
        JSON.stringify({ Name: NUL, Region: REGION }),
        "application/json",
        "Name must not contain U+0000 (NUL), which liftlog does not store.",
      );
      const fault = await admin(server.endpoint, `/_liftlog/fleets/${fleetId}/faults`, {
        EventCode: "SERVER_PROCESS_CRASHED",
        Message: NUL,
        Region: REGION,
      });
      assert.equal(fault.status, 400, JSON.stringify(fault.body));
      assert.equal(fault.body.__type, "InvalidRequestException");
      assert.equal(
        fault.body.message,
        `Value '${NUL}' at 'message' failed to satisfy constraint: Member must not contain U+0000 (NUL), which liftlog does not store`,
      );
      assert.deepEqual(await ok(server, "DescribeFleetEvents", { FleetId: fleetId }), eventsBefore, "nothing was stored");
      assert.deepEqual((await ok(server, "ListFleets", {})).FleetIds, [fleetId]);
    });

    it("the GameLift API refuses it in every text member with a validation error naming the member", async () => {
      const refusals: [string, unknown, string][] = [
        ["CreateBuild", { Name: NUL, StorageLocation: STORAGE }, "name"],
        ["CreateBuild", { Name: "b", StorageLocation: STORAGE, Tags: [{ Key: "k", Value: NUL }] }, "tags.1.member.value"],
        ["CreateBuild", { Name: "b", StorageLocation: STORAGE, Tags: [{ Key: NUL, Value: "v" }] }, "tags.1.member.key"],
        ["CreateFleet", { Name: NUL, EC2InstanceType: "c5.large", BuildId: "build-1" }, "name"],
        ["CreateFleet", { Name: "f", Description: NUL, EC2InstanceType: "c5.large", BuildId: "build-1" }, "description"],
        ["UpdateFleetAttributes", { FleetId: fleetId, Name: NUL }, "name"],
        ["DescribeFleetEvents", { FleetId: `arn:aws:gamelift:${REGION}:000000000000:fleet/${NUL}fleet-1` }, "fleetId"],
        ["CreateAlias", { Name: NUL, RoutingStrategy: { Type: "TERMINAL", Message: "gone" } }, "name"],
        ["CreateAlias", { Name: "a", RoutingStrategy: { Type: "TERMINAL", Message: NUL } }, "routingStrategy.message"],
      ];
      for (const [operation, body, member] of refusals) {
        const res = await api(server, operation, body);
        assertAwsError(res, 400, "InvalidRequestException", NOT_STORED);
        assert.match(
          JSON.parse(res.text).message as string,
          new RegExp(`at '${member.replaceAll(".", "\\.")}' failed to satisfy constraint: Member must not contain U\\+0000`),
        );
      }
      assert.deepEqual((await ok(server, "ListBuilds", {})).Builds, []);
      assert.deepEqual((await ok(server, "ListFleets", {})).FleetIds, [fleetId]);
      assert.deepEqual((await ok(server, "ListAliases", {})).Aliases, []);
      assert.doesNotMatch(server.output(), /unexpected error|invalid byte sequence/);
    });
  });
}
