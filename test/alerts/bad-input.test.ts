/**
 * Bad input to the subscriptions admin API: every case gets the AWS error shape (__type and a
 * message naming what to fix) with a 4xx status, and nothing is created.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BIN, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { subscribe } from "./receiver.js";

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  status: number;
  type: string;
  message: RegExp;
}

describe("subscriptions: bad input", () => {
  let server: RunningServer;
  let fleetArn: string;
  let subscriptionId: string;
  before(async () => {
    server = await startServer();
    fleetArn = (await registerFleet(server.endpoint, "us-west-2")).FleetArn;
    subscriptionId = await subscribe(server.endpoint, { Url: "http://127.0.0.1:9/hook", Region: "us-west-2" });
  });
  after(() => server?.dispose());

  const url = "https://hooks.example.com/liftlog";
  const cases = (): Case[] => [
    { name: "not JSON", body: "{", status: 400, type: "SerializationException", message: /not valid JSON/ },
    { name: "not an object", body: [], status: 400, type: "InvalidRequestException", message: /Body must be/ },
    { name: "no Url", body: {}, status: 400, type: "InvalidRequestException", message: /Url is required/ },
    { name: "Url not a string", body: { Url: 42 }, status: 400, type: "InvalidRequestException", message: /Url is required/ },
    { name: "relative Url", body: { Url: "/hook" }, status: 400, type: "InvalidRequestException", message: /not an absolute URL/ },
    {
      name: "ftp Url",
      body: { Url: "ftp://example.com/x" },
      status: 400,
      type: "InvalidRequestException",
      message: /http or https, not 'ftp'/,
    },
    { name: "file Url", body: { Url: "file:///etc/passwd" }, status: 400, type: "InvalidRequestException", message: /not 'file'/ },
    {
      name: "Url with a password",
      body: { Url: "https://u:p@example.com/" },
      status: 400,
      type: "InvalidRequestException",
      message: /user name or password/,
    },
    {
      name: "Url too long",
      body: { Url: `https://example.com/${"a".repeat(2100)}` },
      status: 400,
      type: "InvalidRequestException",
      message: /at most 2048/,
    },
    {
      name: "unknown field",
      body: { Url: url, Fleets: [] },
      status: 400,
      type: "InvalidRequestException",
      message: /Unknown field 'Fleets'/,
    },
    {
      name: "bad event code",
      body: { Url: url, EventCodes: ["FLEET_ON_FIRE"] },
      status: 400,
      type: "InvalidRequestException",
      message: /EventCodes\[0\]: 'FLEET_ON_FIRE' is not a GameLift EventCode/,
    },
    {
      name: "empty EventCodes",
      body: { Url: url, EventCodes: [] },
      status: 400,
      type: "InvalidRequestException",
      message: /list of 1 to 100/,
    },
    {
      name: "EventCodes not a list",
      body: { Url: url, EventCodes: "FLEET_STATE_ERROR" },
      status: 400,
      type: "InvalidRequestException",
      message: /list of 1 to 100/,
    },
    {
      name: "unknown category",
      body: { Url: url, Categories: ["Fire"] },
      status: 400,
      type: "InvalidRequestException",
      message: /unknown category 'Fire'; categories are state, creation, .*failure/,
    },
    {
      name: "fleet ID malformed",
      body: { Url: url, FleetIds: ["my fleet"] },
      status: 400,
      type: "InvalidRequestException",
      message: /FleetIds\[0\]: "my fleet" is not a fleet ID/,
    },
    {
      name: "fleet ID not a string",
      body: { Url: url, FleetIds: [7] },
      status: 400,
      type: "InvalidRequestException",
      message: /FleetIds\[0\] must be a string/,
    },
    {
      name: "unknown fleet",
      body: { Url: url, FleetIds: ["fleet-00000000-0000-4000-8000-000000000000"], Region: "us-west-2" },
      status: 400,
      type: "NotFoundException",
      message: /not found in account 000000000000, region us-west-2/,
    },
    {
      name: "fleet ARN of another scope",
      body: { Url: url, FleetIds: [fleetArn], Region: "eu-west-1" },
      status: 400,
      type: "NotFoundException",
      message: /not found in account 000000000000, region eu-west-1/,
    },
    { name: "bad region", body: { Url: url, Region: "mars-1" }, status: 400, type: "UnsupportedRegionException", message: /mars-1/ },
    { name: "bad account", body: { Url: url, AccountId: "12" }, status: 400, type: "InvalidRequestException", message: /12-digit/ },
    {
      name: "empty Secret",
      body: { Url: url, Secret: "" },
      status: 400,
      type: "InvalidRequestException",
      message: /Secret must be a string of 1 to 1024/,
    },
    { name: "Secret not a string", body: { Url: url, Secret: 5 }, status: 400, type: "InvalidRequestException", message: /Secret must be/ },
    {
      name: "unknown subscription",
      method: "DELETE",
      path: "/sub-nope",
      status: 400,
      type: "NotFoundException",
      message: /Subscription sub-nope not found/,
    },
    {
      name: "unknown subscription's deliveries",
      method: "GET",
      path: "/sub-nope/deliveries",
      status: 400,
      type: "NotFoundException",
      message: /not found/,
    },
    { name: "bad path escape", method: "GET", path: "/%ZZ", status: 400, type: "InvalidRequestException", message: /percent-encoding/ },
    {
      name: "method not allowed",
      method: "PUT",
      path: "",
      status: 405,
      type: "UnknownOperationException",
      message: /No admin endpoint PUT/,
    },
    {
      name: "no such sub-route",
      method: "GET",
      path: "/x/y/z",
      status: 404,
      type: "UnknownOperationException",
      message: /No admin endpoint/,
    },
  ];

  it("answers each bad request with an AWS-shaped 4xx and creates nothing", async () => {
    for (const c of cases()) {
      const res = await fetch(`${server.endpoint}/_liftlog/subscriptions${c.path ?? ""}`, {
        method: c.method ?? "POST",
        ...(c.body !== undefined ? { body: typeof c.body === "string" ? c.body : JSON.stringify(c.body) } : {}),
      });
      const body = (await res.json()) as { __type: string; message: string };
      assert.equal(res.status, c.status, `${c.name}: ${JSON.stringify(body)}`);
      assert.equal(body.__type, c.type, c.name);
      assert.match(body.message, c.message, c.name);
      assert.ok(res.headers.get("x-amzn-requestid"), c.name);
    }
    const list = (await (await fetch(`${server.endpoint}/_liftlog/subscriptions`)).json()) as {
      Subscriptions: { SubscriptionId: string }[];
    };
    assert.deepEqual(
      list.Subscriptions.map((s) => s.SubscriptionId),
      [subscriptionId],
    );
  });

  it("rejects bad deliveries queries and re-drive bodies", async () => {
    const base = `${server.endpoint}/_liftlog/subscriptions/${subscriptionId}`;
    const checks: [string, RequestInit, RegExp][] = [
      ["/deliveries?State=LOST", {}, /State must be PARKED or PENDING/],
      ["/deliveries?Limit=0", {}, /Limit must be a positive integer/],
      ["/deliveries?Limit=abc", {}, /Limit must be a positive integer/],
      ["/deliveries?NextToken=forged.token", {}, /Invalid NextToken/],
      ["/redrive", { method: "POST", body: "[1]" }, /Body is empty/],
      ["/redrive", { method: "POST", body: '{"DeliveryIds": []}' }, /DeliveryIds must be a non-empty list/],
      ["/redrive", { method: "POST", body: '{"DeliveryIds": ["1"]}' }, /DeliveryIds must be/],
      ["/redrive", { method: "POST", body: '{"Ids": [1]}' }, /Unknown field 'Ids'/],
    ];
    for (const [path, init, message] of checks) {
      const res = await fetch(base + path, init);
      const body = (await res.json()) as { __type: string; message: string };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.__type, "InvalidRequestException", path);
      assert.match(body.message, message, path);
    }
  });

  it("requires the admin token when the server has one", async () => {
    const guarded = await startServer({ args: ["--admin-token", "t0ken"] });
    try {
      const denied = await fetch(`${guarded.endpoint}/_liftlog/subscriptions`, { method: "POST", body: JSON.stringify({ Url: url }) });
      assert.equal(denied.status, 401);
      assert.equal(((await denied.json()) as { __type: string }).__type, "UnauthorizedException");
      const metrics = await fetch(`${guarded.endpoint}/_liftlog/metrics`);
      assert.equal(metrics.status, 401);
      const allowed = await fetch(`${guarded.endpoint}/_liftlog/subscriptions`, { headers: { Authorization: "Bearer t0ken" } });
      assert.deepEqual(await allowed.json(), { Subscriptions: [] });
    } finally {
      await guarded.dispose();
    }
  });

  it("serve refuses bad delivery settings", () => {
    const cases: [string[], RegExp][] = [
      [["--delivery-max-attempts", "0"], /--delivery-max-attempts must be a positive integer, got '0'/],
      [["--delivery-max-attempts", "2.5"], /--delivery-max-attempts must be a positive integer/],
      [["--delivery-backoff-cap", "0"], /--delivery-backoff-cap must be a positive number, got '0'/],
      [["--delivery-timeout", "soon"], /--delivery-timeout must be a positive number, got 'soon'/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], { encoding: "utf8" });
      assert.notEqual(run.status, 0, args.join(" "));
      assert.match(run.stderr, message, args.join(" "));
    }
  });
});
