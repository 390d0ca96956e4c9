/**
 * A blue/green deploy as a pipeline runs it, through boto3 and through the JS SDK v3, on the manual
 * clock: build → fleet → wait for FLEET_STATE_ACTIVE in the events → alias → second fleet → wait →
 * UpdateAlias → delete the old fleet. Both clients see the same story: each fleet's whole event log,
 * the alias resolving to blue then green, the old fleet gone from ListFleets.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  CreateAliasCommand,
  DeleteFleetCommand,
  DescribeFleetEventsCommand,
  ListFleetsCommand,
  ResolveAliasCommand,
  UpdateAliasCommand,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { pythonToolsMissing } from "../helpers/server.js";
import { advance, allEvents, BOTO3_PRELUDE, CREATION, ec2Fleet, manualFixture } from "./helpers.js";

interface Deploy {
  blue: string;
  green: string;
  resolved: string[];
  blueCodes: string[];
  greenCodes: string[];
  fleetsAfter: string[];
  messages: string[];
}

const BOTO3_DEPLOY = `${BOTO3_PRELUDE}


def events(fleet_id):
    pages = client.get_paginator("describe_fleet_events").paginate(FleetId=fleet_id, PaginationConfig={"PageSize": 4})
    return [e for page in pages for e in page["Events"]]

def deploy_fleet(build_id, name):
    fleet_id = client.create_fleet(Name=name, BuildId=build_id, EC2InstanceType="c5.large",
                               RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/bin/server", "ConcurrentExecutions": 1}]}
                               )["FleetAttributes"]["FleetId"]
    for _ in range(40):
        if any(e["EventCode"] == "FLEET_STATE_ACTIVE" for e in client.describe_fleet_events(FleetId=fleet_id, Limit=5)["Events"]):
            return fleet_id
        advance(30)
    raise SystemExit("fleet never became ACTIVE")

storage = {"Bucket": "builds", "Key": "game.zip", "RoleArn": "arn:aws:iam::111122223333:role/gl"}
v1 = client.create_build(Name="game", Version="1", StorageLocation=storage)["Build"]["BuildId"]
blue = deploy_fleet(v1, "game-v1")
alias = client.create_alias(Name="game-live", RoutingStrategy={"Type": "SIMPLE", "FleetId": blue})["Alias"]["AliasId"]
resolved = [client.resolve_alias(AliasId=alias)["FleetId"]]
v2 = client.create_build(Name="game", Version="2", StorageLocation=storage)["Build"]["BuildId"]
green = deploy_fleet(v2, "game-v2")
client.update_alias(AliasId=alias, RoutingStrategy={"Type": "SIMPLE", "FleetId": green})
resolved.append(client.resolve_alias(AliasId=alias)["FleetId"])
client.delete_fleet(FleetId=blue)
advance(120)
blue_events, green_events = events(blue), events(green)
fleets = [f for page in client.get_paginator("list_fleets").paginate() for f in page["FleetIds"]]
print(json.dumps({"blue": blue, "green": green, "resolved": resolved, "fleetsAfter": fleets,
                  "blueCodes": [e["EventCode"] for e in reversed(blue_events)],
                  "greenCodes": [e["EventCode"] for e in reversed(green_events)],
                  "messages": [e["Message"] for e in blue_events[:1]]}))
`;

async function jsDeploy(client: GameLiftClient, endpoint: string, buildId: string): Promise<Deploy> {
  const deployFleet = async (name: string) => {
    const fleetId = (await ec2Fleet(client, buildId, undefined, { Name: name })).FleetAttributes!.FleetId!;
    for (let i = 0; i < 40; i++) {
      const { Events } = await client.send(new DescribeFleetEventsCommand({ FleetId: fleetId, Limit: 5 }));
      if (Events!.some((e) => e.EventCode === "FLEET_STATE_ACTIVE")) return fleetId;
      await advance(endpoint, 30);
    }
    throw new Error("fleet never became ACTIVE");
  };
  const blue = await deployFleet("game-v1");
  const { Alias } = await client.send(new CreateAliasCommand({ Name: "game-live", RoutingStrategy: { Type: "SIMPLE", FleetId: blue } }));
  const resolve = async () => (await client.send(new ResolveAliasCommand({ AliasId: Alias!.AliasId }))).FleetId!;
  const resolved = [await resolve()];
  const green = await deployFleet("game-v2");
  await client.send(new UpdateAliasCommand({ AliasId: Alias!.AliasId, RoutingStrategy: { Type: "SIMPLE", FleetId: green } }));
  resolved.push(await resolve());
  await client.send(new DeleteFleetCommand({ FleetId: blue }));
  await advance(endpoint, 120);
  const blueEvents = await allEvents(client, blue);
  return {
    blue,
    green,
    resolved,
    blueCodes: blueEvents.map((e) => e.EventCode!).reverse(),
    greenCodes: (await allEvents(client, green)).map((e) => e.EventCode!).reverse(),
    fleetsAfter: (await client.send(new ListFleetsCommand({}))).FleetIds!,
    messages: [blueEvents[0]!.Message!],
  };
}

function assertDeploy(d: Deploy, otherFleets: string[]): void {
  assert.deepEqual(d.resolved, [d.blue, d.green], "the alias moved from blue to green");
  assert.deepEqual(d.blueCodes, [...CREATION, "FLEET_DELETED"]);
  assert.deepEqual(d.greenCodes, CREATION);
  assert.deepEqual(d.fleetsAfter, [...otherFleets, d.green], "the old fleet is gone from ListFleets");
  assert.match(d.messages[0]!, new RegExp(`${d.blue}`));
}

describe("blue/green deploy", () => {
  const f = manualFixture();

  it("JS SDK v3: build, fleet, alias, second fleet, UpdateAlias, delete the old fleet", async () => {
    const before = (await f.client.send(new ListFleetsCommand({}))).FleetIds!;
    assertDeploy(await jsDeploy(f.client, f.server.endpoint, f.buildId), before);
  });

  it("boto3: the same deploy script reads the same", { skip: pythonToolsMissing() }, async () => {
    const before = (await f.client.send(new ListFleetsCommand({}))).FleetIds!;
    const run = spawnSync("python3", ["-c", BOTO3_DEPLOY, f.server.endpoint], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assertDeploy(JSON.parse(run.stdout) as Deploy, before);
  });
});
