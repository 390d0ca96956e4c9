/** --code and --category: which events a command keeps, by event code or by the family a code belongs to. */
import { EventCode } from "@aws-sdk/client-gamelift";
import { UsageError } from "./args.js";

const CODES: ReadonlySet<string> = new Set(Object.values(EventCode));

/** Each category and the test of its codes; a code may belong to more than one (a container crash is a process event too). */
const CATEGORIES = new Map<string, (code: string) => boolean>([
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
]);

export const CATEGORY_NAMES = [...CATEGORIES.keys()];

const list = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);

/** The event codes --code and --category select (either may be repeated or comma-separated); undefined keeps every event. */
export function selectedCodes(codes: string[] | undefined, categories: string[] | undefined): ReadonlySet<string> | undefined {
  const named = list(codes).map((c) => c.toUpperCase());
  const families = list(categories).map((c) => c.toLowerCase());
  if (named.length === 0 && families.length === 0) return undefined;
  const unknownCode = named.find((c) => !CODES.has(c));
  if (unknownCode)
    throw new UsageError(`--code '${unknownCode}' is not a GameLift event code (such as FLEET_STATE_ACTIVE or SERVER_PROCESS_CRASHED)`);
  const unknownFamily = families.find((c) => !CATEGORIES.has(c));
  if (unknownFamily) throw new UsageError(`--category '${unknownFamily}' is not one of ${CATEGORY_NAMES.join(", ")}`);
  const selected = new Set(named);
  for (const code of CODES) if (families.some((f) => CATEGORIES.get(f)!(code))) selected.add(code);
  return selected;
}
