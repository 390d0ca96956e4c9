/**
 * A container deploy as a pipeline runs it, through the JS SDK v3 and through boto3, on the manual
 * clock: container group definition → container fleet (with a remote location) → wait for
 * FLEET_STATE_ACTIVE and the creation's deployment → UpdateContainerGroupDefinition (a new version,
 * COPYING then READY) → UpdateContainerFleet → ListFleetDeployments / DescribeFleetDeployment until
 * COMPLETE → a second version whose deployment fails under injected container group crashes and
 * rolls back. Both clients read the same story, which is the one written out below: every event in
 * order with its time, every deployment with its status in every location. On SQLite and on
 * PostgreSQL.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  CreateContainerFleetCommand,
  DescribeContainerFleetCommand,
  DescribeContainerGroupDefinitionCommand,
  DescribeFleetDeploymentCommand,
  DescribeFleetEventsCommand,
  ListContainerGroupDefinitionVersionsCommand,
  ListFleetDeploymentsCommand,
  paginateListFleetDeployments,
  UpdateContainerFleetCommand,
  UpdateContainerGroupDefinitionCommand,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { admin, gamelift, pythonToolsMissing, type RunningServer } from "../helpers/server.js";
import { STORES } from "../interop/stores.js";
import { advance, allEvents, BOTO3_PRELUDE, chronological, gameContainerGroup, gameServerContainer, manualServer } from "./helpers.js";

const ROLE = "arn:aws:iam::111122223333:role/gamelift-containers";
const ROLLBACK = { ImpairmentStrategy: "ROLLBACK", MinimumHealthyPercentage: 75, ProtectionStrategy: "IGNORE_PROTECTION" } as const;

/** What a pipeline saw, in a form both clients produce. */
interface Story {
  fleetId: string;
  name: string;
  copying: string;
  /** The latest deployment's status after the update, after two crashes (75% healthy), after a third. */
  statuses: string[];
  /** The fleet's game server definition while rolling back. */
  rolledBackTo: string;
  versions: [number, string][];
  latestIsListed: boolean;
  deployments: { status: string; binary: string; rollback: string | null; config: unknown; locations: Record<string, string> }[];
  events: [string, string, number, number][];
}

const BOTO3_STORY = `${BOTO3_PRELUDE}
name, role, rollback_config = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])

def container(tag):
    return {"ContainerName": "server", "ImageUri": f"111122223333.dkr.ecr.us-west-2.amazonaws.com/game:{tag}", "ServerSdkVersion": "5.2.0",
            "PortConfiguration": {"ContainerPortRanges": [{"FromPort": 7777, "ToPort": 7780, "Protocol": "UDP"}]}}

def until(check, step):
    for _ in range(40):
        if check():
            return
        advance(step)
    raise SystemExit("never happened")

def latest(fleet_id):
    return client.list_fleet_deployments(FleetId=fleet_id, Limit=1)["FleetDeployments"][0]["DeploymentStatus"]

def new_version(tag):
    version = client.update_container_group_definition(Name=name, GameServerContainerDefinition=container(tag),
                                                       VersionDescription=f"v{tag}")["ContainerGroupDefinition"]
    until(lambda: client.describe_container_group_definition(Name=name, VersionNumber=version["VersionNumber"])["ContainerGroupDefinition"]["Status"] == "READY", 10)
    return version

def fault(fleet_id, repeat):
    req = urllib.request.Request(f"{endpoint}/_liftlog/fleets/{fleet_id}/faults", method="POST", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"EventCode": "GAME_SERVER_CONTAINER_GROUP_CRASHED", "Repeat": repeat, "Region": "us-west-2"}).encode())
    urllib.request.urlopen(req).read()

client.create_container_group_definition(Name=name, OperatingSystem="AMAZON_LINUX_2023", TotalMemoryLimitMebibytes=2048, TotalVcpuLimit=0.5,
                                         GameServerContainerDefinition=container(1))
fleet_id = client.create_container_fleet(FleetRoleArn=role, GameServerContainerGroupDefinitionName=name,
                                         Locations=[{"Location": "us-east-1"}])["ContainerFleet"]["FleetId"]
until(lambda: any(e["EventCode"] == "FLEET_STATE_ACTIVE" for e in client.describe_fleet_events(FleetId=fleet_id, Limit=5)["Events"]), 30)
until(lambda: client.describe_fleet_deployment(FleetId=fleet_id)["FleetDeployment"]["DeploymentStatus"] == "COMPLETE", 30)

v2 = new_version(2)
client.update_container_fleet(FleetId=fleet_id, GameServerContainerGroupDefinitionName=v2["ContainerGroupDefinitionArn"])
statuses = [latest(fleet_id)]
until(lambda: latest(fleet_id) == "COMPLETE", 30)
v3 = new_version(3)
client.update_container_fleet(FleetId=fleet_id, GameServerContainerGroupDefinitionName=v3["ContainerGroupDefinitionArn"],
                              DeploymentConfiguration=rollback_config)
advance(30)
fault(fleet_id, 2)
statuses.append(latest(fleet_id))
fault(fleet_id, 1)
statuses.append(latest(fleet_id))
rolled_back_to = client.describe_container_fleet(FleetId=fleet_id)["ContainerFleet"]["GameServerContainerGroupDefinitionArn"]
until(lambda: latest(fleet_id) != "ROLLBACK_IN_PROGRESS", 30)

listed = [d for page in client.get_paginator("list_fleet_deployments").paginate(FleetId=fleet_id, PaginationConfig={"PageSize": 1})
          for d in page["FleetDeployments"]]
deployments = []
for d in listed:
    described = client.describe_fleet_deployment(FleetId=fleet_id, DeploymentId=d["DeploymentId"])
    deployments.append({"status": d["DeploymentStatus"], "binary": d["GameServerBinaryArn"], "rollback": d.get("RollbackGameServerBinaryArn"),
                        "config": d["DeploymentConfiguration"],
                        "locations": {k: v["DeploymentStatus"] for k, v in described["LocationalDeployments"].items()}})
events = [e for page in client.get_paginator("describe_fleet_events").paginate(FleetId=fleet_id, PaginationConfig={"PageSize": 4})
          for e in page["Events"]][::-1]
start = events[0]["EventTime"].timestamp()
latest_id = client.describe_container_fleet(FleetId=fleet_id)["ContainerFleet"]["DeploymentDetails"]["LatestDeploymentId"]
print(json.dumps({
    "fleetId": fleet_id, "name": name, "copying": v2["Status"], "statuses": statuses, "rolledBackTo": rolled_back_to,
    "versions": [[v["VersionNumber"], v["Status"]] for v in client.list_container_group_definition_versions(Name=name)["ContainerGroupDefinitions"]],
    "latestIsListed": latest_id == listed[0]["DeploymentId"],
    "deployments": deployments,
    "events": [[e["EventCode"], e["Message"], e["Count"], round((e["EventTime"].timestamp() - start) * 1000)] for e in events],
}))
`;

async function jsStory(client: GameLiftClient, endpoint: string, name: string): Promise<Story> {
  const until = async (check: () => Promise<boolean>, step: number) => {
    for (let i = 0; i < 40; i++) {
      if (await check()) return;
      await advance(endpoint, step);
    }
    throw new Error("never happened");
  };
  const latest = async (FleetId: string) =>
    (await client.send(new ListFleetDeploymentsCommand({ FleetId, Limit: 1 }))).FleetDeployments![0]!.DeploymentStatus!;
  const newVersion = async (tag: number) => {
    const { ContainerGroupDefinition: v } = await client.send(
      new UpdateContainerGroupDefinitionCommand({
        Name: name,
        GameServerContainerDefinition: gameServerContainer(tag),
        VersionDescription: `v${tag}`,
      }),
    );
    const ready = async () =>
      (await client.send(new DescribeContainerGroupDefinitionCommand({ Name: name, VersionNumber: v!.VersionNumber })))
        .ContainerGroupDefinition!.Status === "READY";
    await until(ready, 10);
    return v!;
  };
  const fault = (fleetId: string, Repeat: number) =>
    admin(endpoint, `/_liftlog/fleets/${fleetId}/faults`, {
      EventCode: "GAME_SERVER_CONTAINER_GROUP_CRASHED",
      Repeat,
      Region: "us-west-2",
    });

  await gameContainerGroup(client, name);
  const FleetId = (
    await client.send(
      new CreateContainerFleetCommand({
        FleetRoleArn: ROLE,
        GameServerContainerGroupDefinitionName: name,
        Locations: [{ Location: "us-east-1" }],
      }),
    )
  ).ContainerFleet!.FleetId!;
  await until(
    async () =>
      (await client.send(new DescribeFleetEventsCommand({ FleetId, Limit: 5 }))).Events!.some((e) => e.EventCode === "FLEET_STATE_ACTIVE"),
    30,
  );
  await until(
    async () => (await client.send(new DescribeFleetDeploymentCommand({ FleetId }))).FleetDeployment!.DeploymentStatus === "COMPLETE",
    30,
  );

  const v2 = await newVersion(2);
  await client.send(new UpdateContainerFleetCommand({ FleetId, GameServerContainerGroupDefinitionName: v2.ContainerGroupDefinitionArn }));
  const statuses = [await latest(FleetId)];
  await until(async () => (await latest(FleetId)) === "COMPLETE", 30);
  const v3 = await newVersion(3);
  await client.send(
    new UpdateContainerFleetCommand({
      FleetId,
      GameServerContainerGroupDefinitionName: v3.ContainerGroupDefinitionArn,
      DeploymentConfiguration: ROLLBACK,
    }),
  );
  await advance(endpoint, 30);
  assert.equal((await fault(FleetId, 2)).status, 200);
  statuses.push(await latest(FleetId));
  assert.equal((await fault(FleetId, 1)).status, 200);
  statuses.push(await latest(FleetId));
  const rolledBackTo = (await client.send(new DescribeContainerFleetCommand({ FleetId }))).ContainerFleet!
    .GameServerContainerGroupDefinitionArn!;
  await until(async () => (await latest(FleetId)) !== "ROLLBACK_IN_PROGRESS", 30);

  const listed = [];
  for await (const page of paginateListFleetDeployments({ client, pageSize: 1 }, { FleetId })) listed.push(...page.FleetDeployments!);
  const deployments = [];
  for (const d of listed) {
    const described = await client.send(new DescribeFleetDeploymentCommand({ FleetId, DeploymentId: d.DeploymentId }));
    deployments.push({
      status: d.DeploymentStatus!,
      binary: d.GameServerBinaryArn!,
      rollback: d.RollbackGameServerBinaryArn ?? null,
      config: d.DeploymentConfiguration,
      locations: Object.fromEntries(Object.entries(described.LocationalDeployments!).map(([k, v]) => [k, v.DeploymentStatus!])),
    });
  }
  const events = chronological(await allEvents(client, FleetId));
  const start = events[0]!.EventTime!.getTime();
  const latestId = (await client.send(new DescribeContainerFleetCommand({ FleetId }))).ContainerFleet!.DeploymentDetails!
    .LatestDeploymentId;
  const versions = (await client.send(new ListContainerGroupDefinitionVersionsCommand({ Name: name }))).ContainerGroupDefinitions!;
  return {
    fleetId: FleetId,
    name,
    copying: v2.Status!,
    statuses,
    rolledBackTo,
    versions: versions.map((v) => [v.VersionNumber!, v.Status!]),
    latestIsListed: latestId === listed[0]!.DeploymentId,
    deployments,
    events: events.map((e) => [e.EventCode!, e.Message!, e.Count!, e.EventTime!.getTime() - start]),
  };
}

/** The story written out: what GameLift shows for this deploy, on liftlog's default stage lengths. */
function assertStory(story: Story): void {
  const { fleetId, name } = story;
  const arn = (v: number) => `arn:aws:gamelift:us-west-2:000000000000:containergroupdefinition/${name}:${v}`;
  const fleet = (state: string) => `Fleet ${fleetId} changed state to ${state}`;
  const east = (state: string) => `Location us-east-1 of fleet ${fleetId} changed state to ${state}`;
  assert.equal(story.copying, "COPYING", "a new version is COPYING first");
  assert.deepEqual(
    story.statuses,
    ["IN_PROGRESS", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS"],
    "the third crash of 8 groups drops below 75% healthy",
  );
  assert.equal(story.rolledBackTo, arn(2), "the fleet returns to the version it last deployed");
  assert.deepEqual(story.versions, [
    [3, "READY"],
    [2, "READY"],
    [1, "READY"],
  ]);
  assert.ok(story.latestIsListed, "DescribeContainerFleet's LatestDeploymentId is the newest listed");
  const defaults = { ProtectionStrategy: "WITH_PROTECTION", MinimumHealthyPercentage: 75, ImpairmentStrategy: "MAINTAIN" };
  const everywhere = (status: string) => ({ "us-west-2": status, "us-east-1": status });
  assert.deepEqual(story.deployments, [
    { status: "ROLLBACK_COMPLETE", binary: arn(3), rollback: arn(2), config: ROLLBACK, locations: everywhere("ROLLBACK_COMPLETE") },
    { status: "COMPLETE", binary: arn(2), rollback: arn(1), config: defaults, locations: everywhere("COMPLETE") },
    { status: "COMPLETE", binary: arn(1), rollback: null, config: defaults, locations: everywhere("COMPLETE") },
  ]);
  const crash = story.events.find((e) => e[0] === "GAME_SERVER_CONTAINER_GROUP_CRASHED")?.[1] ?? "";
  assert.match(
    crash,
    new RegExp(`^Game server container group ${name} on instance i-[0-9a-f]{17} of fleet ${fleetId} crashed and is being restarted\\.$`),
  );
  const s = 1000;
  assert.deepEqual(story.events, [
    ["FLEET_CREATED", `Fleet ${fleetId} created with status PENDING.`, 1, 0],
    ["FLEET_STATE_PENDING", fleet("PENDING"), 1, 1],
    ["LOCATION_STATE_PENDING", east("PENDING"), 1, 2],
    ["FLEET_STATE_CREATING", fleet("CREATING"), 1, 10 * s],
    ["FLEET_STATE_CREATED", fleet("CREATED"), 1, 70 * s],
    ["FLEET_STATE_ACTIVATING", fleet("ACTIVATING"), 1, 80 * s],
    ["FLEET_STATE_ACTIVE", fleet("ACTIVE"), 1, 170 * s],
    ["LOCATION_STATE_CREATING", east("CREATING"), 1, 180 * s],
    ["LOCATION_STATE_CREATED", east("CREATED"), 1, 240 * s],
    ["LOCATION_STATE_ACTIVATING", east("ACTIVATING"), 1, 250 * s],
    ["LOCATION_STATE_ACTIVE", east("ACTIVE"), 1, 340 * s],
    // Seen COMPLETE at 360 s; version 2 READY at 390 s (10 s polls), deployed then.
    ["FLEET_STATE_UPDATING", fleet("UPDATING"), 1, 390 * s],
    ["LOCATION_STATE_UPDATING", east("UPDATING"), 1, 390 * s + 1],
    ["LOCATION_STATE_ACTIVE", east("ACTIVE"), 1, 510 * s],
    ["FLEET_STATE_ACTIVE", fleet("ACTIVE"), 1, 510 * s + 1],
    // Version 3 READY at 540 s; three crashes 30 s into its deployment; the rollback takes an updating stage.
    ["FLEET_STATE_UPDATING", fleet("UPDATING"), 1, 540 * s],
    ["LOCATION_STATE_UPDATING", east("UPDATING"), 1, 540 * s + 1],
    ["GAME_SERVER_CONTAINER_GROUP_CRASHED", crash, 3, 570 * s],
    ["LOCATION_STATE_ACTIVE", east("ACTIVE"), 1, 690 * s],
    ["FLEET_STATE_ACTIVE", fleet("ACTIVE"), 1, 690 * s + 1],
  ]);
}

for (const store of STORES) {
  describe(`container deploy on ${store.name}`, { skip: store.skip }, () => {
    let server: RunningServer;
    let client: GameLiftClient;
    let drop: (() => Promise<void>) | undefined;
    before(async () => {
      const opened = await store.open();
      drop = opened.drop;
      server = await manualServer(opened.args);
      client = gamelift(server.endpoint);
    });
    after(async () => {
      client?.destroy();
      await server?.dispose();
      await drop?.();
    });

    it("JS SDK v3: definition, fleet, new version, UpdateContainerFleet, deployment COMPLETE; a failing one rolls back", async () => {
      assertStory(await jsStory(client, server.endpoint, "deploy-js"));
    });

    it("boto3: the same deploy script reads the same", { skip: pythonToolsMissing() }, async () => {
      const args = ["-c", BOTO3_STORY, server.endpoint, "deploy-py", ROLE, JSON.stringify(ROLLBACK)];
      const run = spawnSync("python3", args, { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      assertStory(JSON.parse(run.stdout) as Story);
    });
  });
}
