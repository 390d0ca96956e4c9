/**
 * Smithy RPC v2 CBOR beside AWS JSON 1.1 on the same port, through the real JS SDK (its own
 * SmithyRpcV2CborProtocol) and raw requests for what no SDK sends. The Smithy protocol tests
 * (smithy-protocol-tests/model/rpcv2Cbor) are the reference for the wire details checked here.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DeleteFleetCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetEventsCommand,
  NotFoundException,
  InvalidRequestException,
  paginateDescribeFleetEvents,
  type Event,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { cbor } from "@smithy/core/cbor";
import { cborGamelift, gamelift } from "../helpers/server.js";
import { advance, ec2Fleet, readyBuild, CREATION } from "../lifecycle/helpers.js";
import { assertSameEvents, sdkLine, startWithFleetLog, type FleetLog } from "./fleet-log.js";
import { rawCall, rawCborCall } from "./raw-api.js";

/** Every request path and Content-Type the client sends, to show which protocol it spoke. */
function recordRequests(client: GameLiftClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path: string; headers: Record<string, string> };
      seen.push(`${request.path} ${request.headers["content-type"]} ${request.headers["smithy-protocol"]}`);
      return next(args);
    },
    { step: "finalizeRequest" },
  );
  return seen;
}

async function allEvents(client: GameLiftClient, fleetId: string, pageSize: number): Promise<Event[]> {
  const events: Event[] = [];
  for await (const page of paginateDescribeFleetEvents({ client, pageSize }, { FleetId: fleetId })) events.push(...page.Events!);
  return events;
}

const decode = (body: Buffer) => cbor.deserialize(body) as Record<string, unknown>;

function assertCborError(res: { status: number; headers: Headers; body: Buffer }, status: number, code: string, message: RegExp) {
  assert.equal(res.headers.get("smithy-protocol"), "rpc-v2-cbor");
  assert.equal(res.headers.get("content-type"), "application/cbor");
  assert.ok(res.headers.get("x-amzn-requestid"), "x-amzn-RequestId header");
  const body = decode(res.body);
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.__type, `com.amazonaws.gamelift#${code}`, JSON.stringify(body));
  assert.match(String(body.message), message);
}

describe("RPC v2 CBOR: the JS SDK and raw requests", () => {
  let log: FleetLog;
  let json: GameLiftClient;
  let rpc: GameLiftClient;
  let sent: string[];
  before(async () => {
    log = await startWithFleetLog(300, { args: ["--clock", "manual"] });
    json = gamelift(log.server.endpoint);
    rpc = cborGamelift(log.server.endpoint);
    sent = recordRequests(rpc);
  });
  after(async () => {
    json?.destroy();
    rpc?.destroy();
    await log?.server.dispose();
  });

  it("walks DescribeFleetEvents over CBOR and gets every event, in order, as over JSON 1.1", async () => {
    sent.length = 0;
    const overCbor = await allEvents(rpc, log.fleetArn, 7);
    assertSameEvents(overCbor.map(sdkLine), log.expected, "CBOR walk, pages of 7");
    assert.deepEqual(overCbor, await allEvents(json, log.fleetArn, 100));
    assert.ok(sent.length >= 300 / 7, `${sent.length} requests`);
    assert.deepEqual(new Set(sent), new Set(["/service/GameLift/operation/DescribeFleetEvents application/cbor rpc-v2-cbor"]));
  });

  it("creates, describes and deletes a fleet over CBOR; its lifecycle events read the same over both protocols", async () => {
    const buildId = await readyBuild(rpc);
    const fleet = (await ec2Fleet(rpc, buildId)).FleetAttributes!;
    await advance(log.server.endpoint, 3600);
    const viaCbor = await rpc.send(new DescribeFleetAttributesCommand({ FleetIds: [fleet.FleetId!] }));
    const viaJson = await json.send(new DescribeFleetAttributesCommand({ FleetIds: [fleet.FleetId!] }));
    assert.equal(viaCbor.FleetAttributes![0]!.Status, "ACTIVE");
    assert.deepEqual(viaCbor.FleetAttributes, viaJson.FleetAttributes);
    assert.ok(viaCbor.FleetAttributes![0]!.CreationTime instanceof Date);
    await rpc.send(new DeleteFleetCommand({ FleetId: fleet.FleetId! }));
    await advance(log.server.endpoint, 3600);
    const events = await allEvents(rpc, fleet.FleetId!, 5);
    assert.deepEqual(events.map((e) => e.EventCode).reverse(), [...CREATION, "FLEET_DELETED"]);
    assert.deepEqual(events, await allEvents(json, fleet.FleetId!, 100));
  });

  it("errors arrive as the SDK's typed exceptions with the same messages as JSON 1.1", async () => {
    for (const input of [
      { FleetId: "fleet-00000000-0000-0000-0000-000000000000" },
      { FleetId: "not a fleet" },
      { FleetId: log.fleetId, Limit: 0 },
    ]) {
      const viaCbor = await rpc.send(new DescribeFleetEventsCommand(input)).then(
        () => assert.fail("expected an error"),
        (e: Error) => e,
      );
      const viaJson = await json.send(new DescribeFleetEventsCommand(input)).then(
        () => assert.fail("expected an error"),
        (e: Error) => e,
      );
      assert.ok(viaCbor instanceof NotFoundException || viaCbor instanceof InvalidRequestException, `${viaCbor.name}`);
      assert.equal(viaCbor.name, viaJson.name);
      assert.equal(viaCbor.message, viaJson.message);
    }
  });

  it("a NextToken from JSON 1.1 resumes a CBOR walk and back", async () => {
    const first = await json.send(new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 40 }));
    const second = await rpc.send(new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 40, NextToken: first.NextToken }));
    const third = await json.send(new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 40, NextToken: second.NextToken }));
    const fourth = await rpc.send(new DescribeFleetEventsCommand({ FleetId: log.fleetArn, Limit: 40, NextToken: third.NextToken }));
    const lines = [first, second, third, fourth].flatMap((p) => p.Events!.map(sdkLine));
    assertSameEvents(lines, log.expected.slice(0, 160), "pages alternating JSON 1.1 and CBOR");
  });

  it("answers on the wire as the protocol says: headers, tag 1 timestamps, __type shape IDs", async () => {
    const res = await rawCborCall(log.server.endpoint, "DescribeFleetEvents", cbor.serialize({ FleetId: log.fleetArn, Limit: 3 }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/cbor");
    assert.equal(res.headers.get("smithy-protocol"), "rpc-v2-cbor");
    assert.equal(res.headers.get("x-amzn-errortype"), null);
    const events = decode(res.body).Events as Record<string, unknown>[];
    const jsonPage = JSON.parse(
      (await rawCall(log.server.endpoint, "DescribeFleetEvents", JSON.stringify({ FleetId: log.fleetArn, Limit: 3 }))).text,
    ) as { Events: { EventTime: number }[] };
    assert.equal(events.length, 3);
    events.forEach((e, i) => {
      const time = e.EventTime as { tag: number; value: number };
      assert.equal(time.tag, 1);
      assert.equal(time.value, jsonPage.Events[i]!.EventTime);
    });

    const missing = await rawCborCall(
      log.server.endpoint,
      "DescribeFleetEvents",
      cbor.serialize({ FleetId: "fleet-00000000-0000-0000-0000-000000000000" }),
    );
    assertCborError(missing, 400, "NotFoundException", /fleet-00000000-0000-0000-0000-000000000000/);
    assert.equal(missing.headers.get("x-amzn-errortype"), null, "rpc-v2-cbor puts the type in the body only");
  });

  it("decodes what the Smithy protocol tests require of servers", async () => {
    const ep = log.server.endpoint;
    // An empty body, and the empty map written with indefinite length (bf ff), both mean {}.
    for (const body of [Buffer.alloc(0), Buffer.from("bfff", "hex")]) {
      const res = await rawCborCall(ep, "DescribeFleetAttributes", body);
      assert.equal(res.status, 200, decode(res.body).message as string);
    }
    // Indefinite-length text strings inside an indefinite-length list: FleetIds = [fleetId] split in chunks.
    const id = Buffer.from(log.fleetId);
    const chunked = Buffer.concat([
      Buffer.from("bf", "hex"),
      Buffer.from([0x68]),
      Buffer.from("FleetIds"),
      Buffer.from("9f7f", "hex"),
      Buffer.from([0x60 + 6]),
      id.subarray(0, 6),
      Buffer.from([0x78, id.length - 6]),
      id.subarray(6),
      Buffer.from("ffffff", "hex"),
    ]);
    const res = await rawCborCall(ep, "DescribeFleetAttributes", chunked);
    assert.equal(res.status, 200);
    assert.deepEqual(
      (decode(res.body).FleetAttributes as { FleetId: string }[]).map((f) => f.FleetId),
      [log.fleetId],
    );
    // Unknown members are skipped; undefined (f7) reads as null; a path prefix and the absolute service ID route the same.
    const tolerant = cbor.serialize({ FleetIds: [log.fleetId], Unknown: { a: [1, 2] } });
    for (const path of [
      "/v1/service/GameLift/operation/DescribeFleetAttributes",
      "/service/com.amazonaws.gamelift.GameLift/operation/DescribeFleetAttributes",
    ]) {
      const routed = await rawCborCall(ep, "", tolerant, {}, path);
      assert.equal(routed.status, 200, path);
      assert.equal((decode(routed.body).FleetAttributes as unknown[]).length, 1);
    }
    const withUndefined = Buffer.concat([
      Buffer.from("a2", "hex"),
      cbor.serialize("FleetId"),
      cbor.serialize(log.fleetArn),
      cbor.serialize("NextToken"),
      Buffer.from("f7", "hex"),
    ]);
    assert.equal((await rawCborCall(ep, "DescribeFleetEvents", withUndefined)).status, 200);
  });

  it("a '__proto__' map key sets no member: the model walk reads own members only, not what the key may make inherited", async () => {
    const ep = log.server.endpoint;
    const key = (name: string) => Buffer.concat([Buffer.from([0x60 + name.length]), Buffer.from(name)]);
    const plain = decode((await rawCborCall(ep, "DescribeFleetEvents", cbor.serialize({ FleetId: log.fleetArn }))).body);
    assert.equal((plain.Events as unknown[]).length, 100);
    // { FleetId, "__proto__": { Limit: 1, NextToken: "x" } }, written byte by byte (a JavaScript
    // object literal would set its own prototype instead); the decoder assigns the key, which sets the map's prototype.
    const inherited = cbor.serialize({ Limit: 1, NextToken: "x" });
    const withProto = Buffer.concat([Buffer.from([0xa2]), key("FleetId"), cbor.serialize(log.fleetArn), key("__proto__"), inherited]);
    const res = await rawCborCall(ep, "DescribeFleetEvents", withProto);
    assert.equal(res.status, 200, JSON.stringify(decode(res.body)));
    assert.deepEqual(decode(res.body), plain);
    // Only the required member under "__proto__": it is missing, not inherited.
    const onlyProto = Buffer.concat([Buffer.from([0xa1]), key("__proto__"), cbor.serialize({ FleetId: log.fleetArn })]);
    assertCborError(
      await rawCborCall(ep, "DescribeFleetEvents", onlyProto),
      400,
      "InvalidRequestException",
      /Value null at 'fleetId' failed to satisfy constraint: Member must not be null/,
    );
  });

  it("refuses bad requests with the modelled errors and a message that says what to fix", async () => {
    const ep = log.server.endpoint;
    const good = cbor.serialize({ FleetId: log.fleetArn });
    const cases: [string, Promise<{ status: number; headers: Headers; body: Buffer }>, number, string, RegExp][] = [
      ["JSON sent as CBOR", rawCborCall(ep, "DescribeFleetEvents", '{"FleetId": 1}'), 400, "SerializationException", /not valid CBOR/],
      [
        "truncated CBOR",
        rawCborCall(ep, "DescribeFleetEvents", good.subarray(0, good.length - 3)),
        400,
        "SerializationException",
        /not valid CBOR/,
      ],
      [
        "a second item after the body's map",
        rawCborCall(
          ep,
          "DescribeFleetEvents",
          Buffer.concat([good, cbor.serialize({ FleetId: "fleet-00000000-0000-0000-0000-000000000000" })]),
        ),
        400,
        "SerializationException",
        /Request body is not one CBOR item: \d+ bytes follow the first item \(which ends at byte \d+\)/,
      ],
      [
        "one trailing zero byte",
        rawCborCall(ep, "DescribeFleetEvents", Buffer.concat([good, Buffer.from([0])])),
        400,
        "SerializationException",
        new RegExp(`Request body is not one CBOR item: 1 bytes follow the first item \\(which ends at byte ${good.length}\\)`),
      ],
      [
        "a trailing break byte after an indefinite-length map",
        rawCborCall(ep, "DescribeFleetAttributes", Buffer.from("bfffff", "hex")),
        400,
        "SerializationException",
        /Request body is not one CBOR item: 1 bytes follow the first item \(which ends at byte 2\)/,
      ],
      [
        "an integer map key",
        rawCborCall(ep, "DescribeFleetAttributes", Buffer.from("a10000", "hex")),
        400,
        "SerializationException",
        /not valid CBOR: byte 1 starts major type 0 where major type 3 belongs/,
      ],
      [
        "reserved CBOR byte",
        rawCborCall(ep, "DescribeFleetEvents", Buffer.from("1c", "hex")),
        400,
        "SerializationException",
        /not valid CBOR/,
      ],
      [
        "a number for a string",
        rawCborCall(ep, "DescribeFleetEvents", cbor.serialize({ FleetId: 5 })),
        400,
        "SerializationException",
        /Expected a string at 'FleetId' but got number 5/,
      ],
      [
        "an untagged timestamp",
        rawCborCall(ep, "DescribeFleetEvents", cbor.serialize({ FleetId: log.fleetArn, StartTime: 1700000000 })),
        400,
        "SerializationException",
        /Expected a timestamp \(tag 1 around epoch seconds\) at 'StartTime'/,
      ],
      [
        "a byte string for a list",
        rawCborCall(ep, "DescribeFleetAttributes", cbor.serialize({ FleetIds: Buffer.from("x") })),
        400,
        "SerializationException",
        /Expected a list at 'FleetIds' but got a byte string/,
      ],
      [
        "a 64-bit integer for Limit",
        rawCborCall(ep, "DescribeFleetEvents", cbor.serialize({ FleetId: log.fleetArn, Limit: 2n ** 60n })),
        400,
        "SerializationException",
        /Expected a 32-bit integer at 'Limit'/,
      ],
      [
        "a constraint",
        rawCborCall(ep, "DescribeFleetEvents", cbor.serialize({ FleetId: "not a fleet" })),
        400,
        "InvalidRequestException",
        /^1 validation error detected: Value 'not a fleet' at 'fleetId'/,
      ],
      [
        "no smithy-protocol header",
        rawCborCall(ep, "DescribeFleetEvents", good, { "smithy-protocol": undefined }),
        400,
        "SerializationException",
        /must carry 'smithy-protocol: rpc-v2-cbor'/,
      ],
      [
        "an X-Amz-Target header",
        rawCborCall(ep, "DescribeFleetEvents", good, { "X-Amz-Target": "GameLift.DeleteFleet" }),
        400,
        "SerializationException",
        /must not carry x-amz-target/,
      ],
      [
        "a JSON content type",
        rawCborCall(ep, "DescribeFleetEvents", good, { "Content-Type": "application/json" }),
        415,
        "UnsupportedMediaTypeException",
        /Content-Type: application\/cbor, got "application\/json"/,
      ],
      [
        "an unknown operation",
        rawCborCall(ep, "DescribeFleetEventz", good),
        400,
        "UnknownOperationException",
        /Unknown operation 'DescribeFleetEventz'.*DescribeFleetEvents/,
      ],
      ["an inherited name", rawCborCall(ep, "constructor", good), 400, "UnknownOperationException", /Unknown operation 'constructor'/],
      [
        "an unknown service",
        rawCborCall(ep, "", good, {}, "/service/S3/operation/DescribeFleetEvents"),
        400,
        "UnknownOperationException",
        /Unknown service 'S3'/,
      ],
      [
        "no signature",
        rawCborCall(ep, "DescribeFleetEvents", good, { Authorization: undefined }),
        403,
        "MissingAuthenticationTokenException",
        /Authentication Token/,
      ],
    ];
    for (const [what, response, status, code, message] of cases) {
      try {
        assertCborError(await response, status, code, message);
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
    }
  });
});
