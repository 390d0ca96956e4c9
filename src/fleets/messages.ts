/**
 * Event messages, in the style of the real service ("Fleet fleet-... changed state to ACTIVE"):
 * each names the fleet and the states or values involved. A repeated event must produce the same
 * text (Count coalescing compares messages), so nothing here varies between repeats.
 */
import type { FleetRecord } from "../store/types.js";
import type { Capacity, Peering } from "./state.js";

export interface MessageContext {
  fleet: FleetRecord;
  /** The instance (or an Anywhere fleet's compute) the event happens on; none before the fleet has one. */
  instance?: string;
  host: "instance" | "compute";
  /** The first launch path of the runtime configuration; none where GameLift starts no process by path (containers, Anywhere fleets without one). */
  launchPath?: string;
}

const buildOf = (fleet: FleetRecord) =>
  (fleet.attributes.BuildId as string | undefined) ?? (fleet.attributes.ScriptId as string | undefined) ?? "(none)";

/** Creation events of the EC2 path and its failures. */
export function creationMessage(code: string, c: MessageContext): string {
  const id = c.fleet.fleetId;
  switch (code) {
    case "FLEET_CREATED":
      return `Fleet ${id} created with status ${c.fleet.status}.`;
    case "FLEET_CREATION_EXTRACTING_BUILD":
      return `Fleet ${id}: build ${buildOf(c.fleet)} downloaded to instance ${c.instance}; extracting build files.`;
    case "FLEET_CREATION_RUNNING_INSTALLER":
      return `Fleet ${id}: build files extracted on instance ${c.instance}; running the install script.`;
    case "FLEET_CREATION_COMPLETED_INSTALLER":
      return `Fleet ${id}: install script completed on instance ${c.instance}; validation will begin.`;
    case "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG":
      return `Fleet ${id}: validating the runtime configuration on instance ${c.instance}: checking launch path ${c.launchPath}.`;
    case "FLEET_INITIALIZATION_FAILED":
      return `Fleet ${id} failed to initialize: an internal error occurred while allocating the first instance.`;
    case "FLEET_BINARY_DOWNLOAD_FAILED":
      return `Fleet ${id}: build ${buildOf(c.fleet)} failed to download to instance ${c.instance}.`;
    case "FLEET_CREATION_FAILED_INSTALLER":
      return `Fleet ${id}: the install script failed on instance ${c.instance} (exit code 1) before validation could start.`;
    case "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND":
      return `Fleet ${id}: failed to find a valid path: launch path ${c.launchPath} does not exist on instance ${c.instance}.`;
    case "FLEET_VALIDATION_EXECUTABLE_RUNTIME_FAILURE":
      return `Fleet ${id}: the executable at launch path ${c.launchPath} failed to run on instance ${c.instance} (exit code 127).`;
    case "FLEET_VALIDATION_TIMED_OUT":
      return `Fleet ${id}: validation timed out on instance ${c.instance}; try creating the fleet again.`;
    case "FLEET_ACTIVATION_FAILED":
      return `Fleet ${id}: activation failed: no server process started from ${c.launchPath} called ProcessReady() on instance ${c.instance}.`;
    case "FLEET_ACTIVATION_FAILED_NO_INSTANCES":
      return `Fleet ${id}: activation failed: no ${c.fleet.attributes.FleetType ?? "ON_DEMAND"} ${c.fleet.attributes.InstanceType ?? ""} instances could be obtained in ${c.fleet.region}.`;
    default:
      return `Fleet ${id} changed state to ${code.replace(/^FLEET_STATE_/, "")}`;
  }
}

export const stateMessage = (fleetId: string, status: string) => `Fleet ${fleetId} changed state to ${status}`;

export const locationMessage = (fleetId: string, location: string, status: string) =>
  `Location ${location} of fleet ${fleetId} changed state to ${status}`;

export const deletedMessage = (fleetId: string, from: string) => `Fleet ${fleetId} deleted; it changed state from ${from} to TERMINATED.`;

export const expiredMessage = (fleetId: string, from: string) => `Fleet ${fleetId} expired; it changed state from ${from} to EXPIRED.`;

export function scalingMessage(fleetId: string, location: string, was: Capacity, now: Capacity): string {
  return (
    `Fleet ${fleetId} capacity in ${location} updated: desired instances ${now.desired}, minimum ${now.min}, maximum ${now.max}` +
    ` (was desired ${was.desired}, minimum ${was.min}, maximum ${was.max}).`
  );
}

export const protectionMessage = (fleetId: string, from: string, to: string) =>
  `Fleet ${fleetId} new game session protection policy changed from ${from} to ${to}.`;

export const fleetActionsMessage = (fleetId: string, location: string, actions: string[], verb: "stopped" | "started") =>
  `Fleet ${fleetId}: fleet actions ${actions.join(", ")} ${verb} in ${location}.`;

export function peeringMessage(fleetId: string, p: Peering, code: string): string {
  const which = `VPC peering connection ${p.id} between fleet ${fleetId} (VPC ${p.gameLiftVpcId}) and VPC ${p.peerVpcId} of account ${p.peerAccountId}`;
  if (code === "FLEET_VPC_PEERING_SUCCEEDED") return `${which} is active (CIDR ${p.cidr}).`;
  if (code === "FLEET_VPC_PEERING_FAILED") return `${which} failed: the VPCs have overlapping CIDR blocks (${p.cidr}).`;
  return `${which} was deleted.`;
}

/** The server process a runtime event is about: by launch path, or by the container group it runs in. */
function serverProcess(c: MessageContext): string {
  const group = c.fleet.attributes.GameServerContainerGroupDefinitionName as string | undefined;
  if (group) return `Server process in game server container group ${group}`;
  return c.launchPath ? `Server process ${c.launchPath}` : "Server process";
}

/** Runtime events (scenario cycles and injected faults). */
export function runtimeMessage(code: string, c: MessageContext): string {
  const on = `on ${c.host} ${c.instance} of fleet ${c.fleet.fleetId}`;
  const process = serverProcess(c);
  const gameGroup = `Game server container group ${String(c.fleet.attributes.GameServerContainerGroupDefinitionName)}`;
  switch (code) {
    case "SERVER_PROCESS_INVALID_PATH":
      return `${process} ${on} could not be started: the launch path was not found.`;
    case "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT":
      return `${process} ${on} did not call InitSDK() within 5 minutes.`;
    case "SERVER_PROCESS_PROCESS_READY_TIMEOUT":
      return `${process} ${on} did not call ProcessReady() within 5 minutes of InitSDK().`;
    case "SERVER_PROCESS_CRASHED":
      return `${process} ${on} crashed: it exited without calling ProcessEnding().`;
    case "SERVER_PROCESS_TERMINATED_UNHEALTHY":
      return `${process} ${on} was terminated: it stopped reporting healthy.`;
    case "SERVER_PROCESS_FORCE_TERMINATED":
      return `${process} ${on} was force-terminated: it did not exit after OnProcessTerminate().`;
    case "SERVER_PROCESS_PROCESS_EXIT_TIMEOUT":
      return `${process} ${on} did not exit within 30 seconds of calling ProcessEnding().`;
    case "SERVER_PROCESS_SDK_INITIALIZATION_FAILED":
      return `${process} ${on} failed to initialize the server SDK.`;
    case "SERVER_PROCESS_MISCONFIGURED_CONTAINER_PORT":
      return `${process} ${on} listens on a port outside the container port configuration.`;
    case "GAME_SESSION_ACTIVATION_TIMEOUT":
      return `A game session ${on} did not activate within the expected time (ActivateGameSession() took too long).`;
    case "INSTANCE_INTERRUPTED":
      return `Spot instance ${c.instance} of fleet ${c.fleet.fleetId} was interrupted by EC2 with a two-minute notice; it is being replaced.`;
    case "INSTANCE_RECYCLED":
      return `Spot instance ${c.instance} of fleet ${c.fleet.fleetId} has a high risk of interruption; it will be recycled once it hosts no game sessions.`;
    case "INSTANCE_REPLACED_UNHEALTHY":
      return `Instance ${c.instance} of fleet ${c.fleet.fleetId} was replaced: its server processes kept failing health checks.`;
    case "COMPUTE_LOG_UPLOAD_FAILED":
      return `Logs of compute ${c.instance} of fleet ${c.fleet.fleetId} could not be uploaded.`;
    case "GAME_SERVER_CONTAINER_GROUP_CRASHED":
      return `${gameGroup} ${on} crashed and is being restarted.`;
    case "PER_INSTANCE_CONTAINER_GROUP_CRASHED":
      return `Per-instance container group ${String(c.fleet.attributes.PerInstanceContainerGroupDefinitionName)} ${on} crashed and is being restarted.`;
    case "GAME_SERVER_CONTAINER_GROUP_REPLACED_UNHEALTHY":
      return `${gameGroup} ${on} was replaced: it stopped reporting healthy.`;
    default:
      return `An unspecified event (${code}) occurred ${on}.`;
  }
}
