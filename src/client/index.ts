/**
 * liftlog/client: boto3's paginators for the AWS SDK for JavaScript v3's GameLiftClient, against
 * liftlog or the real GameLift alike, and `followFleetEvents`, a live tail of fleet events (liftlog's
 * event stream, or polling where there is none).
 *
 * @example Walk a fleet's event log, stop after 500 events, keep the token, resume later:
 * ```ts
 * import { GameLiftClient } from "@aws-sdk/client-gamelift";
 * import { paginateDescribeFleetEvents } from "liftlog/client";
 *
 * const client = new GameLiftClient({ region: "us-west-2" });
 * const events = paginateDescribeFleetEvents(client, { FleetId: "fleet-..." }, { MaxItems: 500 });
 * for await (const event of events.items()) console.log(event.EventTime, event.EventCode, event.Message);
 * const token = events.resumeToken; // undefined when the log was read to its end
 *
 * // later, here or with boto3 (StartingToken) or `aws gamelift describe-fleet-events --starting-token`:
 * const rest = await paginateDescribeFleetEvents(client, { FleetId: "fleet-..." }, { StartingToken: token }).buildFullResult();
 * ```
 */
import type { GameLiftClient } from "@aws-sdk/client-gamelift";
import { paginate, type PageIterator, type PaginateInput, type PaginationConfig } from "./paginator.js";

export { paginate, PageIterator, type PaginateInput, type PaginationConfig } from "./paginator.js";
export { PaginationError } from "./tokens.js";
export { followFleetEvents, FollowError, type FollowedEvent, type FollowOptions, type FollowStatus } from "./follower.js";
export type { FullResult, OperationInput, OperationOutput, PaginatedOperation, ResultItem } from "./operations.js";

/** The DescribeFleetEvents paginator: a fleet's events, newest first (see paginate). */
export function paginateDescribeFleetEvents(
  client: GameLiftClient,
  input: PaginateInput<"DescribeFleetEvents">,
  config?: PaginationConfig,
): PageIterator<"DescribeFleetEvents"> {
  return paginate(client, "DescribeFleetEvents", input, config);
}
