/**
 * Every paginator botocore defines for an operation liftlog implements walks alike with
 * liftlog/client and boto3's own Paginator: two items a page, the same full result, which is what
 * one unpaged call returns.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  CreateContainerFleetCommand,
  CreateContainerGroupDefinitionCommand,
  CreateLocationCommand,
  CreateScriptCommand,
  PutScalingPolicyCommand,
  UpdateFleetCapacityCommand,
} from "@aws-sdk/client-gamelift";
import { paginate, type PaginatedOperation } from "../../src/client/index.js";
import { COMMANDS, PAGINATOR_DEFINITIONS } from "../../src/client/operations.js";
import { serviceModel } from "../../src/model/service-model.js";
import { runPython } from "../client/support.js";
import { pythonToolsMissing } from "../helpers/server.js";
import { advance, ec2Fleet, gameContainerGroup, manualFixture, queuePolicy, readyBuild, SIDECAR } from "./helpers.js";

const PAGE = { PageSize: 2 };

/** Walks that hold a single item: liftlog keeps one version of each container group definition. */
const SINGLE = new Set(["ListContainerGroupDefinitionVersions"]);

/** Dates as epoch seconds to the millisecond, the form boto3's side reports them in. */
const plain = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, function (key, v) {
      const raw = (this as Record<string, unknown>)[key];
      return raw instanceof Date ? Math.round(raw.getTime()) / 1000 : v;
    }),
  );

describe("paginators", () => {
  const f = manualFixture();
  /** Operation -> the input its walk takes. */
  const walks = new Map<string, Record<string, unknown>>();

  before(async () => {
    const fleets: string[] = [];
    for (let i = 0; i < 3; i++) {
      await readyBuild(f.client);
      fleets.push((await ec2Fleet(f.client, f.buildId)).FleetAttributes!.FleetId!);
    }
    await gameContainerGroup(f.client);
    for (const name of ["sidecar-a", "sidecar-b"]) {
      await f.client.send(new CreateContainerGroupDefinitionCommand({ ...SIDECAR, Name: name }));
    }
    for (let i = 0; i < 3; i++) {
      await f.client.send(
        new CreateContainerFleetCommand({
          FleetRoleArn: "arn:aws:iam::111122223333:role/gl",
          GameServerContainerGroupDefinitionName: "game",
        }),
      );
    }
    await advance(f.server.endpoint, 600);
    await f.client.send(new UpdateFleetCapacityCommand({ FleetId: fleets[0], MaxSize: 5, DesiredInstances: 5 }));
    for (const name of ["queue-a", "queue-b", "queue-c"]) {
      // Rules that never hold (no queue here): listed, never acted on.
      await f.client.send(new PutScalingPolicyCommand(queuePolicy(fleets[1], name)));
    }
    for (let i = 0; i < 3; i++) {
      await f.client.send(new CreateLocationCommand({ LocationName: `custom-rack-${i}` }));
      await f.client.send(new CreateScriptCommand({ Name: `script-${i}`, ZipFile: Buffer.from(`script ${i}`) }));
      await f.client.send(new CreateAliasCommand({ Name: `alias-${i}`, RoutingStrategy: { Type: "SIMPLE", FleetId: fleets[i] } }));
    }
    walks.set("DescribeFleetEvents", { FleetId: fleets[0] });
    walks.set("DescribeFleetAttributes", {});
    walks.set("DescribeFleetCapacity", {});
    walks.set("DescribeFleetUtilization", {});
    walks.set("ListFleets", {});
    walks.set("ListBuilds", {});
    walks.set("ListScripts", {});
    walks.set("ListLocations", { Filters: ["CUSTOM"] });
    walks.set("ListAliases", {});
    walks.set("ListContainerFleets", {});
    walks.set("ListContainerGroupDefinitions", {});
    walks.set("ListContainerGroupDefinitionVersions", { Name: "game" });
    walks.set("DescribeInstances", { FleetId: fleets[0] });
    walks.set("DescribeScalingPolicies", { FleetId: fleets[1] });
    walks.set("ListCompute", { FleetId: fleets[0] });
    // Three container fleets' creations: three deployments.
    walks.set("ListFleetDeployments", {});
  });

  it("covers every paginated operation liftlog implements", () => {
    const implemented = Object.keys(PAGINATOR_DEFINITIONS).filter((op) => Object.hasOwn(serviceModel.operations, op));
    assert.deepEqual([...walks.keys()].sort(), implemented.sort());
  });

  it("liftlog/client walks each in pages of two, to exactly what one unpaged call returns", async () => {
    for (const [operation, input] of walks) {
      const op = operation as PaginatedOperation;
      const key = PAGINATOR_DEFINITIONS[op]!.result_key as string;
      const pages: unknown[] = [];
      for await (const page of paginate(f.client, op, input as never, PAGE)) pages.push(page);
      const walked = await paginate(f.client, op, input as never, PAGE).buildFullResult();
      const Command = COMMANDS[op] as unknown as new (input: unknown) => Parameters<typeof f.client.send>[0];
      const whole = (await f.client.send(new Command({ ...input, Limit: 100 }))) as unknown as Record<string, unknown>;
      assert.equal(whole.NextToken, undefined, `${op}: one call holds everything`);
      assert.ok((whole[key] as unknown[]).length >= (SINGLE.has(op) ? 1 : 3), `${op}: enough items for several pages`);
      assert.deepEqual(plain(walked), { [key]: plain(whole[key]) }, op);
      assert.equal(pages.length, Math.ceil((whole[key] as unknown[]).length / 2), `${op}: pages of two`);
    }
  });

  it("boto3's paginators walk each to the same result as liftlog/client", { skip: pythonToolsMissing() }, async () => {
    const specs = [...walks].map(([operation, input]) => ({ operation, input, config: PAGE }));
    const boto = await runPython<{ result: unknown; pages: number }[]>("boto3_paginators.py", {
      endpoint: f.server.endpoint,
      region: "us-west-2",
      walks: specs,
    });
    for (const [i, spec] of specs.entries()) {
      const op = spec.operation as PaginatedOperation;
      const ours = await paginate(f.client, op, spec.input as never, PAGE).buildFullResult();
      assert.deepEqual(boto[i]!.result, plain(ours), op);
      assert.ok(boto[i]!.pages >= (SINGLE.has(op) ? 1 : 2), `${op}: boto3 walked several pages`);
    }
  });
});
