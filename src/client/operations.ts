/**
 * The paginated GameLift operations: their SDK commands (for types and for sending) and botocore's
 * paginator definitions (reference/gamelift-paginators-1.json), which drive the paging behaviour.
 */
import { readFileSync } from "node:fs";
import {
  DescribeFleetAttributesCommand,
  DescribeFleetCapacityCommand,
  DescribeFleetEventsCommand,
  DescribeFleetUtilizationCommand,
  DescribeGameServerInstancesCommand,
  DescribeGameSessionDetailsCommand,
  DescribeGameSessionQueuesCommand,
  DescribeGameSessionsCommand,
  DescribeInstancesCommand,
  DescribeMatchmakingConfigurationsCommand,
  DescribeMatchmakingRuleSetsCommand,
  DescribePlayerSessionsCommand,
  DescribeScalingPoliciesCommand,
  ListAliasesCommand,
  ListBuildsCommand,
  ListComputeCommand,
  ListContainerFleetsCommand,
  ListContainerGroupDefinitionsCommand,
  ListContainerGroupDefinitionVersionsCommand,
  ListFleetDeploymentsCommand,
  ListFleetsCommand,
  ListGameServerGroupsCommand,
  ListGameServersCommand,
  ListLocationsCommand,
  ListScriptsCommand,
  SearchGameSessionsCommand,
} from "@aws-sdk/client-gamelift";

/** The SDK command class of every operation that has a paginator definition. */
export const COMMANDS = {
  DescribeFleetAttributes: DescribeFleetAttributesCommand,
  DescribeFleetCapacity: DescribeFleetCapacityCommand,
  DescribeFleetEvents: DescribeFleetEventsCommand,
  DescribeFleetUtilization: DescribeFleetUtilizationCommand,
  DescribeGameServerInstances: DescribeGameServerInstancesCommand,
  DescribeGameSessionDetails: DescribeGameSessionDetailsCommand,
  DescribeGameSessionQueues: DescribeGameSessionQueuesCommand,
  DescribeGameSessions: DescribeGameSessionsCommand,
  DescribeInstances: DescribeInstancesCommand,
  DescribeMatchmakingConfigurations: DescribeMatchmakingConfigurationsCommand,
  DescribeMatchmakingRuleSets: DescribeMatchmakingRuleSetsCommand,
  DescribePlayerSessions: DescribePlayerSessionsCommand,
  DescribeScalingPolicies: DescribeScalingPoliciesCommand,
  ListAliases: ListAliasesCommand,
  ListBuilds: ListBuildsCommand,
  ListCompute: ListComputeCommand,
  ListContainerFleets: ListContainerFleetsCommand,
  ListContainerGroupDefinitions: ListContainerGroupDefinitionsCommand,
  ListContainerGroupDefinitionVersions: ListContainerGroupDefinitionVersionsCommand,
  ListFleetDeployments: ListFleetDeploymentsCommand,
  ListFleets: ListFleetsCommand,
  ListGameServerGroups: ListGameServerGroupsCommand,
  ListGameServers: ListGameServersCommand,
  ListLocations: ListLocationsCommand,
  ListScripts: ListScriptsCommand,
  SearchGameSessions: SearchGameSessionsCommand,
};

/** The name of a GameLift operation that can be paginated, e.g. "DescribeFleetEvents". */
export type PaginatedOperation = keyof typeof COMMANDS;

type CommandOf<Op extends PaginatedOperation> = InstanceType<(typeof COMMANDS)[Op]>;

/** The SDK's input type of an operation (e.g. DescribeFleetEventsCommandInput). */
export type OperationInput<Op extends PaginatedOperation> = CommandOf<Op>["input"];

/** The SDK's output type of an operation (e.g. DescribeFleetEventsCommandOutput): one page. */
export type OperationOutput<Op extends PaginatedOperation> =
  CommandOf<Op> extends { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }> } ? O : never;

/** The members of T that hold lists: the result key of a GameLift paginator is one of them. */
type ListMembers<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];

/** One item of an operation's result list, e.g. Event for DescribeFleetEvents, string for ListFleets. */
export type ResultItem<Op extends PaginatedOperation> =
  NonNullable<OperationOutput<Op>[ListMembers<OperationOutput<Op>>]> extends readonly (infer I)[] ? I : never;

/** What buildFullResult() returns: the result list(s) of every page joined, and NextToken when the walk stopped early. */
export type FullResult<Op extends PaginatedOperation> = Partial<Pick<OperationOutput<Op>, ListMembers<OperationOutput<Op>>>> & {
  NextToken?: string;
};

/** A paginator definition as botocore's paginators-1.json writes it. */
export interface PaginatorDefinition {
  input_token: string | string[];
  output_token: string | string[];
  limit_key?: string;
  result_key?: string | string[];
  more_results?: string;
  non_aggregate_keys?: string[];
}

const definitionsPath = new URL("../../../reference/gamelift-paginators-1.json", import.meta.url);

/** botocore's paginator definitions for GameLift, by operation name. */
export const PAGINATOR_DEFINITIONS: Readonly<Record<string, PaginatorDefinition>> = JSON.parse(
  readFileSync(definitionsPath, "utf8"),
).pagination;
