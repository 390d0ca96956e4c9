/**
 * Realtime scripts: CreateScript, DescribeScript, UpdateScript, DeleteScript, ListScripts. A script
 * comes from a zip file in the request (liftlog keeps only its size) or from S3; a fleet created with
 * its ScriptId runs Realtime servers (CreateFleet).
 */
import { randomUUID } from "node:crypto";
import type {
  CreateScriptInput,
  CreateScriptOutput,
  DeleteScriptInput,
  DescribeScriptInput,
  DescribeScriptOutput,
  ListScriptsInput,
  ListScriptsOutput,
  S3Location,
  Script,
  UpdateScriptInput,
  UpdateScriptOutput,
} from "@aws-sdk/client-gamelift";
import { resourceArn } from "../fleets/ids.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { Scope, Store } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { filteredPage } from "./paging.js";
import { changeResource, findResource, plain } from "./resources.js";
import { checkTags } from "./tags.js";

export const SCRIPT = "script";

interface StoredScript extends Omit<Script, "CreationTime"> {
  CreationTimeMs: number;
  Tags?: { Key: string; Value: string }[];
}

const toScript = ({ CreationTimeMs, Tags: _tags, ...s }: StoredScript): Script => ({ ...s, CreationTime: new Date(CreationTimeMs) });

/** The script a ScriptIdOrArn names in the caller's account and region, if any. */
export async function findScript(store: Store, scope: Scope, idOrArn: string): Promise<StoredScript | undefined> {
  return (await findResource(store, scope, SCRIPT, idOrArn))?.body as unknown as StoredScript | undefined;
}

async function requireScript(store: Store, scope: Scope, idOrArn: string): Promise<StoredScript> {
  const script = await findScript(store, scope, idOrArn);
  if (!script) throw notFound(`Script ${idOrArn} not found in account ${scope.accountId}, region ${scope.region}.`);
  return script;
}

/** The script's files: a zip in the request, or an S3 object GameLift may read. */
function content(input: { StorageLocation?: S3Location; ZipFile?: Uint8Array }): Partial<StoredScript> {
  if (input.StorageLocation && input.ZipFile)
    throw invalidRequest("Give the script's files either as ZipFile or as StorageLocation, not both.");
  if (input.ZipFile) return { SizeOnDisk: input.ZipFile.length, StorageLocation: undefined };
  const location = input.StorageLocation!;
  if (!location.Bucket || !location.Key || !location.RoleArn) {
    throw invalidRequest("StorageLocation needs Bucket, Key and RoleArn (the IAM role GameLift uses to read the script files).");
  }
  return { SizeOnDisk: 0, StorageLocation: location };
}

const save = (store: Store, scope: Scope, script: StoredScript) =>
  store.putResource(scope, { type: SCRIPT, id: script.ScriptId!, body: plain(script) });

export async function createScript(services: Services, ctx: RequestContext, input: CreateScriptInput): Promise<CreateScriptOutput> {
  if (!input.ZipFile && !input.StorageLocation) throw invalidRequest("A script needs its files: give ZipFile or StorageLocation.");
  checkTags(input.Tags ?? []);
  const id = `script-${randomUUID()}`;
  const script: StoredScript = {
    ScriptId: id,
    ScriptArn: resourceArn(ctx.scope, SCRIPT, id),
    Name: input.Name,
    Version: input.Version,
    ...content(input),
    NodeJsVersion: input.NodeJsVersion ?? "10.x",
    CreationTimeMs: services.clock.now(),
    ...(input.Tags?.length ? { Tags: input.Tags as StoredScript["Tags"] } : {}),
  };
  await save(services.store, ctx.scope, script);
  return { Script: toScript(script) };
}

export async function describeScript(services: Services, ctx: RequestContext, input: DescribeScriptInput): Promise<DescribeScriptOutput> {
  return { Script: toScript(await requireScript(services.store, ctx.scope, input.ScriptId!)) };
}

export async function updateScript(services: Services, ctx: RequestContext, input: UpdateScriptInput): Promise<UpdateScriptOutput> {
  const { store } = services;
  const updated = await changeResource(
    store,
    ctx.scope,
    SCRIPT,
    () => requireScript(store, ctx.scope, input.ScriptId!),
    (s) => s.ScriptId!,
    (script): StoredScript => ({
      ...script,
      ...(input.Name !== undefined ? { Name: input.Name } : {}),
      ...(input.Version !== undefined ? { Version: input.Version } : {}),
      ...(input.ZipFile || input.StorageLocation ? content(input) : {}),
    }),
  );
  return { Script: toScript(updated) };
}

export async function deleteScript(services: Services, ctx: RequestContext, input: DeleteScriptInput): Promise<Record<string, never>> {
  const script = await requireScript(services.store, ctx.scope, input.ScriptId!);
  await services.store.deleteResource(ctx.scope, SCRIPT, script.ScriptId!);
  return {};
}

export async function listScripts(services: Services, ctx: RequestContext, input: ListScriptsInput): Promise<ListScriptsOutput> {
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    { ...input, operation: "ListScripts", filters: [], defaultLimit: 50 },
    (afterId, limit) => services.store.listResources(ctx.scope, SCRIPT, { afterId, limit }),
    (r) => r.id,
  );
  return { Scripts: items.map((r) => toScript(r.body as unknown as StoredScript)), ...(nextToken ? { NextToken: nextToken } : {}) };
}
