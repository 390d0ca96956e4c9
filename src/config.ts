/** Server configuration: flags, then LIFTLOG_* environment variables, then these defaults. */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { join } from "node:path";
import { CLOCK_MODES, type ClockMode } from "./fleets/clock.js";
import { DEFAULT_COALESCE_WINDOW_SECONDS } from "./fleets/lifecycle.js";
import { STAGES, type Stage, type StageDurations } from "./fleets/scenarios.js";
import { DEFAULT_DELIVERY, type DeliveryOptions } from "./alerts/worker.js";
import { parseLogLevel } from "./observability/logger.js";
import type { LevelWithSilent } from "pino";

export const DEFAULT_PORT = 4580;
export const DEFAULT_ACCOUNT = "000000000000";
export const DEFAULT_REGION = "us-east-1";

export interface LiftlogConfig {
  host: string;
  port: number;
  /** Directory of the SQLite database, or ":memory:" for a throwaway store. */
  dataDir: string;
  /** A postgres:// URL: use PostgreSQL (several nodes may share it) instead of SQLite. */
  db?: string;
  /** Connections each node keeps to PostgreSQL at most. */
  dbPoolSize: number;
  /** When set, /_liftlog/ admin endpoints require `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** Serve the admin API without a token on a non-loopback address: the operator accepts that anyone who reaches it controls it. */
  allowOpenAdmin: boolean;
  /** Access key ID -> account ID. Unlisted keys: a 12-digit key is its own account, others the default. */
  accounts: ReadonlyMap<string, string>;
  /**
   * default: the SigV4 scope is read, the signature not checked (anyone who reaches the port is
   * trusted). strict: every signature is verified against the keys in `credentialsFile`.
   */
  auth: AuthMode;
  /** Keys for strict mode, in the AWS shared-credentials format with aws_account_id per section. */
  credentialsFile?: string;
  /** PEM certificate chain and private key: serve HTTPS instead of HTTP. */
  tlsCert?: string;
  tlsKey?: string;
  defaultAccount: string;
  defaultRegion: string;
  maxPageSize: number;
  /** Base URL written into log URLs; by default the Host the request came to. */
  publicUrl?: string;
  /** Events older than this many days are deleted; 0 keeps them forever. */
  retentionDays: number;
  /** Least severe log lines written: request logs are "info", failed webhook attempts "warn". */
  logLevel: LevelWithSilent;
  /** Webhook deliveries: attempts before parking, backoff cap, per-attempt timeout. */
  delivery: DeliveryOptions;
  /** The service clock: real time, real time times `clockSpeed`, or manual (advanced by the admin API). */
  clock: ClockMode;
  clockSpeed: number;
  /** Seconds each lifecycle stage lasts on the service clock. */
  stageSeconds: StageDurations;
  /** Repeats of an event within this many seconds of its first occurrence raise its Count. */
  coalesceWindowSeconds: number;
  /** The live event stream's timing (see src/feed/stream.ts). */
  feed: { heartbeatSeconds: number; recheckSeconds: number; stallSeconds: number };
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): LiftlogConfig {
  return {
    host: env.LIFTLOG_HOST ?? "127.0.0.1",
    port: env.LIFTLOG_PORT !== undefined ? Number(env.LIFTLOG_PORT) : DEFAULT_PORT,
    dataDir: env.LIFTLOG_DATA_DIR ?? join(process.cwd(), "liftlog-data"),
    db: env.LIFTLOG_DB || undefined,
    dbPoolSize: env.LIFTLOG_DB_POOL_SIZE !== undefined ? Number(env.LIFTLOG_DB_POOL_SIZE) : 10,
    adminToken: env.LIFTLOG_ADMIN_TOKEN || undefined,
    allowOpenAdmin: env.LIFTLOG_ALLOW_OPEN_ADMIN === "1" || env.LIFTLOG_ALLOW_OPEN_ADMIN === "true",
    accounts: parseAccounts(env.LIFTLOG_ACCOUNTS ?? ""),
    auth: parseAuthMode(env.LIFTLOG_AUTH ?? "default"),
    credentialsFile: env.LIFTLOG_CREDENTIALS_FILE || undefined,
    tlsCert: env.LIFTLOG_TLS_CERT || undefined,
    tlsKey: env.LIFTLOG_TLS_KEY || undefined,
    defaultAccount: env.LIFTLOG_DEFAULT_ACCOUNT ?? DEFAULT_ACCOUNT,
    defaultRegion: env.LIFTLOG_DEFAULT_REGION ?? DEFAULT_REGION,
    maxPageSize: env.LIFTLOG_MAX_PAGE_SIZE !== undefined ? Number(env.LIFTLOG_MAX_PAGE_SIZE) : 1000,
    publicUrl: env.LIFTLOG_PUBLIC_URL || undefined,
    retentionDays: env.LIFTLOG_RETENTION_DAYS !== undefined ? Number(env.LIFTLOG_RETENTION_DAYS) : 0,
    logLevel: env.LIFTLOG_LOG_LEVEL !== undefined ? parseLogLevel(env.LIFTLOG_LOG_LEVEL) : "info",
    delivery: {
      ...DEFAULT_DELIVERY,
      ...(env.LIFTLOG_DELIVERY_MAX_ATTEMPTS !== undefined
        ? { maxAttempts: parseCount("LIFTLOG_DELIVERY_MAX_ATTEMPTS", env.LIFTLOG_DELIVERY_MAX_ATTEMPTS) }
        : {}),
      ...(env.LIFTLOG_DELIVERY_BACKOFF_CAP !== undefined
        ? { backoffCapMs: parsePositive("LIFTLOG_DELIVERY_BACKOFF_CAP", env.LIFTLOG_DELIVERY_BACKOFF_CAP) * 1000 }
        : {}),
      ...(env.LIFTLOG_DELIVERY_TIMEOUT !== undefined
        ? { timeoutMs: parsePositive("LIFTLOG_DELIVERY_TIMEOUT", env.LIFTLOG_DELIVERY_TIMEOUT) * 1000 }
        : {}),
    },
    clock: env.LIFTLOG_CLOCK !== undefined ? parseClockMode(env.LIFTLOG_CLOCK) : env.LIFTLOG_CLOCK_SPEED !== undefined ? "scaled" : "real",
    clockSpeed: env.LIFTLOG_CLOCK_SPEED !== undefined ? parsePositive("LIFTLOG_CLOCK_SPEED", env.LIFTLOG_CLOCK_SPEED) : 60,
    stageSeconds: parseStageSeconds(env.LIFTLOG_STAGE_SECONDS ?? ""),
    coalesceWindowSeconds:
      env.LIFTLOG_COALESCE_WINDOW !== undefined
        ? parsePositive("LIFTLOG_COALESCE_WINDOW", env.LIFTLOG_COALESCE_WINDOW)
        : DEFAULT_COALESCE_WINDOW_SECONDS,
    feed: {
      heartbeatSeconds: feedSecondsOr(env, "LIFTLOG_FEED_HEARTBEAT_SECONDS", DEFAULT_FEED.heartbeatSeconds),
      recheckSeconds: feedSecondsOr(env, "LIFTLOG_FEED_RECHECK_SECONDS", DEFAULT_FEED.recheckSeconds),
      stallSeconds: feedSecondsOr(env, "LIFTLOG_FEED_STALL_SECONDS", DEFAULT_FEED.stallSeconds),
    },
  };
}

const feedSecondsOr = (env: NodeJS.ProcessEnv, name: string, fallback: number) =>
  env[name] !== undefined ? parseFeedSeconds(name, env[name]) : fallback;

/**
 * The event stream's timings (heartbeat, re-check, stall) are timers: below a tenth of a second
 * they would spin, and past a day they would pass Node's timer limit (24.8 days), which fires at once.
 */
export const DEFAULT_FEED = { heartbeatSeconds: 15, recheckSeconds: 5, stallSeconds: 30 } as const;

export const FEED_SECONDS = { min: 0.1, max: 86_400 } as const;

export function parseFeedSeconds(what: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= FEED_SECONDS.min && n <= FEED_SECONDS.max)) {
    throw new Error(`${what} must be a number of seconds from ${FEED_SECONDS.min} to ${FEED_SECONDS.max}, got '${text}'`);
  }
  return n;
}

export const AUTH_MODES = ["default", "strict"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export function parseAuthMode(text: string): AuthMode {
  if (!(AUTH_MODES as readonly string[]).includes(text)) throw new Error(`--auth must be one of ${AUTH_MODES.join(", ")}, got '${text}'`);
  return text as AuthMode;
}

export function parseClockMode(text: string): ClockMode {
  if (!(CLOCK_MODES as readonly string[]).includes(text))
    throw new Error(`--clock must be one of ${CLOCK_MODES.join(", ")}, got '${text}'`);
  return text as ClockMode;
}

export function parsePositive(what: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number, got '${text}'`);
  return n;
}

export function parseCount(what: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got '${text}'`);
  return n;
}

/** "downloading=60,building=120": the named stages' lengths in seconds; the others keep their defaults. */
export function parseStageSeconds(text: string): StageDurations {
  const durations: StageDurations = { ...STAGES };
  for (const pair of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name = "", value = ""] = pair.split("=").map((s) => s.trim());
    const seconds = Number(value);
    if (!Object.hasOwn(STAGES, name) || value === "" || !Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`bad stage duration '${pair}': expected STAGE=SECONDS with STAGE one of ${Object.keys(STAGES).join(", ")}`);
    }
    durations[name as Stage] = seconds;
  }
  return durations;
}

/** "AKID1=111111111111,AKID2=222222222222" */
export function parseAccounts(text: string): Map<string, string> {
  const accounts = new Map<string, string>();
  for (const pair of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, account] = pair.split("=").map((s) => s.trim());
    if (!key || !account || !/^\d{12}$/.test(account)) {
      throw new Error(`bad account mapping '${pair}': expected ACCESS_KEY_ID=123456789012`);
    }
    accounts.set(key, account);
  }
  return accounts;
}

export function accountFor(config: LiftlogConfig, accessKeyId: string): string {
  return config.accounts.get(accessKeyId) ?? (/^\d{12}$/.test(accessKeyId) ? accessKeyId : config.defaultAccount);
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** Is `host` a loopback address (only this machine reaches it)? A name other than localhost may resolve to anything. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (address === "localhost") return true;
  if (isIPv4(address)) return LOOPBACK.check(address, "ipv4");
  return isIPv6(address) && LOOPBACK.check(address, "ipv6");
}

/**
 * The admin API can ingest into any account, delete fleets, move the clock and inject faults. Off
 * loopback it needs a token, unless the operator accepts the risk by name.
 */
export function checkAdminExposure(config: LiftlogConfig): void {
  if (config.adminToken || config.allowOpenAdmin || isLoopback(config.host)) return;
  throw new Error(
    `refusing to serve the admin API on ${config.host} without an admin token: anyone who reaches this address could ` +
      "ingest events into any account, delete fleets, move the service clock and inject faults through /_liftlog/. " +
      "Give --admin-token <secret> (or LIFTLOG_ADMIN_TOKEN), bind a loopback address (--host 127.0.0.1), " +
      "or, on a network you trust, pass --allow-open-admin (LIFTLOG_ALLOW_OPEN_ADMIN=1).",
  );
}

export function databasePath(config: LiftlogConfig): string {
  return config.dataDir === ":memory:" ? ":memory:" : join(config.dataDir, "liftlog.db");
}
