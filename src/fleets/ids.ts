/**
 * Identifiers: `fleet-<uuid>` (`containerfleet-<uuid>` for container fleets, as GameLift names
 * them), `build-<uuid>`, and ARNs `arn:aws:gamelift:<region>:<account>:<type>/<id>`.
 */
import { randomUUID } from "node:crypto";
import type { Scope } from "../store/types.js";

export type FleetIdPrefix = "fleet" | "containerfleet";

export const newFleetId = (prefix: FleetIdPrefix = "fleet") => `${prefix}-${randomUUID()}`;

export const resourceArn = (scope: Scope, type: string, id: string) => `arn:aws:gamelift:${scope.region}:${scope.accountId}:${type}/${id}`;

/** A container fleet's ARN names the type `containerfleet`, any other fleet's `fleet`. */
export const fleetArn = (scope: Scope, fleetId: string) =>
  resourceArn(scope, fleetId.startsWith("containerfleet-") ? "containerfleet" : "fleet", fleetId);

export interface ParsedRef {
  id: string;
  /** The resource type an ARN names (fleet, build, location, containergroupdefinition). */
  type?: string;
  /** Present when the reference was an ARN. */
  arnScope?: Scope;
}

/** Splits an ID-or-ARN value (already checked against the model's pattern). */
export function parseRef(idOrArn: string): ParsedRef {
  if (!idOrArn.startsWith("arn:")) return { id: idOrArn };
  const [, , , region = "", accountId = "", ...rest] = idOrArn.split(":");
  const resource = rest.join(":");
  const slash = resource.indexOf("/");
  return { id: resource.slice(slash + 1), type: resource.slice(0, slash), arnScope: { region, accountId } };
}

/** An ARN naming another account or region never reaches this caller's resources. */
export const inScope = (ref: ParsedRef, scope: Scope) =>
  !ref.arnScope || (ref.arnScope.accountId === scope.accountId && ref.arnScope.region === scope.region);

export interface ParsedFleetRef {
  fleetId: string;
  arnScope?: Scope;
}

export function parseFleetRef(idOrArn: string): ParsedFleetRef {
  const { id, arnScope } = parseRef(idOrArn);
  return { fleetId: id, ...(arnScope ? { arnScope } : {}) };
}
