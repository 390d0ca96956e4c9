/**
 * Bad input to the GameLift API, against the real server: each request gets the AWS error the
 * model or protocol names (HTTP status, __type, a message a person can act on), never a 500, and
 * the server keeps serving. Raw HTTP for what no SDK sends; the JS SDK v3 where it can send the
 * bad value.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { DescribeFleetEventsCommand, ListFleetsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { admin, gamelift, registerFleet } from "../helpers/server.js";
import { REGION, assertSameEvents, sdkLine, startWithFleetLog, type FleetLog } from "./fleet-log.js";
import { STORES } from "./stores.js";
import { assertAwsError, authorization, rawCall, rawHttp } from "./raw-api.js";

const MiB = 1024 * 1024;
const FLEET_ID_PATTERN = String.raw`^[a-z]*fleet-[a-zA-Z0-9\-]+$|^arn:.*:[a-z]*fleet\/[a-z]*fleet-[a-zA-Z0-9\-]+$`;

/** Asserts the SDK call failed with a 400 of this type and a message matching `message`. */
async function sdkError(call: Promise<unknown>, type: string, message: RegExp | string, status = 400): Promise<void> {
  await assert.rejects(call, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, type, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

for (const store of STORES) {
  describe(`GameLift API on ${store.name}: bad input gets the right AWS error and the server keeps serving`, { skip: store.skip }, () => {
    let db: Awaited<ReturnType<typeof store.open>>;
    let log: FleetLog;
    let client: GameLiftClient;
    const clients: GameLiftClient[] = [];
    const clientFor = (region = REGION, accessKeyId?: string) => {
      const c = gamelift(log.server.endpoint, region, accessKeyId);
      clients.push(c);
      return c;
    };
    const raw = (
      body: string | Buffer | ReadableStream<Uint8Array>,
      headers?: Record<string, string | undefined>,
      target = "DescribeFleetEvents",
    ) => rawCall(log.server.endpoint, target, body, headers);

    before(async () => {
      db = await store.open();
      log = await startWithFleetLog(1500, { args: [...db.args, "--accounts", "AKIDTEAMB=222222222222"] });
      client = clientFor();
    });
    after(async () => {
      for (const c of clients) c.destroy();
      await log?.server.dispose();
      await db?.drop();
    });

    describe("malformed and mistyped bodies", () => {
      it("malformed JSON: SerializationException", async () => {
        assertAwsError(await raw(`{"FleetId": "${log.fleetId}", `), 400, "SerializationException", /^Request body is not valid JSON: /);
      });

      it("a body that is JSON but not an object: SerializationException", async () => {
        assertAwsError(await raw(`["${log.fleetId}"]`), 400, "SerializationException", /Expected an object at 'body' but got array/);
      });

      it("JSON nested a quarter of a million deep: SerializationException, not a crash", async () => {
        const deep = `{"FleetId": ${"[".repeat(250_000)}${"]".repeat(250_000)}}`;
        assertAwsError(await raw(deep), 400, "SerializationException", /FleetId|JSON/);
      });

      it("FleetId a number: SerializationException naming the member and the type", async () => {
        assertAwsError(await raw(`{"FleetId": 12345}`), 400, "SerializationException", /Expected a string at 'FleetId' but got number/);
      });

      it("Limit a string, or a fraction: SerializationException", async () => {
        assertAwsError(
          await raw(JSON.stringify({ FleetId: log.fleetId, Limit: "10" })),
          400,
          "SerializationException",
          /integer at 'Limit' but got "10"/,
        );
        assertAwsError(
          await raw(JSON.stringify({ FleetId: log.fleetId, Limit: 1.5 })),
          400,
          "SerializationException",
          /integer at 'Limit' but got number/,
        );
      });

      it("StartTime a string: SerializationException saying timestamps are epoch seconds", async () => {
        assertAwsError(
          await raw(JSON.stringify({ FleetId: log.fleetId, StartTime: "yesterday" })),
          400,
          "SerializationException",
          /timestamp in epoch seconds .* at 'StartTime' but got "yesterday"/,
        );
      });

      it("a timestamp no date can hold (1e20 seconds): SerializationException, not an empty page", async () => {
        for (const range of [{ StartTime: 1e20 }, { EndTime: -1e13 }, { StartTime: 1e20, EndTime: 1 }]) {
          assertAwsError(
            await raw(JSON.stringify({ FleetId: log.fleetId, ...range })),
            400,
            "SerializationException",
            /^Timestamp -?1\d+ at '(StartTime|EndTime)' is out of range: epoch seconds must lie within ±8\.64e12\.$/,
          );
        }
      });
    });

    describe("body size", () => {
      /** A DescribeFleetEvents body of exactly `size` bytes (padded with a member the model does not know). */
      const bodyOf = (size: number) => {
        const head = `{"FleetId": "${log.fleetId}", "Limit": 3, "Padding": "`;
        return Buffer.from(head + "x".repeat(size - head.length - 2) + `"}`);
      };

      it("exactly 1 MiB is accepted", async () => {
        const res = await raw(bodyOf(MiB));
        assert.equal(res.status, 200, res.text.slice(0, 300));
        assert.equal(JSON.parse(res.text).Events.length, 3);
      });

      /** `body` as a stream of 64 KiB chunks: sent chunked, with no Content-Length. */
      const chunked = (body: Buffer) =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < body.length; i += 64 * 1024) controller.enqueue(body.subarray(i, i + 64 * 1024));
            controller.close();
          },
        });
      const tooLarge = /^Request body is larger than the 1048576 bytes this endpoint accepts; send fewer or smaller items per request\.$/;

      // The client is still sending when the server has seen enough to refuse: it must get to read
      // the 413, not a connection reset (each is run a few times; a reset is a race).
      it("over 1 MiB with Content-Length (1 MiB + 1, and 4 MiB): 413 RequestEntityTooLargeException", async () => {
        for (let i = 0; i < 3; i++) {
          assertAwsError(await raw(bodyOf(MiB + 1)), 413, "RequestEntityTooLargeException", tooLarge);
          assertAwsError(await raw(bodyOf(4 * MiB)), 413, "RequestEntityTooLargeException", tooLarge);
        }
      });

      it("over 1 MiB sent chunked (no Content-Length): 413 RequestEntityTooLargeException", async () => {
        for (let i = 0; i < 3; i++) {
          assertAwsError(await raw(chunked(bodyOf(2 * MiB))), 413, "RequestEntityTooLargeException", tooLarge);
        }
      });

      it("far over (20 MiB): refused, and the server goes on serving", async () => {
        // Past what the server reads to drop, it closes the connection: the client sees the 413 or a reset.
        for (const body of [bodyOf(20 * MiB), chunked(bodyOf(20 * MiB))]) {
          const outcome = await raw(body).then(
            (res) => res.status,
            (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
          );
          assert.ok(outcome === 413 || /EPIPE|ECONNRESET|socket|closed/i.test(String(outcome)), `outcome: ${outcome}`);
        }
        const res = await raw(bodyOf(1000));
        assert.equal(res.status, 200, res.text.slice(0, 300));
      });
    });

    describe("headers", () => {
      it("unknown X-Amz-Target: UnknownOperationException listing the operations there are", async () => {
        assertAwsError(
          await raw(JSON.stringify({ FleetId: log.fleetId }), {}, "GameLift.DescribeFleetEventz"),
          400,
          "UnknownOperationException",
          /Unknown operation 'GameLift.DescribeFleetEventz'.*GameLift.DescribeFleetEvents/,
        );
        assertAwsError(
          await raw("{}", {}, "DynamoDB_20120810.GetItem"),
          400,
          "UnknownOperationException",
          /Unknown operation 'DynamoDB_20120810.GetItem'/,
        );
      });

      it("no X-Amz-Target: UnknownOperationException saying how to name the operation", async () => {
        assertAwsError(
          await raw("{}", { "X-Amz-Target": undefined }),
          400,
          "UnknownOperationException",
          /Missing X-Amz-Target.*GameLift.<Operation>/,
        );
      });

      it("no Authorization header: MissingAuthenticationTokenException (403)", async () => {
        assertAwsError(
          await raw(JSON.stringify({ FleetId: log.fleetId }), { Authorization: undefined }),
          403,
          "MissingAuthenticationTokenException",
          /missing Authentication Token/,
        );
      });

      it("garbled Authorization headers: IncompleteSignatureException naming what is wrong", async () => {
        const body = JSON.stringify({ FleetId: log.fleetId });
        const cases: [string, RegExp][] = [
          ["Bearer abc", /only AWS4-HMAC-SHA256 \(SigV4\)/],
          ["AWS4-HMAC-SHA256", /only AWS4-HMAC-SHA256/],
          [
            "AWS4-HMAC-SHA256 Credential=AKIDLIFTLOGTEST/20250101/us-west-2/gamelift/aws4_request",
            /requires 'SignedHeaders'.*requires 'Signature'/,
          ],
          [authorization().replace("/20250101/us-west-2/", "/us-west-2/"), /Credential should be scoped to a valid region and service/],
          [authorization().replace("aws4_request", "aws5_request"), /Credential should be scoped/],
        ];
        for (const [header, message] of cases) {
          assertAwsError(await raw(body, { Authorization: header }), 400, "IncompleteSignatureException", message);
        }
      });

      it("a region GameLift does not run in: UnsupportedRegionException, from raw HTTP and the SDK", async () => {
        const body = JSON.stringify({ FleetId: log.fleetId });
        assertAwsError(
          await raw(body, { Authorization: authorization({ region: "mars-north-1" }) }),
          400,
          "UnsupportedRegionException",
          /Region 'mars-north-1' is not a GameLift region.*us-west-2/,
        );
        await sdkError(
          clientFor("mars-north-1").send(new DescribeFleetEventsCommand({ FleetId: log.fleetId })),
          "UnsupportedRegionException",
          /Region 'mars-north-1'/,
        );
      });
    });

    describe("raw HTTP the parser lets through", () => {
      const get = (target: string) =>
        rawHttp(log.server.endpoint, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

      it("a request target no URL parser takes: 400 UnknownOperationException, not a crash", async () => {
        const res = await get("http://[/");
        assert.equal(res.statusLine, "HTTP/1.1 400 Bad Request");
        assert.equal(JSON.parse(res.body).__type, "UnknownOperationException");
        assert.match(JSON.parse(res.body).message, /Request target "http:\/\/\[\/" is not a valid URL path/);
        assert.equal(log.server.process.exitCode, null, "server still running");
      });

      it("paths that are not the API: 404 UnknownOperationException saying where the API is", async () => {
        // GET / is the web console (console-assets.test.ts); these name nothing.
        for (const target of ["/nothing", "/%", "*", "/service/GameLift/operation/DescribeFleetEvents"]) {
          const res = await get(target);
          assert.equal(res.statusLine, "HTTP/1.1 404 Not Found", target);
          assert.match(
            JSON.parse(res.body).message,
            /The GameLift API is POST \/ with X-Amz-Target: GameLift\.<Operation> \(JSON 1\.1\) or POST \/service\/GameLift\/operation\/<Operation> \(RPC v2 CBOR\)\./,
          );
        }
      });

      it("a log URL with malformed escapes or a wrong signature: 403 in S3's XML shape", async () => {
        const signature = "0".repeat(64);
        for (const target of [
          `/logs/%ZZ/${REGION}/x?Expires=1&Signature=${signature}`,
          `/logs/000000000000/${REGION}/x?Expires=9999999999&Signature=${signature}`,
        ]) {
          const res = await get(target);
          assert.equal(res.statusLine, "HTTP/1.1 403 Forbidden", target);
          assert.match(res.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>(AccessDenied|SignatureDoesNotMatch)<\/Code>/);
        }
      });

      it("bytes that are not HTTP: 400 from the HTTP parser, and the server goes on", async () => {
        const res = await rawHttp(log.server.endpoint, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n");
        assert.match(res.statusLine, /^HTTP\/1.1 400 Bad Request/);
        assert.equal(log.server.process.exitCode, null, "server still running");
      });
    });

    describe("parameters (through the JS SDK)", () => {
      it("an unknown fleet: NotFoundException naming the fleet, account and region", async () => {
        const unknown = "fleet-00000000-0000-4000-8000-000000000000";
        await sdkError(
          client.send(new DescribeFleetEventsCommand({ FleetId: unknown })),
          "NotFoundException",
          `Fleet ${unknown} not found in account 000000000000, region ${REGION}.`,
        );
      });

      it("a FleetId that is no fleet ID or ARN: InvalidRequestException in AWS's validation wording", async () => {
        for (const bad of ["not-a-fleet", "fleet-", `${log.fleetId}/x`, "arn:aws:gamelift:us-west-2:000000000000:build/build-1"]) {
          await sdkError(
            client.send(new DescribeFleetEventsCommand({ FleetId: bad })),
            "InvalidRequestException",
            `1 validation error detected: Value '${bad}' at 'fleetId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FLEET_ID_PATTERN}`,
          );
        }
      });

      it("Limit 0 and -1: InvalidRequestException (the model's minimum is 1)", async () => {
        for (const limit of [0, -1]) {
          await sdkError(
            client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetId, Limit: limit })),
            "InvalidRequestException",
            `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
          );
        }
      });

      it("several problems at once are all reported", async () => {
        await sdkError(
          client.send(new DescribeFleetEventsCommand({ FleetId: "nope", Limit: 0 })),
          "InvalidRequestException",
          /^2 validation errors detected: Value 'nope' at 'fleetId' .*; Value '0' at 'limit' /,
        );
      });

      it("StartTime after EndTime: InvalidRequestException showing both", async () => {
        await sdkError(
          client.send(
            new DescribeFleetEventsCommand({
              FleetId: log.fleetId,
              StartTime: new Date("2025-06-02T00:00:00.001Z"),
              EndTime: new Date("2025-06-02T00:00:00.000Z"),
            }),
          ),
          "InvalidRequestException",
          /StartTime \(2025-06-02T00:00:00.001Z\) is later than EndTime \(2025-06-02T00:00:00.000Z\)/,
        );
      });

      it("Limit above the largest page is clamped to 1000, not rejected, and paging goes on from there", async () => {
        const first = await client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetId, Limit: 5000 }));
        assert.equal(first.Events!.length, 1000);
        assert.ok(first.NextToken);
        const second = await client.send(
          new DescribeFleetEventsCommand({ FleetId: log.fleetId, Limit: 2 ** 31 - 1, NextToken: first.NextToken }),
        );
        assert.equal(second.NextToken, undefined);
        assertSameEvents([...first.Events!, ...second.Events!].map(sdkLine), log.expected, "clamped pages");
      });
    });

    describe("NextToken", () => {
      const tokenFor = async (c: GameLiftClient, input: { FleetId: string; StartTime?: Date; EndTime?: Date }) => {
        const { NextToken } = await c.send(new DescribeFleetEventsCommand({ ...input, Limit: 10 }));
        assert.ok(NextToken);
        return NextToken;
      };
      const describeWith = (c: GameLiftClient, FleetId: string, NextToken: string, extra: { StartTime?: Date; EndTime?: Date } = {}) =>
        c.send(new DescribeFleetEventsCommand({ FleetId, NextToken, ...extra }));
      const notThisRequest =
        /^Invalid NextToken: it does not belong to this request\. .*same fleet, StartTime and EndTime, account and region/;

      it("garbage: InvalidRequestException saying to pass the token back unchanged", async () => {
        for (const garbage of ["garbage", "a.b", "eyJ9.eyJ9", "%%%.%%%"]) {
          await sdkError(
            describeWith(client, log.fleetId, garbage),
            "InvalidRequestException",
            /^Invalid NextToken: it is not a token this service issued\. Pass the NextToken from a previous response unchanged\.$/,
          );
        }
      });

      it("tampered (position or MAC changed): InvalidRequestException", async () => {
        const token = await tokenFor(client, { FleetId: log.fleetId });
        const [payload, mac] = token.split(".") as [string, string];
        const [timeMs, seq] = JSON.parse(Buffer.from(payload, "base64url").toString()) as [number, number];
        const moved = Buffer.from(JSON.stringify([timeMs - 60_000, seq])).toString("base64url");
        await sdkError(describeWith(client, log.fleetId, `${moved}.${mac}`), "InvalidRequestException", notThisRequest);
        const flipped = mac.slice(0, 4) + (mac[4] === "A" ? "B" : "A") + mac.slice(5);
        await sdkError(describeWith(client, log.fleetId, `${payload}.${flipped}`), "InvalidRequestException", notThisRequest);
      });

      it("replayed with another fleet or another time range: InvalidRequestException", async () => {
        const other = await registerFleet(log.server.endpoint, REGION);
        const token = await tokenFor(client, { FleetId: log.fleetId });
        await sdkError(describeWith(client, other.FleetId, token), "InvalidRequestException", notThisRequest);
        await sdkError(describeWith(client, log.fleetId, token, { StartTime: new Date(0) }), "InvalidRequestException", notThisRequest);
        const ranged = await tokenFor(client, { FleetId: log.fleetId, StartTime: new Date(0), EndTime: new Date("2030-01-01T00:00:00Z") });
        await sdkError(
          describeWith(client, log.fleetId, ranged, { StartTime: new Date(0), EndTime: new Date("2030-01-01T00:00:00.001Z") }),
          "InvalidRequestException",
          notThisRequest,
        );
        await sdkError(describeWith(client, log.fleetId, ranged), "InvalidRequestException", notThisRequest);
        // The same token still works with the request it came from.
        const ok = await describeWith(client, log.fleetId, ranged, { StartTime: new Date(0), EndTime: new Date("2030-01-01T00:00:00Z") });
        assert.equal(ok.Events!.length, 100);
      });

      it("replayed in another region or account (by access key): InvalidRequestException", async () => {
        const token = await tokenFor(client, { FleetId: log.fleetId });
        const euFleet = await registerFleet(log.server.endpoint, "eu-west-1");
        await sdkError(describeWith(clientFor("eu-west-1"), euFleet.FleetId, token), "InvalidRequestException", notThisRequest);
        // AKIDTEAMB is mapped to 222222222222 by --accounts; a 12-digit access key is its own account.
        for (const [accessKeyId, account] of [
          ["AKIDTEAMB", "222222222222"],
          ["333333333333", "333333333333"],
        ] as const) {
          const theirs = await registerFleet(log.server.endpoint, REGION, account);
          await sdkError(describeWith(clientFor(REGION, accessKeyId), theirs.FleetId, token), "InvalidRequestException", notThisRequest);
        }
      });

      it("a ListFleets token is not a DescribeFleetEvents token", async () => {
        await registerFleet(log.server.endpoint, REGION);
        const { NextToken } = await client.send(new ListFleetsCommand({ Limit: 1 }));
        assert.ok(NextToken);
        await sdkError(describeWith(client, log.fleetId, NextToken), "InvalidRequestException", notThisRequest);
      });
    });

    it("after all of that the server still serves, and logged no internal error", async () => {
      const out = await client.send(new DescribeFleetEventsCommand({ FleetId: log.fleetId }));
      assertSameEvents(out.Events!.map(sdkLine), log.expected.slice(0, 100), "first page");
      assert.equal(log.server.process.exitCode, null, "server still running");
      const health = await fetch(`${log.server.endpoint}/_liftlog/health`);
      assert.equal(health.status, 200);
      assert.doesNotMatch(log.server.output(), /InternalServiceException|Error:|at .*\.js:\d+/);
      assert.equal((await admin(log.server.endpoint, "/_liftlog/fleets", { Name: "still-here", Region: REGION })).status, 200);
    });
  });
}
