/**
 * Container group definitions and their versions: Create, Describe, Update, List, ListVersions and
 * Delete ContainerGroupDefinition.
 *
 * liftlog copies no images. A new definition (version 1) is READY at once; UpdateContainerGroupDefinition
 * adds a version that is COPYING for the "copying" stage of the service clock, then READY, or FAILED
 * when an image cannot be copied (a private Amazon ECR repository in another Region). A version's
 * status is worked out from the clock when it is read, so it moves on every node alike.
 */
import { createHash } from "node:crypto";
import type {
  ContainerGroupDefinition,
  CreateContainerGroupDefinitionInput,
  CreateContainerGroupDefinitionOutput,
  DeleteContainerGroupDefinitionInput,
  DescribeContainerGroupDefinitionInput,
  DescribeContainerGroupDefinitionOutput,
  GameServerContainerDefinitionInput,
  ListContainerGroupDefinitionsInput,
  ListContainerGroupDefinitionsOutput,
  ListContainerGroupDefinitionVersionsInput,
  ListContainerGroupDefinitionVersionsOutput,
  SupportContainerDefinitionInput,
  UpdateContainerGroupDefinitionInput,
  UpdateContainerGroupDefinitionOutput,
} from "@aws-sdk/client-gamelift";
import { inScope, parseRef, resourceArn } from "../fleets/ids.js";
import { KeyedLock, retryStale } from "../fleets/lifecycle.js";
import { conflict, invalidRequest, notFound } from "../protocol/errors.js";
import { StaleResource } from "../store/conflicts.js";
import type { FleetRecord, Scope, ResourceRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { allFleets } from "./fleet-lookup.js";
import { filteredPage, sliceAfter } from "./paging.js";
import { plain, saveChanged } from "./resources.js";
import { checkTags } from "./tags.js";

export const CONTAINER_GROUP_DEFINITION = "containergroupdefinition";

/** One version as stored; `ReadyAtMs` (service clock) ends COPYING, into FAILED when `FailureReason` is set. */
export interface StoredVersion extends Omit<ContainerGroupDefinition, "CreationTime"> {
  CreationTimeMs: number;
  ReadyAtMs?: number;
  FailureReason?: string;
}

/** A definition's resource body: its versions, oldest first. Bodies written before versions were kept are one version. */
interface StoredDefinition {
  Versions?: StoredVersion[];
  Tags?: unknown[];
}

const versionsOf = (body: Record<string, unknown>): StoredVersion[] => {
  const b = body as unknown as StoredDefinition & StoredVersion;
  if (b.Versions) return b.Versions;
  const { Tags: _tags, ...only } = b;
  return [only];
};

/** A definition's body with these versions and its tags (also for a body written before versions were kept). */
const withVersions = (resource: ResourceRecord, versions: StoredVersion[]): StoredDefinition => ({
  Versions: versions,
  ...(resource.body.Tags ? { Tags: resource.body.Tags as unknown[] } : {}),
});

/** A version as the API shows it at service time `now`. */
export function toDefinition(v: StoredVersion, now: number): ContainerGroupDefinition {
  const { CreationTimeMs, ReadyAtMs, FailureReason, ...d } = v;
  const copying = d.Status === "COPYING" && ReadyAtMs !== undefined && now < ReadyAtMs;
  const status = d.Status !== "COPYING" || copying ? d.Status : FailureReason ? "FAILED" : "READY";
  return {
    ...d,
    CreationTime: new Date(CreationTimeMs),
    Status: status,
    ...(status === "FAILED" && FailureReason ? { StatusReason: FailureReason } : {}),
  };
}

const digest = (imageUri: string) => `sha256:${createHash("sha256").update(imageUri).digest("hex")}`;

/** Why an image cannot be copied for a definition in `region`: GameLift takes private ECR images from the definition's own Region. */
function copyProblem(imageUris: string[], region: string): string | undefined {
  for (const uri of imageUris) {
    const ecrRegion = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\//.exec(uri)?.[1];
    if (ecrRegion && ecrRegion !== region) {
      return `Image ${uri} is in an Amazon ECR repository in ${ecrRegion}; a container group definition in ${region} needs images from ${region}.`;
    }
  }
  return undefined;
}

export const definitionArn = (scope: Scope, name: string, version: number) =>
  `${resourceArn(scope, CONTAINER_GROUP_DEFINITION, name)}:${version}`;

/** The name a versioned definition ARN (or a name) refers to. */
export const definitionName = (nameOrArn: string) => parseRef(nameOrArn).id.split(":")[0]!;

interface Found {
  resource: ResourceRecord;
  versions: StoredVersion[];
  version: StoredVersion;
}

/** A definition version by name or ARN (an ARN may end in :<version>): `version`, the ARN's, or the latest. */
async function findDefinition(services: Services, scope: Scope, nameOrArn: string, version?: number): Promise<Found | undefined> {
  const ref = parseRef(nameOrArn);
  if (!inScope(ref, scope)) return undefined;
  const [name, arnVersion] = ref.id.split(":");
  const wanted = version ?? (arnVersion !== undefined ? Number(arnVersion) : undefined);
  const resource = await services.store.getResource(scope, CONTAINER_GROUP_DEFINITION, name!);
  if (!resource) return undefined;
  const versions = versionsOf(resource.body);
  const found = wanted === undefined ? versions.at(-1) : versions.find((v) => v.VersionNumber === wanted);
  return found && { resource, versions, version: found };
}

async function requireDefinition(services: Services, scope: Scope, nameOrArn: string, version?: number): Promise<Found> {
  const found = await findDefinition(services, scope, nameOrArn, version);
  if (!found) {
    throw notFound(
      `Container group definition ${nameOrArn}${version !== undefined ? ` version ${version}` : ""} not found in account ${scope.accountId}, region ${scope.region}.`,
    );
  }
  return found;
}

/** A definition version a fleet may use: it exists, is READY and is of the container group type the fleet slot wants. */
export async function usableDefinition(
  services: Services,
  ctx: RequestContext,
  nameOrArn: string,
  type: "GAME_SERVER" | "PER_INSTANCE",
): Promise<ContainerGroupDefinition> {
  const definition = toDefinition((await requireDefinition(services, ctx.scope, nameOrArn)).version, services.clock.now());
  if (definition.ContainerGroupType !== type) {
    throw invalidRequest(
      `Container group definition ${definition.Name} is ${definition.ContainerGroupType}; this setting needs a ${type} definition.`,
    );
  }
  if (definition.Status !== "READY") {
    throw invalidRequest(
      `Container group definition ${definition.Name} version ${definition.VersionNumber} is ${definition.Status}, not READY${definition.Status === "COPYING" ? "; try again once its images are copied" : ""}.`,
    );
  }
  return definition;
}

/** Checks the containers a definition of `type` holds, as GameLift does. */
function checkContainers(
  type: string,
  game: GameServerContainerDefinitionInput | undefined,
  support: SupportContainerDefinitionInput[] | undefined,
): void {
  if (type === "GAME_SERVER" && !game)
    throw invalidRequest("A GAME_SERVER container group definition needs a GameServerContainerDefinition.");
  if (type === "PER_INSTANCE" && game) {
    throw invalidRequest(
      "A PER_INSTANCE container group definition has no GameServerContainerDefinition; give SupportContainerDefinitions.",
    );
  }
  if (type === "PER_INSTANCE" && !support?.length) {
    throw invalidRequest("A PER_INSTANCE container group definition needs at least one SupportContainerDefinitions entry.");
  }
  const names = [game?.ContainerName, ...(support ?? []).map((c) => c.ContainerName)].filter((n) => n !== undefined);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw invalidRequest(`Container name ${twice} is used twice; names must be unique within a container group definition.`);
}

/** A version's containers with the digests of their images. */
function resolved(game: GameServerContainerDefinitionInput | undefined, support: SupportContainerDefinitionInput[] | undefined) {
  return {
    ...(game ? { GameServerContainerDefinition: { ...game, ResolvedImageDigest: digest(game.ImageUri!) } } : {}),
    ...(support ? { SupportContainerDefinitions: support.map((c) => ({ ...c, ResolvedImageDigest: digest(c.ImageUri!) })) } : {}),
  };
}

const imagesOf = (v: Pick<StoredVersion, "GameServerContainerDefinition" | "SupportContainerDefinitions">) =>
  [v.GameServerContainerDefinition?.ImageUri, ...(v.SupportContainerDefinitions ?? []).map((c) => c.ImageUri)].filter(
    (u): u is string => u !== undefined,
  );

export async function createContainerGroupDefinition(
  services: Services,
  ctx: RequestContext,
  input: CreateContainerGroupDefinitionInput,
): Promise<CreateContainerGroupDefinitionOutput> {
  const type = input.ContainerGroupType ?? "GAME_SERVER";
  checkContainers(type, input.GameServerContainerDefinition, input.SupportContainerDefinitions);
  checkTags(input.Tags ?? []);
  const name = input.Name!;
  const containers = resolved(input.GameServerContainerDefinition, input.SupportContainerDefinitions);
  const problem = copyProblem(imagesOf(containers), ctx.scope.region);
  const version: StoredVersion = {
    ContainerGroupDefinitionArn: definitionArn(ctx.scope, name, 1),
    CreationTimeMs: services.clock.now(),
    OperatingSystem: input.OperatingSystem,
    Name: name,
    ContainerGroupType: type,
    TotalMemoryLimitMebibytes: input.TotalMemoryLimitMebibytes,
    TotalVcpuLimit: input.TotalVcpuLimit,
    ...containers,
    VersionNumber: 1,
    ...(input.VersionDescription ? { VersionDescription: input.VersionDescription } : {}),
    // liftlog copies no images: the first version is READY (or FAILED) at once.
    Status: problem ? "FAILED" : "READY",
    ...(problem ? { StatusReason: problem } : {}),
  };
  const body: StoredDefinition = { Versions: [version], ...(input.Tags?.length ? { Tags: input.Tags } : {}) };
  // One name once, also when two requests or nodes create it at the same time.
  if (!(await services.store.insertResource(ctx.scope, { type: CONTAINER_GROUP_DEFINITION, id: name, body: plain(body) }))) {
    throw conflict(`Container group definition ${name} already exists.`);
  }
  return { ContainerGroupDefinition: toDefinition(version, services.clock.now()) };
}

/**
 * Read-change-write of one definition's versions, one at a time per definition in this process;
 * across nodes, a write finds the definition as it read it or is redone (retryStale).
 */
const definitionLocks = new KeyedLock();

/** A new version from a source version (the latest unless named) and the properties the request changes. */
export async function updateContainerGroupDefinition(
  services: Services,
  ctx: RequestContext,
  input: UpdateContainerGroupDefinitionInput,
): Promise<UpdateContainerGroupDefinitionOutput> {
  const key = `${ctx.scope.accountId}/${ctx.scope.region}/${definitionName(input.Name!)}`;
  return definitionLocks.run(key, () => retryStale(() => addVersion(services, ctx, input)));
}

async function addVersion(services: Services, ctx: RequestContext, input: UpdateContainerGroupDefinitionInput) {
  const { resource, versions, version: source } = await requireDefinition(services, ctx.scope, input.Name!, input.SourceVersionNumber);
  const type = source.ContainerGroupType!;
  if (type === "PER_INSTANCE" && input.GameServerContainerDefinition) {
    throw invalidRequest(
      `Container group definition ${source.Name} is PER_INSTANCE: it has no game server container; change its SupportContainerDefinitions.`,
    );
  }
  // Stored containers were checked against the input shapes when their version was made.
  const game =
    input.GameServerContainerDefinition ?? (stripDigest(source.GameServerContainerDefinition) as GameServerContainerDefinitionInput);
  const support =
    input.SupportContainerDefinitions ??
    (source.SupportContainerDefinitions?.map(stripDigest) as SupportContainerDefinitionInput[] | undefined);
  checkContainers(type, game, support);
  const containers = resolved(game, support?.length ? support : undefined);
  const now = services.clock.now();
  const number = Math.max(...versions.map((v) => v.VersionNumber!)) + 1;
  const problem = copyProblem(imagesOf(containers), ctx.scope.region);
  const next: StoredVersion = {
    ContainerGroupDefinitionArn: definitionArn(ctx.scope, source.Name!, number),
    CreationTimeMs: now,
    OperatingSystem: input.OperatingSystem ?? source.OperatingSystem,
    Name: source.Name,
    ContainerGroupType: type,
    TotalMemoryLimitMebibytes: input.TotalMemoryLimitMebibytes ?? source.TotalMemoryLimitMebibytes,
    TotalVcpuLimit: input.TotalVcpuLimit ?? source.TotalVcpuLimit,
    ...containers,
    VersionNumber: number,
    ...(input.VersionDescription ? { VersionDescription: input.VersionDescription } : {}),
    Status: "COPYING",
    ReadyAtMs: now + services.lifecycle.options.durations.copying * 1000,
    ...(problem ? { FailureReason: problem } : {}),
  };
  const body = withVersions(resource, [...versions, next]);
  await saveChanged(services.store, ctx.scope, CONTAINER_GROUP_DEFINITION, resource.id, resource.body, plain(body));
  return { ContainerGroupDefinition: toDefinition(next, now) };
}

/** A stored container definition as an input again (its digest is the image's, worked out anew). */
function stripDigest<T extends { ResolvedImageDigest?: string }>(c: T | undefined): Omit<T, "ResolvedImageDigest"> | undefined {
  if (!c) return undefined;
  const { ResolvedImageDigest: _digest, ...rest } = c;
  return rest;
}

export async function describeContainerGroupDefinition(
  services: Services,
  ctx: RequestContext,
  input: DescribeContainerGroupDefinitionInput,
): Promise<DescribeContainerGroupDefinitionOutput> {
  const { version } = await requireDefinition(services, ctx.scope, input.Name!, input.VersionNumber);
  return { ContainerGroupDefinition: toDefinition(version, services.clock.now()) };
}

/** The latest version of each definition, in creation order. */
export async function listContainerGroupDefinitions(
  services: Services,
  ctx: RequestContext,
  input: ListContainerGroupDefinitionsInput,
): Promise<ListContainerGroupDefinitionsOutput> {
  const latest = (r: ResourceRecord) => versionsOf(r.body).at(-1)!;
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListContainerGroupDefinitions", filters: [input.ContainerGroupType ?? null], defaultLimit: 50 },
    (afterId, limit) => services.store.listResources(ctx.scope, CONTAINER_GROUP_DEFINITION, { afterId, limit }),
    (r) => r.id,
    (r) => !input.ContainerGroupType || latest(r).ContainerGroupType === input.ContainerGroupType,
  );
  const now = services.clock.now();
  return {
    ContainerGroupDefinitions: items.map((r) => toDefinition(latest(r), now)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** A definition's versions, newest first. */
export async function listContainerGroupDefinitionVersions(
  services: Services,
  ctx: RequestContext,
  input: ListContainerGroupDefinitionVersionsInput,
): Promise<ListContainerGroupDefinitionVersionsOutput> {
  const { versions } = await requireDefinition(services, ctx.scope, input.Name!);
  const newestFirst = [...versions].reverse();
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListContainerGroupDefinitionVersions", filters: [newestFirst[0]!.Name], defaultLimit: 50 },
    async (afterId, limit) => sliceAfter(newestFirst, (d) => String(d.VersionNumber), afterId, limit),
    (d) => String(d.VersionNumber),
  );
  const now = services.clock.now();
  return { ContainerGroupDefinitions: items.map((v) => toDefinition(v, now)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

/** The live fleets that run a version (by its versioned ARN). */
const fleetsRunning = (fleets: FleetRecord[], arn: string) =>
  fleets
    .filter(
      (f) => f.attributes.GameServerContainerGroupDefinitionArn === arn || f.attributes.PerInstanceContainerGroupDefinitionArn === arn,
    )
    .map((f) => f.fleetId);

/**
 * Deletes one version (VersionNumber), all but the newest VersionCountToRetain, or the whole
 * definition; a version a fleet runs is never deleted.
 */
export async function deleteContainerGroupDefinition(
  services: Services,
  ctx: RequestContext,
  input: DeleteContainerGroupDefinitionInput,
): Promise<Record<string, never>> {
  if (input.VersionNumber !== undefined && input.VersionCountToRetain !== undefined) {
    throw invalidRequest("Give VersionNumber (delete one version) or VersionCountToRetain (keep the newest ones), not both.");
  }
  const key = `${ctx.scope.accountId}/${ctx.scope.region}/${definitionName(input.Name!)}`;
  return definitionLocks.run(key, () => retryStale(() => deleteVersions(services, ctx, input)));
}

async function deleteVersions(
  services: Services,
  ctx: RequestContext,
  input: DeleteContainerGroupDefinitionInput,
): Promise<Record<string, never>> {
  const { resource, versions, version } = await requireDefinition(services, ctx.scope, input.Name!, input.VersionNumber);
  const doomed =
    input.VersionNumber !== undefined
      ? [version]
      : input.VersionCountToRetain !== undefined
        ? versions.slice(0, Math.max(0, versions.length - input.VersionCountToRetain))
        : versions;
  if (doomed.length === 0) return {};
  const fleets = await allFleets(services.store, ctx.scope);
  for (const v of doomed) {
    const users = fleetsRunning(fleets, v.ContainerGroupDefinitionArn!);
    if (users.length > 0) {
      throw invalidRequest(
        `Container group definition ${v.Name} version ${v.VersionNumber} is in use by fleet ${users.join(", ")}; delete or update those fleets first.`,
      );
    }
  }
  const kept = versions.filter((v) => !doomed.includes(v));
  if (kept.length === 0) {
    // Only as read: a version another node added meanwhile is looked at again (retryStale).
    if (!(await services.store.deleteResource(ctx.scope, CONTAINER_GROUP_DEFINITION, resource.id, resource.body))) {
      throw new StaleResource(CONTAINER_GROUP_DEFINITION, resource.id);
    }
  } else {
    const body = withVersions(resource, kept);
    await saveChanged(services.store, ctx.scope, CONTAINER_GROUP_DEFINITION, resource.id, resource.body, plain(body));
  }
  return {};
}

/** The stored version a versioned ARN names (any status), for what fleets run. */
export async function definitionVersion(services: Services, scope: Scope, arn: string): Promise<StoredVersion | undefined> {
  return (await findDefinition(services, scope, arn))?.version;
}
