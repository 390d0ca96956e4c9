/** What every operation receives: who is calling, and the service's parts. No HTTP in here. */
import type { Clock } from "../fleets/clock.js";
import type { AppendHub } from "../feed/hub.js";
import type { FleetLifecycle } from "../fleets/lifecycle.js";
import type { Scope, Store } from "../store/types.js";
import type { NewestPage } from "./fleet-events.js";
import type { LogUrls } from "./log-urls.js";
import type { PageCache } from "./page-cache.js";
import type { TokenSigner } from "./tokens.js";

export interface Services {
  store: Store;
  clock: Clock;
  tokens: TokenSigner;
  logUrls: LogUrls;
  lifecycle: FleetLifecycle;
  /** Told of every committed append (this node's, and on PostgreSQL other nodes'); see src/feed/hub.ts. */
  hub: AppendHub;
  /** Each fleet's newest DescribeFleetEvents page, while the store is unchanged. */
  newestPages: PageCache<NewestPage>;
  /** Largest page any operation returns; larger Limits are clamped. */
  maxPageSize: number;
  defaultScope: Scope;
}

export interface RequestContext {
  scope: Scope;
  /** Where this server is reached, for URLs it hands out (log URLs). */
  baseUrl: string;
  requestId: string;
}
