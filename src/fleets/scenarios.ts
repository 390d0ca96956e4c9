/**
 * Scenarios: what a simulated fleet goes through, chosen with the `liftlog:scenario` tag on
 * CreateFleet / CreateContainerFleet. This one table drives the state machine (machine.ts), the
 * admin listing (GET /_liftlog/scenarios) and the tests.
 *
 * The creation paths follow the EventCode documentation (the seed page): a success path per fleet
 * type, and one failure per creation failure code, branching off the EC2 path right after the event
 * named in `failure.after` and ending in FLEET_STATE_ERROR. Runtime scenarios run the success path
 * and then repeat their `cycle` for as long as the fleet is ACTIVE.
 */
import type { EventCode } from "@aws-sdk/client-gamelift";
import { invalidRequest } from "../protocol/errors.js";

export const SCENARIO_TAG = "liftlog:scenario";
export const DEFAULT_SCENARIO = "success";

export type FleetKind = "EC2" | "ANYWHERE" | "CONTAINER";

/**
 * Named stages whose length (in service seconds) is configurable: the time a fleet spends in a
 * stage before the next event. Creation stages follow the EC2 path; the container and location
 * paths use pending/creating/created/activating.
 */
export const STAGES = {
  new: 20,
  downloading: 60,
  extracting: 30,
  installing: 60,
  installed: 10,
  validating: 10,
  "validating-runtime": 60,
  building: 120,
  activating: 90,
  pending: 10,
  creating: 60,
  created: 10,
  updating: 120,
  deleting: 60,
  scaling: 60,
  terminating: 60,
  replacing: 60,
  "vpc-peering": 30,
  copying: 30,
} as const;

export type Stage = keyof typeof STAGES;
export type StageDurations = Record<Stage, number>;

/** One event of a path: its code, the status it sets, the stage whose length comes before it (none: at once), its log. */
export interface PathEntry {
  code: EventCode;
  status?: string;
  after?: Stage;
  log?: LogKind;
}

export type LogKind = "extracting" | "installer" | "runtime-config" | "failure";

const state = (status: string, after?: Stage): PathEntry => ({ code: `FLEET_STATE_${status}` as EventCode, status, after });

export const EC2_PATH: readonly PathEntry[] = [
  { code: "FLEET_CREATED", status: "NEW" },
  state("DOWNLOADING", "new"),
  { code: "FLEET_CREATION_EXTRACTING_BUILD", after: "downloading", log: "extracting" },
  { code: "FLEET_CREATION_RUNNING_INSTALLER", after: "extracting", log: "installer" },
  { code: "FLEET_CREATION_COMPLETED_INSTALLER", after: "installing" },
  state("VALIDATING", "installed"),
  { code: "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG", after: "validating", log: "runtime-config" },
  state("BUILDING", "validating-runtime"),
  state("ACTIVATING", "building"),
  state("ACTIVE", "activating"),
];

/** Anywhere fleets are ACTIVE as soon as they exist (the hosts are the customer's). */
export const ANYWHERE_PATH: readonly PathEntry[] = [{ code: "FLEET_CREATED", status: "NEW" }, state("ACTIVE")];

/** Container fleets: PENDING, CREATING, CREATED; with a game server container group, on to ACTIVATING and ACTIVE. */
export const CONTAINER_PATH: readonly PathEntry[] = [
  { code: "FLEET_CREATED", status: "PENDING" },
  state("PENDING"),
  state("CREATING", "pending"),
  state("CREATED", "creating"),
  state("ACTIVATING", "created"),
  state("ACTIVE", "activating"),
];

/** Remote locations, once their fleet is ACTIVE (and for locations added later). */
export const LOCATION_PATH: readonly { code: EventCode; status: string; after?: Stage }[] = [
  { code: "LOCATION_STATE_PENDING", status: "PENDING" },
  { code: "LOCATION_STATE_CREATING", status: "CREATING", after: "pending" },
  { code: "LOCATION_STATE_CREATED", status: "CREATED", after: "creating" },
  { code: "LOCATION_STATE_ACTIVATING", status: "ACTIVATING", after: "created" },
  { code: "LOCATION_STATE_ACTIVE", status: "ACTIVE", after: "activating" },
];

/** What a cycle event happens to: the fleet's first instance (which may then be replaced). */
export interface CycleEntry {
  code: EventCode;
  afterSeconds: number;
  /** The instance is replaced after this event (a new instance ID takes its place). */
  replacesInstance?: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  kinds: readonly FleetKind[];
  failure?: { after: EventCode; code: EventCode };
  /** The fleet never gets an instance: its events and logs name none. */
  noInstance?: boolean;
  /** Repeated, in order, from the moment the fleet is ACTIVE until it is deleted or expires. */
  cycle?: readonly CycleEntry[];
  /** CreateFleet must ask for Spot instances / a VPC peering for the scenario to apply. */
  requires?: "spot" | "vpc-peering";
}

const creationFailure = (name: string, after: EventCode, code: EventCode, description: string, noInstance = false): Scenario => ({
  name,
  description,
  kinds: ["EC2"],
  failure: { after, code },
  ...(noInstance ? { noInstance } : {}),
});

export const SCENARIOS: readonly Scenario[] = [
  {
    name: DEFAULT_SCENARIO,
    description: "Creation succeeds and the fleet stays ACTIVE (the default when no liftlog:scenario tag is given).",
    kinds: ["EC2", "ANYWHERE", "CONTAINER"],
  },
  creationFailure(
    "initialization-failed",
    "FLEET_CREATED",
    "FLEET_INITIALIZATION_FAILED",
    "A generic error while allocating the first instance: the fleet goes from NEW to ERROR.",
    true,
  ),
  creationFailure(
    "binary-download-failed",
    "FLEET_STATE_DOWNLOADING",
    "FLEET_BINARY_DOWNLOAD_FAILED",
    "The build fails to download to the instance.",
  ),
  creationFailure(
    "installer-failed",
    "FLEET_CREATION_RUNNING_INSTALLER",
    "FLEET_CREATION_FAILED_INSTALLER",
    "The build's install script exits with an error before validation starts.",
  ),
  creationFailure(
    "launch-path-not-found",
    "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
    "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND",
    "No launch path of the runtime configuration exists on the instance.",
  ),
  creationFailure(
    "executable-runtime-failure",
    "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
    "FLEET_VALIDATION_EXECUTABLE_RUNTIME_FAILURE",
    "The launch path exists but the executable fails to run on the instance.",
  ),
  creationFailure(
    "validation-timed-out",
    "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
    "FLEET_VALIDATION_TIMED_OUT",
    "Validation of the fleet times out.",
  ),
  creationFailure(
    "activation-failed",
    "FLEET_STATE_ACTIVATING",
    "FLEET_ACTIVATION_FAILED",
    "The build is installed and validated, but no server process reports ready.",
  ),
  creationFailure(
    "activation-failed-no-instances",
    "FLEET_CREATED",
    "FLEET_ACTIVATION_FAILED_NO_INSTANCES",
    "No instances of the fleet's instance type and fleet type can be obtained, so nothing is downloaded or installed: the fleet goes from NEW to ERROR.",
    true,
  ),
  {
    name: "spot-interruptions",
    description:
      "A Spot fleet becomes ACTIVE; 10 minutes later, and every 15 minutes from then, one instance is flagged for recycling (INSTANCE_RECYCLED) and, 5 minutes after that, one is interrupted (INSTANCE_INTERRUPTED); each is replaced.",
    kinds: ["EC2"],
    requires: "spot",
    cycle: [
      { code: "INSTANCE_RECYCLED", afterSeconds: 600, replacesInstance: true },
      { code: "INSTANCE_INTERRUPTED", afterSeconds: 300, replacesInstance: true },
    ],
  },
  {
    name: "crash-loop",
    description:
      "The fleet becomes ACTIVE, then its server process crashes every 5 seconds (SERVER_PROCESS_CRASHED, coalesced into one event whose Count climbs to 101, then a new event).",
    kinds: ["EC2", "ANYWHERE"],
    cycle: [{ code: "SERVER_PROCESS_CRASHED", afterSeconds: 5 }],
  },
  {
    name: "unhealthy-processes",
    description:
      "The fleet becomes ACTIVE, then a server process fails its health checks every minute (SERVER_PROCESS_TERMINATED_UNHEALTHY); after three, the instance is replaced (INSTANCE_REPLACED_UNHEALTHY).",
    kinds: ["EC2"],
    cycle: [
      { code: "SERVER_PROCESS_TERMINATED_UNHEALTHY", afterSeconds: 60 },
      { code: "SERVER_PROCESS_TERMINATED_UNHEALTHY", afterSeconds: 60 },
      { code: "SERVER_PROCESS_TERMINATED_UNHEALTHY", afterSeconds: 60 },
      { code: "INSTANCE_REPLACED_UNHEALTHY", afterSeconds: 30, replacesInstance: true },
    ],
  },
  {
    name: "vpc-peering-failed",
    description:
      "The fleet's VPC peering (CreateFleet with PeerVpcId and PeerVpcAwsAccountId, or CreateVpcPeeringConnection) fails (FLEET_VPC_PEERING_FAILED, overlapping CIDR blocks); the fleet still becomes ACTIVE.",
    kinds: ["EC2"],
    requires: "vpc-peering",
  },
  {
    name: "container-crash",
    description:
      "A container fleet becomes ACTIVE, then its game server container group crashes every 30 seconds (GAME_SERVER_CONTAINER_GROUP_CRASHED, coalesced) and is restarted.",
    kinds: ["CONTAINER"],
    cycle: [{ code: "GAME_SERVER_CONTAINER_GROUP_CRASHED", afterSeconds: 30 }],
  },
];

const byName = new Map(SCENARIOS.map((s) => [s.name, s]));

export function scenario(name: string): Scenario {
  const found = byName.get(name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

/** The scenario a CreateFleet tag asks for; InvalidRequestException naming the valid values otherwise. */
export function chooseScenario(value: string | undefined, kind: FleetKind): Scenario {
  const valid = SCENARIOS.filter((s) => s.kinds.includes(kind)).map((s) => s.name);
  const found = byName.get(value ?? DEFAULT_SCENARIO);
  if (!found || !found.kinds.includes(kind)) {
    const what = found ? `applies to ${found.kinds.join("/")} fleets, not ${kind}` : "is not a liftlog scenario";
    throw invalidRequest(
      `Tag ${SCENARIO_TAG}=${JSON.stringify(value)} ${what}. Valid values for ${kind} fleets: ${valid.join(", ")} (GET /_liftlog/scenarios describes each).`,
    );
  }
  return found;
}

/**
 * The creation path of a fleet: the success path of its kind, or the EC2 path cut at the failure's
 * branch point, the failure event (after the length of the stage the fleet was in), FLEET_STATE_ERROR.
 * `peering` adds the VPC peering outcome right after FLEET_STATE_BUILDING; `activates` is false for
 * a container fleet without a game server container group (it stops at CREATED).
 */
export function creationPath(s: Scenario, kind: FleetKind, options: { peering?: boolean; activates?: boolean } = {}): PathEntry[] {
  if (kind === "ANYWHERE") return [...ANYWHERE_PATH];
  if (kind === "CONTAINER") return options.activates === false ? CONTAINER_PATH.slice(0, 4) : [...CONTAINER_PATH];
  const path: PathEntry[] = [];
  for (const [i, entry] of EC2_PATH.entries()) {
    path.push(entry);
    if (entry.code === "FLEET_STATE_BUILDING" && options.peering) {
      path.push({ code: s.requires === "vpc-peering" ? "FLEET_VPC_PEERING_FAILED" : "FLEET_VPC_PEERING_SUCCEEDED" });
    }
    if (s.failure?.after === entry.code) {
      return [...path, { code: s.failure.code, after: EC2_PATH[i + 1]!.after, log: "failure" }, state("ERROR")];
    }
  }
  return path;
}

/** The scenario as the admin API lists it: the event codes it produces in order, and its repeating part. */
export function describeScenario(s: Scenario) {
  const kind = s.kinds[0]!;
  const path = creationPath(s, kind, { peering: s.requires === "vpc-peering" });
  return {
    Name: s.name,
    Description: s.description,
    FleetTypes: s.kinds,
    EventCodes: path.map((e) => e.code),
    FinalStatus: path.findLast((e) => e.status)!.status,
    ...(s.cycle ? { ThenRepeats: s.cycle.map((c) => ({ EventCode: c.code, AfterSeconds: c.afterSeconds })) } : {}),
    ...(s.requires === "spot" ? { Requires: "FleetType SPOT" } : {}),
    ...(s.requires === "vpc-peering" ? { Requires: "PeerVpcId and PeerVpcAwsAccountId on CreateFleet" } : {}),
  };
}
