/**
 * Builds: CreateBuild, DescribeBuild, ListBuilds, DeleteBuild. liftlog stores no build files: a
 * build created with a StorageLocation (files already in S3) is READY at once; one created without
 * is INITIALIZED, waiting for an upload that liftlog cannot receive, and stays so (which is how a
 * fleet for a build that is not ready can be tried).
 */
import { randomUUID } from "node:crypto";
import type {
  Build,
  CreateBuildInput,
  CreateBuildOutput,
  DeleteBuildInput,
  DescribeBuildInput,
  DescribeBuildOutput,
  ListBuildsInput,
  ListBuildsOutput,
  RequestUploadCredentialsInput,
  RequestUploadCredentialsOutput,
  UpdateBuildInput,
  UpdateBuildOutput,
} from "@aws-sdk/client-gamelift";
import { resourceArn } from "../fleets/ids.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { Scope, Store } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { filteredPage } from "./paging.js";
import { changeResource, findResource, plain } from "./resources.js";
import { checkTags } from "./tags.js";

export const BUILD = "build";

interface StoredBuild extends Omit<Build, "CreationTime"> {
  CreationTimeMs: number;
  Tags?: { Key: string; Value: string }[];
}

const toBuild = ({ CreationTimeMs, Tags: _tags, ...b }: StoredBuild): Build => ({ ...b, CreationTime: new Date(CreationTimeMs) });

/** The build a BuildIdOrArn names in the caller's account and region, if any. */
export async function findBuild(store: Store, scope: Scope, idOrArn: string): Promise<StoredBuild | undefined> {
  return (await findResource(store, scope, BUILD, idOrArn))?.body as unknown as StoredBuild | undefined;
}

async function requireBuild(store: Store, scope: Scope, idOrArn: string): Promise<StoredBuild> {
  const build = await findBuild(store, scope, idOrArn);
  if (!build) throw notFound(`Build ${idOrArn} not found in account ${scope.accountId}, region ${scope.region}.`);
  return build;
}

export async function createBuild(services: Services, ctx: RequestContext, input: CreateBuildInput): Promise<CreateBuildOutput> {
  const location = input.StorageLocation;
  if (location && (!location.Bucket || !location.Key || !location.RoleArn)) {
    throw invalidRequest("StorageLocation needs Bucket, Key and RoleArn (the IAM role GameLift uses to read the build files).");
  }
  checkTags(input.Tags ?? []);
  const id = `build-${randomUUID()}`;
  const build: StoredBuild = {
    BuildId: id,
    BuildArn: resourceArn(ctx.scope, BUILD, id),
    Name: input.Name,
    Version: input.Version,
    Status: location ? "READY" : "INITIALIZED",
    SizeOnDisk: 0,
    OperatingSystem: input.OperatingSystem ?? "AMAZON_LINUX_2023",
    ServerSdkVersion: input.ServerSdkVersion ?? "5.0.0",
    CreationTimeMs: services.clock.now(),
    ...(input.Tags?.length ? { Tags: input.Tags as StoredBuild["Tags"] } : {}),
  };
  await saveBuild(services.store, ctx.scope, build);
  return { Build: toBuild(build), ...(location ? { StorageLocation: location } : upload(ctx.scope, id)) };
}

const saveBuild = (store: Store, scope: Scope, build: StoredBuild) =>
  store.putResource(scope, { type: BUILD, id: build.BuildId!, body: plain(build) });

/** Where the build files would go: GameLift's bucket and temporary S3 credentials for it (liftlog has no S3, so these open nothing). */
const upload = (scope: Scope, buildId: string) => ({
  StorageLocation: { Bucket: `gamelift-builds-${scope.region}`, Key: `${scope.accountId}/${buildId}` },
  UploadCredentials: { AccessKeyId: "ASIALIFTLOGNOUPLOAD", SecretAccessKey: "liftlog-stores-no-build-files", SessionToken: "none" },
});

export async function updateBuild(services: Services, ctx: RequestContext, input: UpdateBuildInput): Promise<UpdateBuildOutput> {
  const { store } = services;
  const updated = await changeResource(
    store,
    ctx.scope,
    BUILD,
    () => requireBuild(store, ctx.scope, input.BuildId!),
    (b) => b.BuildId!,
    (build): StoredBuild => ({
      ...build,
      ...(input.Name !== undefined ? { Name: input.Name } : {}),
      ...(input.Version !== undefined ? { Version: input.Version } : {}),
    }),
  );
  return { Build: toBuild(updated) };
}

export async function requestUploadCredentials(
  services: Services,
  ctx: RequestContext,
  input: RequestUploadCredentialsInput,
): Promise<RequestUploadCredentialsOutput> {
  const build = await requireBuild(services.store, ctx.scope, input.BuildId!);
  if (build.Status !== "INITIALIZED") {
    throw invalidRequest(
      `Build ${build.BuildId} is ${build.Status}; upload credentials are for a build still waiting for its files (INITIALIZED).`,
    );
  }
  return upload(ctx.scope, build.BuildId!);
}

export async function describeBuild(services: Services, ctx: RequestContext, input: DescribeBuildInput): Promise<DescribeBuildOutput> {
  return { Build: toBuild(await requireBuild(services.store, ctx.scope, input.BuildId!)) };
}

export async function listBuilds(services: Services, ctx: RequestContext, input: ListBuildsInput): Promise<ListBuildsOutput> {
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListBuilds", filters: [input.Status ?? null], defaultLimit: 50 },
    (afterId, limit) => services.store.listResources(ctx.scope, BUILD, { afterId, limit }),
    (r) => r.id,
    (r) => !input.Status || r.body.Status === input.Status,
  );
  return { Builds: items.map((r) => toBuild(r.body as unknown as StoredBuild)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function deleteBuild(services: Services, ctx: RequestContext, input: DeleteBuildInput): Promise<Record<string, never>> {
  const build = await requireBuild(services.store, ctx.scope, input.BuildId!);
  await services.store.deleteResource(ctx.scope, BUILD, build.BuildId!);
  return {};
}
