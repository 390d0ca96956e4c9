/** Calls to a liftlog server's admin API (/_liftlog/) for commands that write: import and mirror. */
import { UsageError } from "./args.js";
import { resolveEndpoint, type ConnectionValues } from "./connection.js";
import { setTarget } from "./errors.js";

/** An admin API error in the AWS shape, carried like the SDK's service errors so that messages read the same. */
export class AdminError extends Error {
  readonly $fault = "client";
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

export interface AdminClient {
  endpoint: string;
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
}

/** The admin API of the liftlog server that --endpoint-url (or the environment) names; never Amazon GameLift, which has none. */
export async function adminClient(values: ConnectionValues, token: string | undefined): Promise<AdminClient> {
  const endpoint = await resolveEndpoint(values);
  if (!endpoint)
    throw new UsageError("this command writes through a liftlog server's admin API: give its --endpoint-url, not Amazon GameLift");
  setTarget(endpoint);
  return {
    endpoint,
    async post(path, body) {
      const res = await fetch(endpoint + path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // A body that is not JSON is reported by its status below.
      }
      if (!res.ok) {
        const code = String(parsed.__type ?? `HTTP ${res.status}`)
          .split("#")
          .pop()!;
        throw new AdminError(code, String(parsed.message ?? parsed.Message ?? (text.slice(0, 200) || res.statusText)), res.status);
      }
      return parsed;
    },
  };
}

export const ADMIN_TOKEN_HELP = `  --admin-token T     the server's admin token, when it has one (env LIFTLOG_ADMIN_TOKEN)`;

export const adminToken = (values: { "admin-token"?: string }) => values["admin-token"] ?? process.env.LIFTLOG_ADMIN_TOKEN;

/**
 * Registers a fleet under its own ID or ARN (copied from elsewhere); one that is already there is
 * fine: its events are added to.
 */
export async function ensureFleet(admin: AdminClient, fleet: string, name: string): Promise<void> {
  try {
    await admin.post("/_liftlog/fleets", { Name: name, FleetId: fleet });
  } catch (err) {
    if (!(err instanceof AdminError && err.code === "ConflictException")) throw err;
  }
}
