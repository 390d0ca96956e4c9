/**
 * Bad input for every operation the lifecycle added or changed, over raw HTTP (no SDK would send
 * most of it): each gets the AWS error the model names, with a message that says what to fix, and
 * never a 500. Three sweeps: every required member missing (from the model), every top-level member
 * of the wrong JSON type (from the model), and one well-formed but wrong request per operation.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { serviceModel, shape } from "../../src/model/service-model.js";
import { admin } from "../helpers/server.js";
import { assertAwsError, rawCall } from "../interop/raw-api.js";
import { adminGet, advance, ec2Fleet, manualFixture } from "./helpers.js";

/** Every operation but DescribeFleetEvents (the core's, tested with it). */
const OPERATIONS = Object.keys(serviceModel.operations)
  .filter((op) => op !== "DescribeFleetEvents")
  .sort();

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** A JSON value of the wrong type for a shape. */
function wrongType(shapeName: string): unknown {
  switch (shape(shapeName).type) {
    case "string":
      return 12345;
    case "integer":
    case "long":
    case "double":
    case "float":
    case "timestamp":
      return "not-a-number";
    case "boolean":
      return "yes";
    case "list":
      return { not: "a list" };
    case "map":
      return ["not", "a", "map"];
    default:
      return "not-an-object";
  }
}

const MISSING = "fleet-00000000-0000-4000-8000-000000000000";

describe("bad input for the lifecycle operations", () => {
  const f = manualFixture();
  let fleetId: string;
  let fleetArn: string;

  before(async () => {
    const created = await ec2Fleet(f.client, f.buildId);
    fleetId = created.FleetAttributes!.FleetId!;
    fleetArn = created.FleetAttributes!.FleetArn!;
    await advance(f.server.endpoint, 460);
  });

  const call = (op: string, body: unknown) => rawCall(f.server.endpoint, op, typeof body === "string" ? body : JSON.stringify(body));

  it("covers every operation of the model but DescribeFleetEvents", () => {
    assert.equal(OPERATIONS.length, 74);
  });

  for (const op of OPERATIONS) {
    const input = shape(serviceModel.operations[op]!.input!.shape);

    it(`${op}: missing required members are named, as AWS's validation names them`, async () => {
      if (!input.required?.length) {
        assert.ok(true, "no required members");
        return;
      }
      const res = await call(op, {});
      const n = input.required.length;
      assertAwsError(res, 400, "InvalidRequestException", new RegExp(`^${n} validation error${n === 1 ? "" : "s"} detected: `));
      for (const member of input.required)
        assert.match(res.text, new RegExp(`Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`));
    });

    it(`${op}: a member of the wrong JSON type is a SerializationException naming it; a body that is not an object too`, async () => {
      for (const [member, ref] of Object.entries(input.members ?? {})) {
        const res = await call(op, { [member]: wrongType(ref.shape) });
        assertAwsError(res, 400, "SerializationException", new RegExp(`at '${member}'`));
      }
      assertAwsError(await call(op, "[]"), 400, "SerializationException", /Expected an object at 'body'/);
      assertAwsError(await call(op, "{"), 400, "SerializationException", /not valid JSON/);
    });
  }

  it("a well-formed but wrong request to each operation gets the error AWS gives, never a 500", async () => {
    const arn = (type: string, id: string) => `arn:aws:gamelift:us-west-2:000000000000:${type}/${id}`;
    const runtime = { ServerProcesses: [{ LaunchPath: "/local/game/server", ConcurrentExecutions: 1 }] };
    const cases: [string, unknown, string, RegExp][] = [
      [
        "CreateBuild",
        { Name: "b", StorageLocation: { Bucket: "b" } },
        "InvalidRequestException",
        /StorageLocation needs Bucket, Key and RoleArn/,
      ],
      [
        "CreateBuild",
        { OperatingSystem: "DOS" },
        "InvalidRequestException",
        /at 'operatingSystem' failed to satisfy constraint: Member must satisfy enum value set/,
      ],
      [
        "DescribeBuild",
        { BuildId: "build-missing" },
        "NotFoundException",
        /Build build-missing not found in account 000000000000, region us-west-2/,
      ],
      [
        "DescribeBuild",
        { BuildId: "not-a-build" },
        "InvalidRequestException",
        /at 'buildId' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      [
        "ListBuilds",
        { Status: "DONE" },
        "InvalidRequestException",
        /at 'status' failed to satisfy constraint: Member must satisfy enum value set: \[INITIALIZED, READY, FAILED\]/,
      ],
      ["ListBuilds", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      ["DeleteBuild", { BuildId: arn("build", "build-missing") }, "NotFoundException", /not found/],
      ["CreateLocation", { LocationName: "rack" }, "InvalidRequestException", /at 'locationName' failed to satisfy constraint/],
      [
        "ListLocations",
        { Filters: ["MOON"] },
        "InvalidRequestException",
        /at 'filters.1.member' failed to satisfy constraint: Member must satisfy enum value set: \[AWS, CUSTOM\]/,
      ],
      [
        "ListLocations",
        { Limit: 201 },
        "InvalidRequestException",
        /at 'limit' failed to satisfy constraint: Member must have value less than or equal to 200/,
      ],
      ["DeleteLocation", { LocationName: "custom-missing" }, "NotFoundException", /Custom location custom-missing not found/],
      ["CreateFleet", { Name: "f" }, "InvalidRequestException", /An EC2 fleet needs a game server to run: give BuildId/],
      [
        "CreateFleet",
        { Name: "f", BuildId: "build-missing", EC2InstanceType: "c5.large", RuntimeConfiguration: runtime },
        "NotFoundException",
        /Build build-missing not found/,
      ],
      [
        "CreateFleet",
        { Name: "f", BuildId: f.buildId, EC2InstanceType: "c5.large" },
        "InvalidRequestException",
        /needs a RuntimeConfiguration with at least one ServerProcesses entry/,
      ],
      [
        "CreateFleet",
        { Name: "f", BuildId: f.buildId, EC2InstanceType: "c5.huge", RuntimeConfiguration: runtime },
        "InvalidRequestException",
        /at 'eC2InstanceType'|at 'ec2InstanceType'/,
      ],
      [
        "CreateFleet",
        { Name: "f", BuildId: f.buildId, EC2InstanceType: "c5.large", RuntimeConfiguration: runtime, PeerVpcId: "vpc-1" },
        "InvalidRequestException",
        /needs both PeerVpcId and PeerVpcAwsAccountId/,
      ],
      [
        "CreateFleet",
        {
          Name: "f",
          BuildId: f.buildId,
          EC2InstanceType: "c5.large",
          RuntimeConfiguration: runtime,
          Locations: [{ Location: "eu-west-1" }, { Location: "eu-west-1" }],
        },
        "InvalidRequestException",
        /Location eu-west-1 is listed twice/,
      ],
      [
        "CreateFleet",
        { Name: "f", ComputeType: "ANYWHERE", EC2InstanceType: "c5.large", Locations: [{ Location: "custom-x" }] },
        "InvalidRequestException",
        /apply to EC2 fleets only/,
      ],
      ["DeleteFleet", { FleetId: MISSING }, "NotFoundException", new RegExp(`Fleet ${MISSING} not found`)],
      [
        "DescribeFleetAttributes",
        { FleetIds: [] },
        "InvalidRequestException",
        /at 'fleetIds' failed to satisfy constraint: Member must have length greater than or equal to 1/,
      ],
      [
        "ListFleets",
        { Limit: 0 },
        "InvalidRequestException",
        /at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1/,
      ],
      ["UpdateFleetAttributes", { FleetId: MISSING, Name: "x" }, "NotFoundException", /not found/],
      [
        "UpdateFleetAttributes",
        { FleetId: fleetArn, AnywhereConfiguration: { Cost: "1" } },
        "InvalidRequestException",
        /AnywhereConfiguration applies to ANYWHERE fleets/,
      ],
      ["DescribeRuntimeConfiguration", { FleetId: MISSING }, "NotFoundException", /not found/],
      [
        "UpdateRuntimeConfiguration",
        { FleetId: fleetId, RuntimeConfiguration: { ServerProcesses: [] } },
        "InvalidRequestException",
        /at 'runtimeConfiguration.serverProcesses' failed to satisfy constraint: Member must have length greater than or equal to 1/,
      ],
      [
        "StartFleetActions",
        { FleetId: fleetId, Actions: ["SCALE"] },
        "InvalidRequestException",
        /at 'actions.1.member' failed to satisfy constraint: Member must satisfy enum value set: \[AUTO_SCALING\]/,
      ],
      [
        "StopFleetActions",
        { FleetId: fleetId, Actions: ["AUTO_SCALING"], Location: "ap-south-1" },
        "NotFoundException",
        /has no location ap-south-1/,
      ],
      [
        "CreateFleetLocations",
        { FleetId: fleetId, Locations: [] },
        "InvalidRequestException",
        /at 'locations' failed to satisfy constraint: Member must have length greater than or equal to 1/,
      ],
      [
        "CreateFleetLocations",
        { FleetId: fleetId, Locations: [{ Location: "us-west-2" }] },
        "InvalidRequestException",
        /home Region, not a remote location/,
      ],
      ["DeleteFleetLocations", { FleetId: MISSING, Locations: ["eu-west-1"] }, "NotFoundException", /not found/],
      [
        "DescribeFleetLocationAttributes",
        { FleetId: fleetId, Limit: 0 },
        "InvalidRequestException",
        /at 'limit' failed to satisfy constraint/,
      ],
      [
        "UpdateFleetCapacity",
        { FleetId: fleetId, DesiredInstances: -1 },
        "InvalidRequestException",
        /at 'desiredInstances' failed to satisfy constraint: Member must have value greater than or equal to 0/,
      ],
      [
        "UpdateFleetCapacity",
        { FleetId: fleetId, DesiredInstances: 2 },
        "InvalidRequestException",
        /DesiredInstances \(2\) must be between MinSize \(0\) and MaxSize \(1\)/,
      ],
      [
        "DescribeFleetCapacity",
        { FleetIds: ["not a fleet"] },
        "InvalidRequestException",
        /at 'fleetIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      ["DescribeFleetCapacity", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      [
        "TagResource",
        { ResourceARN: arn("fleet", MISSING), Tags: [{ Key: "a", Value: "b" }] },
        "NotFoundException",
        /not found in account 000000000000, region us-west-2/,
      ],
      [
        "TagResource",
        { ResourceARN: fleetArn, Tags: [{ Key: "a" }] },
        "InvalidRequestException",
        /at 'tags.1.member.value' failed to satisfy constraint: Member must not be null/,
      ],
      ["UntagResource", { ResourceARN: "bucket", TagKeys: ["a"] }, "InvalidRequestException", /bucket is not a GameLift resource ARN/],
      ["ListTagsForResource", { ResourceARN: arn("alias", "alias-1") }, "NotFoundException", /not found/],
      [
        "CreateVpcPeeringConnection",
        { FleetId: MISSING, PeerVpcAwsAccountId: "111122223333", PeerVpcId: "vpc-1" },
        "NotFoundException",
        /not found/,
      ],
      [
        "CreateVpcPeeringConnection",
        { FleetId: fleetArn, PeerVpcAwsAccountId: "111122223333", PeerVpcId: "vpc-1" },
        "InvalidRequestException",
        /at 'fleetId' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      [
        "DeleteVpcPeeringConnection",
        { FleetId: fleetId, VpcPeeringConnectionId: "pcx-missing" },
        "NotFoundException",
        /has no VPC peering connection pcx-missing/,
      ],
      ["DescribeVpcPeeringConnections", { FleetId: MISSING }, "NotFoundException", /not found/],
      [
        "CreateContainerGroupDefinition",
        { Name: "g", OperatingSystem: "AMAZON_LINUX_2023", TotalMemoryLimitMebibytes: 4, TotalVcpuLimit: 1 },
        "InvalidRequestException",
        /needs a GameServerContainerDefinition/,
      ],
      [
        "CreateContainerGroupDefinition",
        { Name: "g", OperatingSystem: "AMAZON_LINUX_2023", TotalMemoryLimitMebibytes: 4, TotalVcpuLimit: 11 },
        "InvalidRequestException",
        /at 'totalVcpuLimit' failed to satisfy constraint: Member must have value less than or equal to 10/,
      ],
      ["DescribeContainerGroupDefinition", { Name: "missing" }, "NotFoundException", /Container group definition missing not found/],
      [
        "DeleteContainerGroupDefinition",
        { Name: "missing", VersionNumber: 1, VersionCountToRetain: 1 },
        "InvalidRequestException",
        /not both/,
      ],
      [
        "CreateContainerFleet",
        { FleetRoleArn: "role" },
        "InvalidRequestException",
        /at 'fleetRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      [
        "CreateContainerFleet",
        { FleetRoleArn: "arn:aws:iam::1:role/r", GameServerContainerGroupDefinitionName: "missing" },
        "NotFoundException",
        /missing not found/,
      ],
      [
        "CreateContainerFleet",
        { FleetRoleArn: "arn:aws:iam::1:role/r", Tags: [{ Key: "liftlog:scenario", Value: "crash-loop" }] },
        "InvalidRequestException",
        /applies to EC2\/ANYWHERE fleets, not CONTAINER\. Valid values for CONTAINER fleets: success, container-crash/,
      ],
      ["DescribeContainerFleet", { FleetId: fleetId }, "NotFoundException", new RegExp(`Container fleet ${fleetId} not found`)],
      [
        "ListContainerFleets",
        { ContainerGroupDefinitionName: "bad name" },
        "InvalidRequestException",
        /at 'containerGroupDefinitionName' failed to satisfy constraint/,
      ],
      ["UpdateContainerFleet", { FleetId: MISSING }, "NotFoundException", /not found/],
      ["DeleteContainerFleet", { FleetId: MISSING }, "NotFoundException", /not found/],
      [
        "CreateAlias",
        { Name: "a", RoutingStrategy: { Type: "SIMPLE", FleetId: MISSING } },
        "InvalidRequestException",
        new RegExp(`Fleet ${MISSING} not found in account 000000000000, region us-west-2: a SIMPLE alias must point at an existing fleet`),
      ],
      [
        "CreateAlias",
        { Name: " ", RoutingStrategy: { Type: "TERMINAL" } },
        "InvalidRequestException",
        /at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      ["DescribeAlias", { AliasId: "fleet-1" }, "InvalidRequestException", /at 'aliasId' failed to satisfy constraint/],
      [
        "UpdateAlias",
        { AliasId: "alias-missing", RoutingStrategy: { Type: "ROUND_ROBIN" } },
        "InvalidRequestException",
        /at 'routingStrategy.type' failed to satisfy constraint: Member must satisfy enum value set: \[SIMPLE, TERMINAL\]/,
      ],
      ["UpdateAlias", { AliasId: "alias-missing", Name: "x" }, "NotFoundException", /Alias alias-missing not found/],
      ["DeleteAlias", { AliasId: arn("alias", "alias-missing") }, "NotFoundException", /Alias .*alias-missing not found/],
      [
        "ListAliases",
        { RoutingStrategyType: "DIRECT" },
        "InvalidRequestException",
        /at 'routingStrategyType' failed to satisfy constraint/,
      ],
      ["ListAliases", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      ["ResolveAlias", { AliasId: "alias-missing" }, "NotFoundException", /Alias alias-missing not found/],
      ["DescribeInstances", { FleetId: fleetId, InstanceId: "i-missing" }, "NotFoundException", /has no instance i-missing/],
      ["DescribeInstances", { FleetId: fleetId, Limit: 0 }, "InvalidRequestException", /at 'limit' failed to satisfy constraint/],
      ["GetInstanceAccess", { FleetId: MISSING, InstanceId: "i-1" }, "NotFoundException", /not found/],
      [
        "RegisterCompute",
        { FleetId: fleetId, ComputeName: "bad name!" },
        "InvalidRequestException",
        /at 'computeName' failed to satisfy constraint/,
      ],
      [
        "RegisterCompute",
        { FleetId: fleetId, ComputeName: "box", IpAddress: "10.0.0.1" },
        "InvalidRequestException",
        /RegisterCompute applies to ANYWHERE fleets/,
      ],
      ["DeregisterCompute", { FleetId: fleetId, ComputeName: "box" }, "NotFoundException", /has no compute box/],
      ["DescribeCompute", { FleetId: fleetArn, ComputeName: "box" }, "NotFoundException", /has no compute box/],
      [
        "ListCompute",
        { FleetId: fleetId, ComputeStatus: "PENDING" },
        "InvalidRequestException",
        /at 'computeStatus' failed to satisfy constraint: Member must satisfy enum value set: \[ACTIVE, IMPAIRED\]/,
      ],
      ["ListCompute", { FleetId: fleetId, NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      [
        "GetComputeAccess",
        { FleetId: fleetId, ComputeName: "arn:aws:gamelift:us-west-2:000000000000:compute/box" },
        "NotFoundException",
        /has no compute/,
      ],
      ["GetComputeAuthToken", { FleetId: MISSING, ComputeName: "box" }, "NotFoundException", /not found/],
      ["DescribeFleetPortSettings", { FleetId: fleetId, Location: "mars-1" }, "NotFoundException", /has no location mars-1/],
      [
        "UpdateFleetPortSettings",
        { FleetId: fleetId, InboundPermissionAuthorizations: [{ FromPort: 0, ToPort: 1, IpRange: "0.0.0.0/0", Protocol: "UDP" }] },
        "InvalidRequestException",
        /at 'inboundPermissionAuthorizations.1.member.fromPort' failed to satisfy constraint: Member must have value greater than or equal to 1/,
      ],
      [
        "UpdateFleetPortSettings",
        { FleetId: fleetId, InboundPermissionRevocations: [{ FromPort: 1, ToPort: 1, IpRange: "0.0.0.0/0", Protocol: "TCP" }] },
        "InvalidRequestException",
        /has no inbound permission TCP 1-1 from 0.0.0.0\/0 to revoke/,
      ],
      ["DescribeFleetUtilization", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      ["DescribeFleetLocationUtilization", { FleetId: fleetId, Location: "eu-west-1" }, "NotFoundException", /has no location eu-west-1/],
      ["DescribeFleetLocationCapacity", { FleetId: MISSING, Location: "eu-west-1" }, "NotFoundException", /not found/],
      [
        "DescribeEC2InstanceLimits",
        { EC2InstanceType: "c5.huge" },
        "InvalidRequestException",
        /at 'eC2InstanceType' failed to satisfy constraint: Member must satisfy enum value set/,
      ],
      ["DescribeEC2InstanceLimits", { Location: "custom-rack" }, "InvalidRequestException", /is not an AWS Region GameLift runs in/],
      [
        "PutScalingPolicy",
        { FleetId: fleetId, Name: "p", MetricName: "Happiness" },
        "InvalidRequestException",
        /at 'metricName' failed to satisfy constraint: Member must satisfy enum value set/,
      ],
      [
        "PutScalingPolicy",
        { FleetId: fleetId, Name: "p", MetricName: "IdleInstances", Threshold: 1 },
        "InvalidRequestException",
        /A RuleBased policy needs ScalingAdjustment, ScalingAdjustmentType, ComparisonOperator, EvaluationPeriods/,
      ],
      ["DescribeScalingPolicies", { FleetId: fleetId, NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      ["DeleteScalingPolicy", { FleetId: fleetId, Name: "missing" }, "NotFoundException", /has no scaling policy named missing/],
      ["UpdateBuild", { BuildId: "build-missing", Version: "" }, "InvalidRequestException", /at 'version' failed to satisfy constraint/],
      ["RequestUploadCredentials", { BuildId: "build-missing" }, "NotFoundException", /Build build-missing not found/],
      ["CreateScript", { Name: "s", ZipFile: "not base64 at all!" }, "SerializationException", /ZipFile/],
      [
        "CreateScript",
        { Name: "s", StorageLocation: { Bucket: "b" } },
        "InvalidRequestException",
        /StorageLocation needs Bucket, Key and RoleArn/,
      ],
      ["DescribeScript", { ScriptId: "build-1" }, "InvalidRequestException", /at 'scriptId' failed to satisfy constraint/],
      ["UpdateScript", { ScriptId: "script-missing", Name: "x" }, "NotFoundException", /Script script-missing not found/],
      ["DeleteScript", { ScriptId: arn("script", "script-missing") }, "NotFoundException", /not found/],
      ["ListScripts", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      [
        "CreateVpcPeeringAuthorization",
        { GameLiftAwsAccountId: "", PeerVpcId: "vpc-1" },
        "InvalidRequestException",
        /at 'gameLiftAwsAccountId' failed to satisfy constraint: Member must have length greater than or equal to 1/,
      ],
      ["DescribeVpcPeeringAuthorizations", "[1]", "SerializationException", /Expected an object at 'body'/],
      [
        "ListContainerGroupDefinitions",
        { ContainerGroupType: "SIDECAR" },
        "InvalidRequestException",
        /at 'containerGroupType' failed to satisfy constraint: Member must satisfy enum value set/,
      ],
      [
        "ListContainerGroupDefinitions",
        { Limit: 101 },
        "InvalidRequestException",
        /at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100/,
      ],
      ["ListContainerGroupDefinitionVersions", { Name: "missing" }, "NotFoundException", /Container group definition missing not found/],
      ["UpdateContainerGroupDefinition", { Name: "missing" }, "NotFoundException", /Container group definition missing not found/],
      [
        "UpdateContainerGroupDefinition",
        { Name: "x", TotalVcpuLimit: 100 },
        "InvalidRequestException",
        /at 'totalVcpuLimit' failed to satisfy constraint: Member must have value less than or equal to 10/,
      ],
      [
        "UpdateContainerGroupDefinition",
        { Name: "x", GameServerContainerDefinition: { ContainerName: "server" } },
        "InvalidRequestException",
        /at 'gameServerContainerDefinition.imageUri' failed to satisfy constraint: Member must not be null/,
      ],
      ["DescribeFleetDeployment", { FleetId: fleetId }, "NotFoundException", new RegExp(`Container fleet ${fleetId} not found`)],
      [
        "DescribeFleetDeployment",
        { FleetId: MISSING, DeploymentId: "depl/1" },
        "InvalidRequestException",
        /at 'deploymentId' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
      ["ListFleetDeployments", { FleetId: MISSING }, "NotFoundException", new RegExp(`Container fleet ${MISSING} not found`)],
      ["ListFleetDeployments", { NextToken: "forged" }, "InvalidRequestException", /Invalid NextToken/],
      [
        "DescribeContainerGroupPortMappings",
        { FleetId: fleetId, ContainerGroupType: "SIDECAR" },
        "InvalidRequestException",
        /at 'containerGroupType' failed to satisfy constraint: Member must satisfy enum value set/,
      ],
      [
        "DescribeContainerGroupPortMappings",
        { FleetId: fleetId, ContainerGroupType: "GAME_SERVER", ComputeName: "c-1" },
        "NotFoundException",
        new RegExp(`Container fleet ${fleetId} not found`),
      ],
      [
        "DeleteVpcPeeringAuthorization",
        { GameLiftAwsAccountId: "111122223333", PeerVpcId: "vpc-none" },
        "NotFoundException",
        /No VPC peering authorization for account 111122223333 to peer with vpc-none/,
      ],
    ];
    for (const [op, body, type, message] of cases) {
      const res = await call(op, body);
      assert.ok(res.status < 500, `${op} ${JSON.stringify(body)}: ${res.status} ${res.text}`);
      assertAwsError(res, type === "InternalServiceException" ? 500 : 400, type, message);
    }
    const covered = new Set(cases.map(([op]) => op));
    assert.deepEqual(
      OPERATIONS.filter((op) => !covered.has(op)),
      [],
    );
  });

  it("the admin clock and scenario endpoints answer bad requests in the AWS error shape", async () => {
    const endpoint = f.server.endpoint;
    const cases: [unknown, RegExp][] = [
      [{}, /Give exactly one of AdvanceSeconds and SetTime/],
      [{ AdvanceSeconds: 1, SetTime: 1 }, /Give exactly one of AdvanceSeconds and SetTime/],
      [{ AdvanceSeconds: -1 }, /AdvanceSeconds must be a number from 0 to 253402300799/],
      [{ AdvanceSeconds: "60" }, /AdvanceSeconds must be a number/],
      [{ SetTime: 1 }, /SetTime 1 is before the clock's current time .*; the clock never runs backwards/],
      [{ SetTime: 253402300800 }, /SetTime must be a number from 0 to 253402300799/],
      [{ Advance: 1 }, /Unknown field 'Advance'/],
      [[60], /Body must be/],
    ];
    const before = (await adminGet(endpoint, "/_liftlog/clock")).body.Now;
    for (const [body, message] of cases) {
      const res = await admin(endpoint, "/_liftlog/clock", body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.__type, "InvalidRequestException");
      assert.match(res.body.message as string, message);
    }
    const notJson = await admin(endpoint, "/_liftlog/clock", "{");
    assert.deepEqual([notJson.status, notJson.body.__type], [400, "SerializationException"]);
    assert.equal((await adminGet(endpoint, "/_liftlog/clock")).body.Now, before, "a refused move leaves the clock where it was");
    const wrongMethod = await admin(endpoint, "/_liftlog/scenarios", {});
    assert.deepEqual([wrongMethod.status, wrongMethod.body.__type], [404, "UnknownOperationException"]);
  });
});
