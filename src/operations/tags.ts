/**
 * Tags: TagResource, UntagResource, ListTagsForResource on fleets, builds, custom locations,
 * container group definitions, aliases and scripts, by ARN. A fleet's tags (the liftlog:scenario tag among them) are read
 * when it is created; changing them later does not change what the fleet goes through.
 */
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  Tag,
  TagResourceRequest,
  UntagResourceRequest,
} from "@aws-sdk/client-gamelift";
import { inScope, parseRef } from "../fleets/ids.js";
import { invalidRequest, notFound, ServiceError } from "../protocol/errors.js";
import type { RequestContext, Services } from "./context.js";
import { liveForChange } from "./fleets.js";
import { changeResource } from "./resources.js";

/** Tags one resource may carry, as across AWS. */
export const MAX_TAGS = 50;

const TAGGABLE = ["fleet", "containerfleet", "build", "location", "containergroupdefinition", "alias", "script"];

const taggingFailed = (message: string) => new ServiceError("TaggingFailedException", message);

interface Tagged {
  read(): Promise<Tag[]>;
  write(change: (tags: Tag[]) => Tag[]): Promise<void>;
}

/** The resource an ARN names in the caller's scope, with its tags. */
async function resolve(services: Services, ctx: RequestContext, arn: string): Promise<Tagged> {
  const ref = parseRef(arn);
  if (!arn.startsWith("arn:") || !arn.split(":")[2]?.startsWith("gamelift") || !ref.type) {
    throw invalidRequest(`${arn} is not a GameLift resource ARN (arn:aws:gamelift:<region>:<account>:<type>/<id>).`);
  }
  const missing = () => notFound(`Resource ${arn} not found in account ${ctx.scope.accountId}, region ${ctx.scope.region}.`);
  if (!inScope(ref, ctx.scope) || !TAGGABLE.includes(ref.type)) throw missing();
  if (ref.type === "fleet" || ref.type === "containerfleet") {
    const fleet = await services.store.getFleet(ctx.scope, ref.id);
    if (!fleet || fleet.deleted) throw missing();
    return {
      read: async () => (fleet.attributes.Tags as Tag[] | undefined) ?? [],
      write: async (change) => {
        await services.lifecycle.change(ctx.scope, ref.id, (t) => {
          liveForChange(t, "TagResource");
          t.fleet.attributes.Tags = change((t.fleet.attributes.Tags as Tag[] | undefined) ?? []);
        });
      },
    };
  }
  // A container group definition's ARN may name a version; tags belong to the definition.
  const id = ref.type === "containergroupdefinition" ? ref.id.split(":")[0]! : ref.id;
  const { store } = services;
  const type = ref.type;
  const bodyNow = async () => {
    const found = await store.getResource(ctx.scope, type, id);
    if (!found) throw missing();
    return found.body;
  };
  const resource = await bodyNow();
  return {
    read: async () => (resource.Tags as Tag[] | undefined) ?? [],
    // From a fresh read each time: a change another request or node made meanwhile is kept.
    write: async (change) => {
      await changeResource(
        store,
        ctx.scope,
        type,
        bodyNow,
        () => id,
        (body) => ({ ...body, Tags: change((body.Tags as Tag[] | undefined) ?? []) }),
      );
    },
  };
}

/** Checks tags given at creation or with TagResource. */
export function checkTags(tags: Tag[]): void {
  const reserved = tags.find((t) => t.Key!.toLowerCase().startsWith("aws:"));
  if (reserved) throw taggingFailed(`Tag key ${reserved.Key} uses the reserved prefix aws:.`);
  if (tags.length > MAX_TAGS) throw taggingFailed(`A resource can carry at most ${MAX_TAGS} tags; ${tags.length} were given.`);
}

export async function tagResource(services: Services, ctx: RequestContext, input: TagResourceRequest): Promise<Record<string, never>> {
  checkTags(input.Tags!);
  const resource = await resolve(services, ctx, input.ResourceARN!);
  await resource.write((tags) => {
    const merged = new Map(tags.map((t) => [t.Key!, t]));
    for (const t of input.Tags!) merged.set(t.Key!, t);
    if (merged.size > MAX_TAGS) throw taggingFailed(`A resource can carry at most ${MAX_TAGS} tags; it would have ${merged.size}.`);
    return [...merged.values()];
  });
  return {};
}

export async function untagResource(services: Services, ctx: RequestContext, input: UntagResourceRequest): Promise<Record<string, never>> {
  const resource = await resolve(services, ctx, input.ResourceARN!);
  const remove = new Set(input.TagKeys);
  await resource.write((tags) => tags.filter((t) => !remove.has(t.Key!)));
  return {};
}

export async function listTagsForResource(
  services: Services,
  ctx: RequestContext,
  input: ListTagsForResourceRequest,
): Promise<ListTagsForResourceResponse> {
  return { Tags: await (await resolve(services, ctx, input.ResourceARN!)).read() };
}
