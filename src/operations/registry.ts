/**
 * Operation name -> handler. Handlers take the decoded, validated input (a typed object) and
 * return the typed output; the protocol layer does everything else.
 */
import type { RequestContext, Services } from "./context.js";
import { describeFleetEvents } from "./fleet-events.js";
import { deregisterCompute, describeCompute, getComputeAccess, getComputeAuthToken, listCompute, registerCompute } from "./computes.js";
import { describeInstances, getInstanceAccess } from "./instances.js";
import { describeFleetPortSettings, updateFleetPortSettings } from "./ports.js";
import { deleteScalingPolicy, describeScalingPolicies, putScalingPolicy } from "./scaling-policies.js";
import {
  describeEC2InstanceLimits,
  describeFleetLocationCapacity,
  describeFleetLocationUtilization,
  describeFleetUtilization,
} from "./utilization.js";
import { createAlias, deleteAlias, describeAlias, listAliases, resolveAlias, updateAlias } from "./aliases.js";
import { createBuild, deleteBuild, describeBuild, listBuilds, requestUploadCredentials, updateBuild } from "./builds.js";
import { createScript, deleteScript, describeScript, listScripts, updateScript } from "./scripts.js";
import { describeFleetCapacity, updateFleetCapacity } from "./capacity.js";
import {
  createContainerGroupDefinition,
  deleteContainerGroupDefinition,
  describeContainerGroupDefinition,
  listContainerGroupDefinitions,
  listContainerGroupDefinitionVersions,
  updateContainerGroupDefinition,
} from "./container-definitions.js";
import {
  createContainerFleet,
  deleteContainerFleet,
  describeContainerFleet,
  listContainerFleets,
  updateContainerFleet,
} from "./containers.js";
import { describeFleetDeployment, listFleetDeployments } from "./deployments.js";
import { describeContainerGroupPortMappings } from "./port-mappings.js";
import { listTagsForResource, tagResource, untagResource } from "./tags.js";
import {
  createVpcPeeringAuthorization,
  createVpcPeeringConnection,
  deleteVpcPeeringAuthorization,
  deleteVpcPeeringConnection,
  describeVpcPeeringAuthorizations,
  describeVpcPeeringConnections,
} from "./vpc.js";
import {
  createFleet,
  deleteFleet,
  describeFleetAttributes,
  describeRuntimeConfiguration,
  listFleets,
  startFleetActions,
  stopFleetActions,
  updateFleetAttributes,
  updateRuntimeConfiguration,
} from "./fleets.js";
import {
  createFleetLocations,
  createLocation,
  deleteFleetLocations,
  deleteLocation,
  describeFleetLocationAttributes,
  listLocations,
} from "./locations.js";

// Inputs arrive already checked against the model, so each handler's declared input type holds.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (services: Services, ctx: RequestContext, input: any) => Promise<unknown>;

// A Map: an operation name from the caller (X-Amz-Target) only ever finds one of these, never Object.prototype's.
export const operations: ReadonlyMap<string, Handler> = new Map(
  Object.entries({
    DescribeFleetEvents: describeFleetEvents,
    CreateFleet: createFleet,
    DescribeFleetAttributes: describeFleetAttributes,
    ListFleets: listFleets,
    DeleteFleet: deleteFleet,
    UpdateFleetAttributes: updateFleetAttributes,
    DescribeRuntimeConfiguration: describeRuntimeConfiguration,
    UpdateRuntimeConfiguration: updateRuntimeConfiguration,
    StartFleetActions: startFleetActions,
    StopFleetActions: stopFleetActions,
    CreateBuild: createBuild,
    DescribeBuild: describeBuild,
    ListBuilds: listBuilds,
    DeleteBuild: deleteBuild,
    CreateLocation: createLocation,
    ListLocations: listLocations,
    DeleteLocation: deleteLocation,
    CreateFleetLocations: createFleetLocations,
    DeleteFleetLocations: deleteFleetLocations,
    DescribeFleetLocationAttributes: describeFleetLocationAttributes,
    UpdateFleetCapacity: updateFleetCapacity,
    DescribeFleetCapacity: describeFleetCapacity,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
    CreateVpcPeeringConnection: createVpcPeeringConnection,
    DeleteVpcPeeringConnection: deleteVpcPeeringConnection,
    DescribeVpcPeeringConnections: describeVpcPeeringConnections,
    CreateContainerGroupDefinition: createContainerGroupDefinition,
    DescribeContainerGroupDefinition: describeContainerGroupDefinition,
    DeleteContainerGroupDefinition: deleteContainerGroupDefinition,
    CreateContainerFleet: createContainerFleet,
    DescribeContainerFleet: describeContainerFleet,
    ListContainerFleets: listContainerFleets,
    UpdateContainerFleet: updateContainerFleet,
    DeleteContainerFleet: deleteContainerFleet,
    CreateAlias: createAlias,
    DescribeAlias: describeAlias,
    UpdateAlias: updateAlias,
    DeleteAlias: deleteAlias,
    ListAliases: listAliases,
    ResolveAlias: resolveAlias,
    DescribeInstances: describeInstances,
    GetInstanceAccess: getInstanceAccess,
    RegisterCompute: registerCompute,
    DeregisterCompute: deregisterCompute,
    DescribeCompute: describeCompute,
    ListCompute: listCompute,
    GetComputeAccess: getComputeAccess,
    GetComputeAuthToken: getComputeAuthToken,
    DescribeFleetPortSettings: describeFleetPortSettings,
    UpdateFleetPortSettings: updateFleetPortSettings,
    DescribeFleetUtilization: describeFleetUtilization,
    DescribeFleetLocationUtilization: describeFleetLocationUtilization,
    DescribeFleetLocationCapacity: describeFleetLocationCapacity,
    DescribeEC2InstanceLimits: describeEC2InstanceLimits,
    PutScalingPolicy: putScalingPolicy,
    DescribeScalingPolicies: describeScalingPolicies,
    DeleteScalingPolicy: deleteScalingPolicy,
    UpdateBuild: updateBuild,
    RequestUploadCredentials: requestUploadCredentials,
    CreateScript: createScript,
    DescribeScript: describeScript,
    UpdateScript: updateScript,
    DeleteScript: deleteScript,
    ListScripts: listScripts,
    CreateVpcPeeringAuthorization: createVpcPeeringAuthorization,
    DescribeVpcPeeringAuthorizations: describeVpcPeeringAuthorizations,
    DeleteVpcPeeringAuthorization: deleteVpcPeeringAuthorization,
    ListContainerGroupDefinitions: listContainerGroupDefinitions,
    ListContainerGroupDefinitionVersions: listContainerGroupDefinitionVersions,
    UpdateContainerGroupDefinition: updateContainerGroupDefinition,
    DescribeFleetDeployment: describeFleetDeployment,
    ListFleetDeployments: listFleetDeployments,
    DescribeContainerGroupPortMappings: describeContainerGroupPortMappings,
  }),
);
