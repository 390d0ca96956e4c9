/**
 * Families of event codes, by name: what `liftlog events --category` and webhook subscriptions'
 * `Categories` select. A code may belong to several (a container crash is a process event too).
 * `failure` holds every code that reports something going wrong, what alerting usually wants.
 */
import { enumValues } from "./service-model.js";

const FAILURE = /FAILED|FAILURE|_ERROR$|TIMEOUT|TIMED_OUT|CRASHED|UNHEALTHY|INVALID|FORCE_TERMINATED|MISCONFIGURED|NOT_FOUND|INTERRUPTED/;

const TESTS = new Map<string, (code: string) => boolean>([
  ["state", (c) => c.startsWith("FLEET_STATE_")],
  [
    "creation",
    (c) =>
      c === "FLEET_CREATED" ||
      /^FLEET_(CREATION|VALIDATION)_/.test(c) ||
      ["FLEET_BINARY_DOWNLOAD_FAILED", "FLEET_INITIALIZATION_FAILED"].includes(c) ||
      c.startsWith("FLEET_ACTIVATION_FAILED"),
  ],
  ["process", (c) => c.startsWith("SERVER_PROCESS_") || c === "GAME_SESSION_ACTIVATION_TIMEOUT" || c.endsWith("CONTAINER_GROUP_CRASHED")],
  ["spot", (c) => c === "INSTANCE_INTERRUPTED" || c === "INSTANCE_RECYCLED"],
  ["instance", (c) => c.startsWith("INSTANCE_") || c === "COMPUTE_LOG_UPLOAD_FAILED"],
  ["location", (c) => c.startsWith("LOCATION_STATE_")],
  ["container", (c) => c.includes("CONTAINER")],
  ["scaling", (c) => c === "FLEET_SCALING_EVENT"],
  ["vpc", (c) => c.startsWith("FLEET_VPC_PEERING_")],
  ["settings", (c) => c === "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED"],
  ["deletion", (c) => c === "FLEET_DELETED" || c === "FLEET_EXPIRED"],
  ["generic", (c) => c === "GENERIC_EVENT"],
  ["failure", (c) => FAILURE.test(c)],
]);

/** Category name -> its event codes, in the model's order. */
export const EVENT_CATEGORIES: ReadonlyMap<string, readonly string[]> = new Map(
  [...TESTS].map(([name, test]) => [name, enumValues("EventCode").filter(test)]),
);

export const CATEGORY_NAMES = [...EVENT_CATEGORIES.keys()];
