/**
 * Keyset paging for listings (fleets, builds, locations, container fleets): one page of items in
 * insertion order that pass a filter, with a signed NextToken (the last item's ID) bound to the
 * request's operation, account, region and filters.
 */
import type { RequestContext, Services } from "./context.js";

export interface PageRequest {
  Limit?: number;
  NextToken?: string;
}

export async function filteredPage<T>(
  services: Services,
  ctx: RequestContext,
  request: PageRequest & { operation: string; filters: readonly unknown[]; defaultLimit: number },
  fetch: (afterId: string | undefined, limit: number) => Promise<T[]>,
  idOf: (item: T) => string,
  keep: (item: T) => boolean = () => true,
): Promise<{ items: T[]; nextToken?: string }> {
  const limit = Math.min(request.Limit ?? request.defaultLimit, services.maxPageSize);
  const binding = [request.operation, ctx.scope.accountId, ctx.scope.region, ...request.filters];
  let after = request.NextToken ? (services.tokens.open(request.NextToken, binding) as string) : undefined;
  const items: T[] = [];
  // Filters are applied here, so read batches until the page is full or the items run out.
  for (;;) {
    const batch = await fetch(after, limit + 1);
    for (const item of batch) if (keep(item)) items.push(item);
    if (items.length > limit || batch.length <= limit) break;
    after = idOf(batch[batch.length - 1]!);
  }
  const page = items.slice(0, limit);
  return { items: page, ...(items.length > limit ? { nextToken: services.tokens.seal(binding, idOf(page[page.length - 1]!)) } : {}) };
}

/** The items after the one with ID `afterId` (none if it is gone), for paging a list held in memory. */
export function sliceAfter<T>(items: T[], idOf: (item: T) => string, afterId: string | undefined, limit: number): T[] {
  if (afterId === undefined) return items.slice(0, limit);
  const i = items.findIndex((item) => idOf(item) === afterId);
  return i < 0 ? [] : items.slice(i + 1, i + 1 + limit);
}
