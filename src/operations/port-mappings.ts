/**
 * A container fleet's computes and their ports: each instance runs GameServerContainerGroupsPerInstance
 * game server container groups (each one compute, as ListCompute lists them) and at most one
 * per-instance container group. Every container port of the groups' definitions gets a connection
 * port of its own on the instance, from the fleet's InstanceConnectionPortRange: the game server
 * groups' ports in order (group 0's, then group 1's, ...), then the per-instance group's.
 * DescribeContainerGroupPortMappings reports them.
 */
import { createHash } from "node:crypto";
import type {
  ContainerGroupPortMapping,
  ContainerPortMapping,
  DescribeContainerGroupPortMappingsInput,
  DescribeContainerGroupPortMappingsOutput,
} from "@aws-sdk/client-gamelift";
import { inScope, parseRef } from "../fleets/ids.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord, Scope } from "../store/types.js";
import { definitionVersion, type StoredVersion } from "./container-definitions.js";
import { requireContainerFleet } from "./containers.js";
import type { RequestContext, Services } from "./context.js";
import { fleetInstances, type FleetInstance } from "./instances.js";

export interface GroupCompute {
  name: string;
  instance: FleetInstance;
  /** Which of the instance's game server container groups (0-based). */
  index: number;
}

const hex = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);

/** The game server container groups of a container fleet, each a compute; none without a game server group. */
export function groupComputes(fleet: FleetRecord): GroupCompute[] {
  if (!fleet.attributes.GameServerContainerGroupDefinitionArn) return [];
  const perInstance = (fleet.attributes.GameServerContainerGroupsPerInstance as number | undefined) ?? 1;
  return fleetInstances(fleet).flatMap((instance) =>
    Array.from({ length: perInstance }, (_, index) => ({ name: hex(`${fleet.fleetId}/${instance.id}/${index}`, 32), instance, index })),
  );
}

interface ContainerPorts {
  name: string;
  ports: { port: number; protocol: ContainerPortMapping["Protocol"] }[];
}

/** A version's containers (the game server container first) and the container ports each listens on. */
function containersOf(v: StoredVersion): ContainerPorts[] {
  const containers = [
    ...(v.GameServerContainerDefinition ? [v.GameServerContainerDefinition] : []),
    ...(v.SupportContainerDefinitions ?? []),
  ];
  return containers.map((c) => ({
    name: c.ContainerName!,
    ports: (c.PortConfiguration?.ContainerPortRanges ?? []).flatMap((r) =>
      Array.from({ length: r.ToPort! - r.FromPort! + 1 }, (_, k) => ({ port: r.FromPort! + k, protocol: r.Protocol })),
    ),
  }));
}

const portCount = (v: StoredVersion | undefined) => (v ? containersOf(v).reduce((n, c) => n + c.ports.length, 0) : 0);

/** The container ports of the definition versions a fleet's attributes name, by ARN. */
export async function portCounts(services: Services, scope: Scope, arns: (string | undefined)[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const arn of arns) if (arn && !counts.has(arn)) counts.set(arn, portCount(await definitionVersion(services, scope, arn)));
  return counts;
}

/** InstanceConnectionPortRange must hold a connection port for every container port of every group on an instance. */
export function checkConnectionPorts(attributes: Record<string, unknown>, counts: Map<string, number>): void {
  const range = attributes.InstanceConnectionPortRange as { FromPort: number; ToPort: number };
  const groups = attributes.GameServerContainerGroupDefinitionArn
    ? ((attributes.GameServerContainerGroupsPerInstance as number | undefined) ?? 1)
    : 0;
  const perGroup = counts.get(attributes.GameServerContainerGroupDefinitionArn as string) ?? 0;
  const perInstance = counts.get(attributes.PerInstanceContainerGroupDefinitionArn as string) ?? 0;
  const needed = groups * perGroup + perInstance;
  const available = range.ToPort - range.FromPort + 1;
  if (range.ToPort < range.FromPort) {
    throw invalidRequest(`InstanceConnectionPortRange ${range.FromPort}-${range.ToPort}: FromPort is above ToPort.`);
  }
  if (needed > available) {
    throw invalidRequest(
      `InstanceConnectionPortRange ${range.FromPort}-${range.ToPort} has ${available} ports; an instance needs ${needed}: ` +
        `${groups} game server container group(s) of ${perGroup} container port(s) each, and ${perInstance} for the per-instance container group.`,
    );
  }
}

/** The port mappings of one container group: its containers, each port mapped from `firstPort` on. */
function mappings(v: StoredVersion, firstPort: number, runtimeIdOf: (container: string) => string): ContainerGroupPortMapping[] {
  let next = firstPort;
  return containersOf(v).map((c) => ({
    ContainerName: c.name,
    ContainerRuntimeId: runtimeIdOf(c.name),
    ContainerPortMappings: c.ports.map((p) => ({ ContainerPort: p.port, ConnectionPort: next++, Protocol: p.protocol })),
  }));
}

async function requireVersion(services: Services, ctx: RequestContext, fleet: FleetRecord, slot: "GameServer" | "PerInstance") {
  const arn = fleet.attributes[`${slot}ContainerGroupDefinitionArn`] as string | undefined;
  const version = arn ? await definitionVersion(services, ctx.scope, arn) : undefined;
  if (!version) {
    const which = slot === "GameServer" ? "game server" : "per-instance";
    throw invalidRequest(`Container fleet ${fleet.fleetId} runs no ${which} container group.`);
  }
  return version;
}

export async function describeContainerGroupPortMappings(
  services: Services,
  ctx: RequestContext,
  input: DescribeContainerGroupPortMappingsInput,
): Promise<DescribeContainerGroupPortMappingsOutput> {
  const fleet = await requireContainerFleet(services, ctx, input.FleetId!);
  const gameServer = input.ContainerGroupType === "GAME_SERVER";
  if (gameServer && !input.ComputeName) {
    throw invalidRequest(
      "ComputeName is required when ContainerGroupType is GAME_SERVER: name the game server container group's compute (ListCompute).",
    );
  }
  if (!gameServer && input.ComputeName) {
    throw invalidRequest("ComputeName applies to GAME_SERVER container groups; for PER_INSTANCE give the InstanceId only.");
  }
  if (!gameServer && !input.InstanceId) throw invalidRequest("InstanceId is required when ContainerGroupType is PER_INSTANCE.");
  const version = await requireVersion(services, ctx, fleet, gameServer ? "GameServer" : "PerInstance");
  const range = fleet.attributes.InstanceConnectionPortRange as { FromPort: number };
  const groupPorts = portCount(
    gameServer ? version : await definitionVersion(services, ctx.scope, fleet.attributes.GameServerContainerGroupDefinitionArn as string),
  );
  let instance: FleetInstance;
  let groups: ContainerGroupPortMapping[];
  let computeName: string | undefined;
  if (gameServer) {
    const ref = parseRef(input.ComputeName!);
    const compute = inScope(ref, ctx.scope)
      ? groupComputes(fleet).find((c) => c.name === ref.id && (ref.type === undefined || ref.type === "compute"))
      : undefined;
    if (!compute) throw notFound(`Container fleet ${fleet.fleetId} has no compute ${input.ComputeName}.`);
    if (input.InstanceId && input.InstanceId !== compute.instance.id) {
      throw invalidRequest(`Compute ${compute.name} runs on instance ${compute.instance.id}, not ${input.InstanceId}.`);
    }
    ({ instance } = compute);
    computeName = compute.name;
    groups = mappings(version, range.FromPort + compute.index * groupPorts, (c) => hex(`${compute.name}/${c}`, 32));
  } else {
    const found = fleetInstances(fleet).find((i) => i.id === input.InstanceId);
    if (!found) throw notFound(`Container fleet ${fleet.fleetId} has no instance ${input.InstanceId}.`);
    instance = found;
    const gameServerGroups = groupComputes(fleet).filter((c) => c.instance.id === found.id).length;
    groups = mappings(version, range.FromPort + gameServerGroups * groupPorts, (c) => hex(`${found.id}/per-instance/${c}`, 32));
  }
  if (input.ContainerName !== undefined) {
    groups = groups.filter((g) => g.ContainerName === input.ContainerName);
    if (groups.length === 0) {
      throw notFound(
        `Container group definition ${version.Name} version ${version.VersionNumber} has no container ${input.ContainerName}.`,
      );
    }
  }
  return {
    FleetId: fleet.fleetId,
    Location: instance.location,
    ContainerGroupDefinitionArn: version.ContainerGroupDefinitionArn,
    ContainerGroupType: input.ContainerGroupType,
    ...(computeName ? { ComputeName: computeName } : {}),
    InstanceId: instance.id,
    ContainerGroupPortMappings: groups,
  };
}

/** Runtime IDs of a game server container group's containers, as ListCompute's ContainerAttributes show them. */
export async function containerAttributes(services: Services, fleet: FleetRecord, compute: GroupCompute) {
  const version = await definitionVersion(services, fleet, fleet.attributes.GameServerContainerGroupDefinitionArn as string);
  return (version ? containersOf(version) : []).map((c) => ({
    ContainerName: c.name,
    ContainerRuntimeId: hex(`${compute.name}/${c.name}`, 32),
  }));
}
