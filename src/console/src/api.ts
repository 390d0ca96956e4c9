/**
 * The two APIs the console calls on its own origin: GameLift (AWS JSON 1.1, through the AWS SDK,
 * signed with the console's key; the server reads only the key's account and the region) and the
 * admin API under /_liftlog/ (Bearer token when the server has one).
 */
import { GameLiftClient } from "@aws-sdk/client-gamelift";
import { getSettings } from "./settings";

const clients = new Map<string, GameLiftClient>();

export function gamelift(): GameLiftClient {
  const { region, accessKeyId } = getSettings();
  const key = `${region}/${accessKeyId}`;
  let client = clients.get(key);
  if (!client) {
    client = new GameLiftClient({
      region,
      endpoint: window.location.origin,
      credentials: { accessKeyId, secretAccessKey: "liftlog-console" },
      maxAttempts: 2,
    });
    clients.set(key, client);
  }
  return client;
}

/** An admin API error: the AWS error shape's code and message, and the HTTP status. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const needsToken = (err: unknown) => err instanceof AdminError && err.status === 401;

export function adminHeaders(): Record<string, string> {
  const token = getSettings().adminToken;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function adminJson<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? "GET",
    headers: { ...adminHeaders(), ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const code = String(body.__type ?? res.status)
      .split("#")
      .pop()!;
    throw new AdminError(res.status, code, String(body.message ?? body.Message ?? res.statusText));
  }
  return body as T;
}

/** A message a person can act on, from any error the SDK or the admin API throws. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name && err.name !== "Error" ? `${err.name}: ` : ""}${err.message}`;
  return String(err);
}

/** The server's clock (epoch ms): the lifecycle may run on a manual or scaled clock, not the browser's. */
export async function serverNow(): Promise<number> {
  try {
    const clock = await adminJson<{ Now: number }>("/_liftlog/clock");
    return Math.round(clock.Now * 1000);
  } catch (err) {
    if (needsToken(err)) throw err;
    return Date.now();
  }
}
