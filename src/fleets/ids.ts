/** Fleet identifiers: `fleet-<uuid>` and `arn:aws:gamelift:<region>:<account>:fleet/fleet-<uuid>`. */
import { randomUUID } from "node:crypto";
import type { Scope } from "../store/types.js";

export const newFleetId = () => `fleet-${randomUUID()}`;

export const fleetArn = (scope: Scope, fleetId: string) => `arn:aws:gamelift:${scope.region}:${scope.accountId}:fleet/${fleetId}`;

export interface ParsedFleetRef {
  fleetId: string;
  /** Present when the reference was an ARN. */
  arnScope?: Scope;
}

/** Splits a FleetIdOrArn value (already checked against the model's pattern). */
export function parseFleetRef(idOrArn: string): ParsedFleetRef {
  if (!idOrArn.startsWith("arn:")) return { fleetId: idOrArn };
  const [, , , region = "", accountId = "", resource = ""] = idOrArn.split(":");
  return { fleetId: resource.slice(resource.lastIndexOf("/") + 1), arnScope: { region, accountId } };
}
