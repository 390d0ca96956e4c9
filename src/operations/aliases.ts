/**
 * Aliases: CreateAlias, DescribeAlias, UpdateAlias, DeleteAlias, ListAliases, ResolveAlias. A SIMPLE
 * alias points at one fleet of the caller's account and region (by fleet ID, as GameLift stores it);
 * a TERMINAL alias points nowhere and carries a message, which ResolveAlias returns as a
 * TerminalRoutingStrategyException. Aliases cause no fleet events.
 */
import { randomUUID } from "node:crypto";
import type {
  Alias,
  CreateAliasInput,
  CreateAliasOutput,
  DeleteAliasInput,
  DescribeAliasInput,
  DescribeAliasOutput,
  ListAliasesInput,
  ListAliasesOutput,
  ResolveAliasInput,
  ResolveAliasOutput,
  RoutingStrategy,
  UpdateAliasInput,
  UpdateAliasOutput,
} from "@aws-sdk/client-gamelift";
import { fleetArn, resourceArn } from "../fleets/ids.js";
import { invalidRequest, notFound, ServiceError } from "../protocol/errors.js";
import type { Scope, Store } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { filteredPage } from "./paging.js";
import { changeResource, findResource, plain } from "./resources.js";
import { checkTags } from "./tags.js";

export const ALIAS = "alias";

interface StoredAlias extends Omit<Alias, "CreationTime" | "LastUpdatedTime"> {
  CreationTimeMs: number;
  LastUpdatedTimeMs: number;
  Tags?: { Key: string; Value: string }[];
}

const toAlias = ({ CreationTimeMs, LastUpdatedTimeMs, Tags: _tags, ...a }: StoredAlias): Alias => ({
  ...a,
  CreationTime: new Date(CreationTimeMs),
  LastUpdatedTime: new Date(LastUpdatedTimeMs),
});

async function requireAlias(store: Store, scope: Scope, idOrArn: string): Promise<StoredAlias> {
  const found = await findResource(store, scope, ALIAS, idOrArn);
  if (!found) throw notFound(`Alias ${idOrArn} not found in account ${scope.accountId}, region ${scope.region}.`);
  return found.body as unknown as StoredAlias;
}

/** A routing strategy as GameLift accepts it: SIMPLE names a live fleet of the caller, TERMINAL a message and no fleet. */
async function checkRouting(services: Services, scope: Scope, routing: RoutingStrategy): Promise<RoutingStrategy> {
  if (routing.Type === "SIMPLE") {
    if (!routing.FleetId) throw invalidRequest("A SIMPLE routing strategy needs the FleetId of the fleet the alias points at.");
    if (routing.Message !== undefined)
      throw invalidRequest("Message applies to a TERMINAL routing strategy; a SIMPLE one routes to its FleetId.");
    const fleet = await services.store.getFleet(scope, routing.FleetId);
    if (!fleet || fleet.deleted) {
      throw invalidRequest(
        `Fleet ${routing.FleetId} not found in account ${scope.accountId}, region ${scope.region}: a SIMPLE alias must point at an existing fleet.`,
      );
    }
    return { Type: "SIMPLE", FleetId: fleet.fleetId };
  }
  if (routing.Type === "TERMINAL") {
    if (routing.FleetId !== undefined)
      throw invalidRequest("A TERMINAL routing strategy routes to no fleet: leave out FleetId, give a Message.");
    return { Type: "TERMINAL", ...(routing.Message !== undefined ? { Message: routing.Message } : {}) };
  }
  throw invalidRequest("RoutingStrategy needs a Type: SIMPLE (with a FleetId) or TERMINAL (with a Message).");
}

const save = (store: Store, scope: Scope, alias: StoredAlias) =>
  store.putResource(scope, { type: ALIAS, id: alias.AliasId!, body: plain(alias) });

export async function createAlias(services: Services, ctx: RequestContext, input: CreateAliasInput): Promise<CreateAliasOutput> {
  checkTags(input.Tags ?? []);
  const routing = await checkRouting(services, ctx.scope, input.RoutingStrategy!);
  const id = `alias-${randomUUID()}`;
  const now = services.clock.now();
  const alias: StoredAlias = {
    AliasId: id,
    Name: input.Name,
    AliasArn: resourceArn(ctx.scope, ALIAS, id),
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    RoutingStrategy: routing,
    CreationTimeMs: now,
    LastUpdatedTimeMs: now,
    ...(input.Tags?.length ? { Tags: input.Tags as StoredAlias["Tags"] } : {}),
  };
  await save(services.store, ctx.scope, alias);
  return { Alias: toAlias(alias) };
}

export async function describeAlias(services: Services, ctx: RequestContext, input: DescribeAliasInput): Promise<DescribeAliasOutput> {
  return { Alias: toAlias(await requireAlias(services.store, ctx.scope, input.AliasId!)) };
}

export async function updateAlias(services: Services, ctx: RequestContext, input: UpdateAliasInput): Promise<UpdateAliasOutput> {
  const { store } = services;
  const updated = await changeResource(
    store,
    ctx.scope,
    ALIAS,
    () => requireAlias(store, ctx.scope, input.AliasId!),
    (a) => a.AliasId!,
    async (alias): Promise<StoredAlias> => ({
      ...alias,
      ...(input.Name !== undefined ? { Name: input.Name } : {}),
      ...(input.Description !== undefined ? { Description: input.Description } : {}),
      ...(input.RoutingStrategy ? { RoutingStrategy: await checkRouting(services, ctx.scope, input.RoutingStrategy) } : {}),
      LastUpdatedTimeMs: services.clock.now(),
    }),
  );
  return { Alias: toAlias(updated) };
}

export async function deleteAlias(services: Services, ctx: RequestContext, input: DeleteAliasInput): Promise<Record<string, never>> {
  const alias = await requireAlias(services.store, ctx.scope, input.AliasId!);
  await services.store.deleteResource(ctx.scope, ALIAS, alias.AliasId!);
  return {};
}

export async function listAliases(services: Services, ctx: RequestContext, input: ListAliasesInput): Promise<ListAliasesOutput> {
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListAliases", filters: [input.RoutingStrategyType ?? null, input.Name ?? null], defaultLimit: 50 },
    (afterId, limit) => services.store.listResources(ctx.scope, ALIAS, { afterId, limit }),
    (r) => r.id,
    (r) => {
      const alias = r.body as unknown as StoredAlias;
      if (input.RoutingStrategyType && alias.RoutingStrategy?.Type !== input.RoutingStrategyType) return false;
      return input.Name === undefined || alias.Name === input.Name;
    },
  );
  return { Aliases: items.map((r) => toAlias(r.body as unknown as StoredAlias)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function resolveAlias(services: Services, ctx: RequestContext, input: ResolveAliasInput): Promise<ResolveAliasOutput> {
  const { RoutingStrategy: routing } = await requireAlias(services.store, ctx.scope, input.AliasId!);
  if (routing?.Type === "TERMINAL") {
    // GameLift hands back the alias's own message: what the game client shows its players.
    throw new ServiceError(
      "TerminalRoutingStrategyException",
      routing.Message ?? `Alias ${input.AliasId} has a terminal routing strategy.`,
    );
  }
  return { FleetId: routing!.FleetId!, FleetArn: fleetArn(ctx.scope, routing!.FleetId!) };
}
