/**
 * Every lookup keyed by caller input finds only its own entries: names JavaScript objects inherit
 * (`__proto__`, `constructor`, `toString`, ...) are unknown operations, unmapped access keys, unknown
 * fault codes, scenarios, admin endpoints and locations, like any other unknown name. The names and
 * the place each is tried are drawn at random from Object.prototype's own property names; the seed
 * is printed (LIFTLOG_TEST_SEED repeats a run). On the real server, on both stores.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it, before, after } from "node:test";
import { ListFleetsCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { BIN, admin, gamelift, startServer, type RunningServer } from "../helpers/server.js";
import { ec2Fleet, readyBuild } from "../lifecycle/helpers.js";
import { paginate, PaginationError } from "../../src/client/index.js";
import { assertAwsError, authorization, rawCall } from "./raw-api.js";
import { REGION, prng } from "./fleet-log.js";
import { STORES } from "./stores.js";

const NAMES = Object.getOwnPropertyNames(Object.prototype);
const SEED = Number(process.env.LIFTLOG_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`# prototype-name draws use LIFTLOG_TEST_SEED=${SEED}`);

const MAPPED_ACCOUNT = "222222222222";
/** A location name the model's pattern (^[A-Za-z0-9\-]+$) lets through reaches the fleet's location tables. */
const locationShaped = (name: string) => /^[A-Za-z0-9-]+$/.test(name);

interface World {
  server: RunningServer;
  client: GameLiftClient;
  /** The default account's fleet, and the mapped account's (which the default account must never see). */
  fleetId: string;
  otherFleetId: string;
}

type Probe = (world: World, name: string) => Promise<void>;

/** An API call with X-Amz-Target, body and access key as given. */
const call = (world: World, target: string, body: unknown, accessKeyId = "AKIDLIFTLOGTEST") =>
  rawCall(world.server.endpoint, target, typeof body === "string" ? body : JSON.stringify(body), {
    Authorization: authorization({ accessKeyId, region: REGION }),
  });

const fleetEvents = async (world: World) => {
  const res = await call(world, "DescribeFleetEvents", { FleetId: world.fleetId });
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text) as { Events: unknown[] };
};

const PROBES: Record<string, Probe> = {
  "X-Amz-Target": async (world, name) => {
    const res = await call(world, `GameLift.${name}`, {});
    assertAwsError(res, 400, "UnknownOperationException", /Unknown operation 'GameLift\..*'\. liftlog implements: GameLift\./);
  },
  "access key": async (world, name) => {
    // An unmapped key that is not 12 digits is the default account: it sees that account's fleet only.
    const res = await call(world, "ListFleets", {}, name);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { FleetIds: [world.fleetId] });
  },
  "fault EventCode": async (world, name) => {
    const res = await admin(world.server.endpoint, `/_liftlog/fleets/${world.fleetId}/faults`, { EventCode: name, Region: REGION });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.__type, "InvalidRequestException");
    assert.match(String(res.body.message), /is not a runtime fault\. Valid values: SERVER_PROCESS_INVALID_PATH/);
  },
  "scenario tag": async (world, name) => {
    const res = await call(world, "CreateFleet", {
      Name: "probe",
      BuildId: "build-none",
      EC2InstanceType: "c5.large",
      Tags: [{ Key: "liftlog:scenario", Value: name }],
    });
    assertAwsError(
      res,
      400,
      "InvalidRequestException",
      /is not a liftlog scenario\. Valid values for EC2 fleets: success, initialization-failed,/,
    );
  },
  "admin endpoint": async (world, name) => {
    for (const method of ["GET", "POST"]) {
      const res = await fetch(`${world.server.endpoint}/_liftlog/${encodeURIComponent(name)}`, {
        method,
        body: method === "POST" ? "{}" : undefined,
      });
      assert.equal(res.status, 404, `${method} /_liftlog/${name}`);
      assert.equal(((await res.json()) as { __type: string }).__type, "UnknownOperationException");
    }
  },
  "ingested event field": async (world, name) => {
    // Written as JSON text: a "__proto__" key in an object literal would set the prototype instead.
    const event = `{"EventCode":"GENERIC_EVENT","Message":"m",${JSON.stringify(name)}:"x"}`;
    const res = await admin(
      world.server.endpoint,
      "/_liftlog/events",
      `{"FleetId":"${world.fleetId}","Region":"${REGION}","Events":[${event}]}`,
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.__type, "InvalidRequestException");
    const escaped = name.replace(/[$]/g, "\\$");
    assert.match(
      String(res.body.message),
      new RegExp(`^Events\\[0\\]: has unknown field '${escaped}'; known fields are [A-Za-z, ]+\\. Nothing in this batch was stored\\.$`),
    );
  },
  "request member": async (world, name) => {
    // Members the model does not know are ignored, inherited names too: the answer is the plain one.
    const plain = await fleetEvents(world);
    const res = await call(world, "DescribeFleetEvents", `{"FleetId":"${world.fleetId}",${JSON.stringify(name)}:{"a":1}}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), plain);
  },
  "fleet location": async (world, name) => {
    const before = await fleetEvents(world);
    const calls: [string, unknown][] = [
      ["StopFleetActions", { FleetId: world.fleetId, Actions: ["AUTO_SCALING"], Location: name }],
      ["UpdateFleetCapacity", { FleetId: world.fleetId, DesiredInstances: 1, Location: name }],
      ["DeleteFleetLocations", { FleetId: world.fleetId, Locations: [name] }],
    ];
    for (const [operation, body] of calls) {
      const res = await call(world, operation, body);
      if (locationShaped(name)) assertAwsError(res, 400, "NotFoundException", new RegExp(`has no (remote )?location ${name}\\.`));
      else
        assertAwsError(res, 400, "InvalidRequestException", /failed to satisfy constraint: Member must satisfy regular expression pattern/);
    }
    // Nothing happened to the fleet: no event, and still no remote location.
    assert.deepEqual(await fleetEvents(world), before);
    const res = await call(world, "DescribeFleetLocationAttributes", { FleetId: world.fleetId });
    const locations = (JSON.parse(res.text) as { LocationAttributes: { LocationState: { Location: string } }[] }).LocationAttributes;
    assert.deepEqual(locations, []);
  },
};

for (const store of STORES) {
  describe(`prototype names in caller input (${store.name})`, { skip: store.skip }, () => {
    const world = {} as World;
    let drop: () => Promise<void> = async () => undefined;

    before(async () => {
      const opened = await store.open();
      drop = opened.drop;
      world.server = await startServer({ args: ["--clock", "manual", "--accounts", `AKIDMAPPED=${MAPPED_ACCOUNT}`, ...opened.args] });
      world.client = gamelift(world.server.endpoint, REGION);
      world.fleetId = (await ec2Fleet(world.client, await readyBuild(world.client))).FleetAttributes!.FleetId!;
      const other = gamelift(world.server.endpoint, REGION, "AKIDMAPPED");
      world.otherFleetId = (await ec2Fleet(other, await readyBuild(other))).FleetAttributes!.FleetId!;
      assert.deepEqual((await other.send(new ListFleetsCommand({}))).FleetIds, [world.otherFleetId]);
      other.destroy();
    });
    after(async () => {
      world.client?.destroy();
      await world.server?.dispose();
      await drop();
    });

    it("every Object.prototype name is refused or ignored in every place, in a random order", async () => {
      const random = prng(SEED);
      const places = Object.keys(PROBES);
      // Each name in each place once, shuffled, so every pair is covered and the order varies.
      const draws = NAMES.flatMap((name) => places.map((place) => ({ name, place, key: random() }))).sort((a, b) => a.key - b.key);
      for (const { name, place } of draws) {
        await PROBES[place]!(world, name).catch((err: Error) => {
          throw new Error(`${place} = ${JSON.stringify(name)} (LIFTLOG_TEST_SEED=${SEED}): ${err.message}`);
        });
      }
      // The server logged no unexpected error along the way.
      assert.doesNotMatch(world.server.output(), /unexpected error|TypeError|\[object Object\]/);
    });
  });
}

describe("prototype names outside HTTP", () => {
  const random = prng(SEED + 1);
  const pick = () => NAMES[Math.floor(random() * NAMES.length)]!;

  it("the client has no paginator for them", () => {
    const client = gamelift("http://127.0.0.1:9", REGION);
    for (const name of NAMES) {
      assert.throws(
        () => paginate(client, name as never, {} as never),
        (err: Error) => err instanceof PaginationError && err.message === `Paginator for operation does not exist: ${name}`,
      );
    }
    client.destroy();
  });

  it("the command line knows no such command or stage", () => {
    const name = pick();
    const command = spawnSync(process.execPath, [BIN, name], { encoding: "utf8" });
    assert.equal(command.status, 2, command.stderr);
    assert.match(command.stderr, new RegExp(`unknown command '${name.replace(/[$]/g, "\\$")}'`));
    const stage = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", "--stage-seconds", `${pick()}=5`], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.notEqual(stage.status, 0);
    assert.match(stage.stderr, /bad stage duration '.*=5': expected STAGE=SECONDS with STAGE one of new, downloading,/);
  });
});
