/** --code and --category: which events a command keeps, by event code or by the family a code belongs to. */
import { EventCode } from "@aws-sdk/client-gamelift";
import { UsageError } from "./args.js";
import { CATEGORY_NAMES, EVENT_CATEGORIES } from "../model/event-categories.js";

const CODES: ReadonlySet<string> = new Set(Object.values(EventCode));

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
  const unknownFamily = families.find((c) => !EVENT_CATEGORIES.has(c));
  if (unknownFamily) throw new UsageError(`--category '${unknownFamily}' is not one of ${CATEGORY_NAMES.join(", ")}`);
  return new Set([...named, ...families.flatMap((f) => EVENT_CATEGORIES.get(f)!)]);
}
