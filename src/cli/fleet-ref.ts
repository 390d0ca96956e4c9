/** --fleet-id as a person gives it: a fleet ID, a fleet ARN, or a fleet's name (looked up among the fleets there). */
import { DescribeFleetAttributesCommand, type FleetAttributes, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { paginate } from "../client/index.js";
import { CliError, UsageError } from "./args.js";

/** The model's FleetIdOrArn pattern. */
const FLEET_ID_OR_ARN = /^[a-z]*fleet-[a-zA-Z0-9-]+$|^arn:.*:[a-z]*fleet\/[a-z]*fleet-[a-zA-Z0-9-]+$/;

export const isFleetIdOrArn = (text: string) => FLEET_ID_OR_ARN.test(text);

/** Every fleet's attributes, in the order the service lists them. */
export async function allFleets(client: GameLiftClient): Promise<FleetAttributes[]> {
  const fleets: FleetAttributes[] = [];
  for await (const fleet of paginate(client, "DescribeFleetAttributes", {}).items()) fleets.push(fleet);
  return fleets;
}

/** The fleet ID or ARN to send for `given`; a name is looked up and must name exactly one fleet. */
export async function resolveFleetRef(client: GameLiftClient, given: string | undefined): Promise<string> {
  if (given === undefined || given.trim() === "")
    throw new UsageError("--fleet-id is required: a fleet ID (fleet-...), fleet ARN or fleet name");
  if (isFleetIdOrArn(given)) return given;
  const named = (await allFleets(client)).filter((f) => f.Name === given);
  if (named.length === 1) return named[0]!.FleetId!;
  if (named.length === 0)
    throw new CliError(`no fleet is named '${given}' here; 'liftlog fleets' lists the fleets, or give a fleet ID (fleet-...)`);
  throw new CliError(`${named.length} fleets are named '${given}' (${named.map((f) => f.FleetId).join(", ")}); give one of their IDs`);
}

/** The fleet's attributes, or undefined when the service no longer describes it (a deleted fleet's events outlive it). */
export async function describeFleet(client: GameLiftClient, ref: string): Promise<FleetAttributes | undefined> {
  const out = await client.send(new DescribeFleetAttributesCommand({ FleetIds: [ref] })).catch(() => undefined);
  return out?.FleetAttributes?.[0];
}

/** The fleet's ARN when the service still describes it; else the reference as given. */
export async function fleetArnOf(client: GameLiftClient, ref: string): Promise<string> {
  if (ref.startsWith("arn:")) return ref;
  return (await describeFleet(client, ref))?.FleetArn ?? ref;
}
