/**
 * Helpers for lifecycle tests: a real server on the manual clock, clock moves through the admin
 * API, a READY build, and a fleet's whole event log read through the real SDK paginator.
 */
import {
  CreateBuildCommand,
  CreateContainerGroupDefinitionCommand,
  CreateFleetCommand,
  DescribeFleetAttributesCommand,
  paginateDescribeFleetEvents,
  type CreateContainerGroupDefinitionCommandInput,
  type CreateFleetCommandInput,
  type Event,
  type GameServerContainerDefinitionInput,
  type PutScalingPolicyCommandInput,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { admin, gamelift, startServer, type RunningServer } from "../helpers/server.js";

export const manualServer = (args: string[] = [], dataDir?: string): Promise<RunningServer> =>
  startServer({ args: ["--clock", "manual", ...args], ...(dataDir ? { dataDir } : {}) });

export interface Fixture {
  server: RunningServer;
  client: GameLiftClient;
  /** A READY build of the default account in us-west-2. */
  buildId: string;
}

/** A manual-clock server, an SDK client and a READY build for the enclosing suite, stopped after it. */
export function manualFixture(): Fixture {
  const fixture = {} as Fixture;
  before(async () => {
    fixture.server = await manualServer();
    fixture.client = gamelift(fixture.server.endpoint);
    fixture.buildId = await readyBuild(fixture.client);
  });
  after(async () => {
    fixture.client?.destroy();
    await fixture.server?.dispose();
  });
  return fixture;
}

export async function adminGet(endpoint: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(endpoint + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The service clock in epoch milliseconds. */
export async function clockNow(endpoint: string): Promise<number> {
  const { body } = await adminGet(endpoint, "/_liftlog/clock");
  return Math.round((body.Now as number) * 1000);
}

export async function advance(endpoint: string, seconds: number): Promise<number> {
  const { status, body } = await admin(endpoint, "/_liftlog/clock", { AdvanceSeconds: seconds });
  if (status !== 200) throw new Error(`advance: ${status} ${JSON.stringify(body)}`);
  return Math.round((body.Now as number) * 1000);
}

export async function readyBuild(client: GameLiftClient): Promise<string> {
  const out = await client.send(
    new CreateBuildCommand({
      Name: "game",
      Version: "1.0",
      StorageLocation: { Bucket: "builds", Key: "game.zip", RoleArn: "arn:aws:iam::111122223333:role/gamelift" },
    }),
  );
  return out.Build!.BuildId!;
}

export const LAUNCH_PATH = "/local/game/bin/server";

export { EC2_CREATION as CREATION } from "../helpers/sequences.js";

/** An EC2 fleet of `buildId` with the given scenario tag (none: the default). */
export async function ec2Fleet(client: GameLiftClient, buildId: string, scenario?: string, extra: Partial<CreateFleetCommandInput> = {}) {
  const out = await client.send(
    new CreateFleetCommand({
      Name: `fleet-${scenario ?? "default"}`,
      BuildId: buildId,
      EC2InstanceType: "c5.large",
      RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: LAUNCH_PATH, ConcurrentExecutions: 1, Parameters: "-port 7777" }] },
      ...(scenario ? { Tags: [{ Key: "liftlog:scenario", Value: scenario }] } : {}),
      ...extra,
    }),
  );
  return out;
}

/** Every event of a fleet, newest first, through the SDK's own paginator. */
export async function allEvents(client: GameLiftClient, fleetId: string): Promise<Event[]> {
  const events: Event[] = [];
  for await (const page of paginateDescribeFleetEvents({ client, pageSize: 7 }, { FleetId: fleetId })) events.push(...(page.Events ?? []));
  return events;
}

/** Oldest first: the order a fleet lived its events in. */
export const chronological = (events: Event[]) => [...events].reverse();

export async function fleetStatus(client: GameLiftClient, fleetId: string): Promise<string | undefined> {
  const out = await client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }));
  return out.FleetAttributes?.[0]?.Status;
}

/**
 * The start of a boto3 script run as `python3 -c <script> <endpoint> ...`: imports, `endpoint`,
 * a GameLift `client` with the test key, and `advance(seconds)` moving the manual clock.
 */
export const BOTO3_PRELUDE = `
import json, sys, time, urllib.request
import boto3

endpoint = sys.argv[1]
client = boto3.client("gamelift", region_name="us-west-2", endpoint_url=endpoint,
                      aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="secret")

def advance(seconds):
    req = urllib.request.Request(endpoint + "/_liftlog/clock", data=json.dumps({"AdvanceSeconds": seconds}).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
`;

/** A game server container: one container on UDP 7777-7780, its image tagged `tag`. */
export const gameServerContainer = (tag: string | number = 1): GameServerContainerDefinitionInput => ({
  ContainerName: "server",
  ImageUri: `111122223333.dkr.ecr.us-west-2.amazonaws.com/game:${tag}`,
  ServerSdkVersion: "5.2.0",
  PortConfiguration: { ContainerPortRanges: [{ FromPort: 7777, ToPort: 7780, Protocol: "UDP" }] },
});

/** A container group definition (default name "game") holding gameServerContainer(). */
export async function gameContainerGroup(client: GameLiftClient, name = "game"): Promise<void> {
  await client.send(
    new CreateContainerGroupDefinitionCommand({
      Name: name,
      OperatingSystem: "AMAZON_LINUX_2023",
      TotalMemoryLimitMebibytes: 2048,
      TotalVcpuLimit: 0.5,
      GameServerContainerDefinition: gameServerContainer(),
    }),
  );
}

/** A PER_INSTANCE container group definition named "sidecar": one metrics agent container. */
export const SIDECAR: CreateContainerGroupDefinitionCommandInput = {
  Name: "sidecar",
  ContainerGroupType: "PER_INSTANCE",
  OperatingSystem: "AMAZON_LINUX_2023",
  TotalMemoryLimitMebibytes: 512,
  TotalVcpuLimit: 0.25,
  SupportContainerDefinitions: [{ ContainerName: "metrics", ImageUri: "public.ecr.aws/metrics/agent:latest" }],
};

/** A rule-based scaling policy that never acts (it watches a queue liftlog never has). */
export const queuePolicy = (FleetId: string | undefined, Name: string): PutScalingPolicyCommandInput => ({
  FleetId,
  Name,
  MetricName: "QueueDepth",
  ComparisonOperator: "GreaterThanThreshold",
  Threshold: 1000,
  EvaluationPeriods: 5,
  ScalingAdjustment: 1,
  ScalingAdjustmentType: "ChangeInCapacity",
});

/** Asserts the SDK call failed with this error name and a message equal to `message` (a string) or matching it. */
export async function rejectsWith(call: Promise<unknown>, name: string, message: RegExp | string): Promise<void> {
  await assert.rejects(call, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}
