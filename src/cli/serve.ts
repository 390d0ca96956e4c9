/** `liftlog serve`: run the service until SIGTERM/SIGINT, then drain and close cleanly. */
import { constants } from "node:os";
import {
  defaultConfig,
  parseAuthMode,
  isLoopback,
  parseAccounts,
  parseClockMode,
  parseCount,
  parseFeedSeconds,
  DEFAULT_FEED,
  FEED_SECONDS,
  parsePositive,
  parseStageSeconds,
  DEFAULT_PORT,
} from "../config.js";
import { parseCommand } from "./args.js";
import { DEFAULT_DELIVERY } from "../alerts/worker.js";
import { LOG_LEVELS, flushLogLines, parseLogLevel } from "../observability/logger.js";
import { DEFAULT_COALESCE_WINDOW_SECONDS } from "../fleets/lifecycle.js";
import { STAGES } from "../fleets/scenarios.js";
import { createLiftlogServer } from "../server.js";

const HELP = `Usage: liftlog serve [options]

  --port N            port to listen on (default ${DEFAULT_PORT}; env LIFTLOG_PORT; 0 picks a free one)
  --host H            address to bind (default 127.0.0.1; env LIFTLOG_HOST)
  --data-dir DIR      where the SQLite database lives (default ./liftlog-data; env LIFTLOG_DATA_DIR);
                      ':memory:' for a throwaway store
  --db URL            postgres://user@host:5432/db: use PostgreSQL instead of SQLite (env LIFTLOG_DB);
                      several nodes may share one database
  --db-pool-size N    connections to PostgreSQL per node (default 10; env LIFTLOG_DB_POOL_SIZE)
  --admin-token T     require 'Authorization: Bearer T' on /_liftlog/ admin endpoints (env LIFTLOG_ADMIN_TOKEN);
                      needed when --host is not a loopback address
  --allow-open-admin  serve the admin API without a token on a non-loopback --host: anyone who reaches the
                      port can ingest, delete fleets, move the clock and inject faults (env LIFTLOG_ALLOW_OPEN_ADMIN=1)
  --accounts MAP      access key to account map, AKID=123456789012,... (env LIFTLOG_ACCOUNTS); default mode only
  --auth MODE         how API callers are checked (env LIFTLOG_AUTH):
                        default  the SigV4 signature is read for its region and access key but NOT verified:
                                 anyone who can reach the port can act in any account. For a laptop or CI.
                        strict   every signature is verified (headers or presigned query string, 15-minute
                                 clock skew) against the keys of --credentials-file, as AWS does
  --credentials-file F  keys for --auth strict, AWS shared-credentials format, one section per key with
                      aws_access_key_id, aws_secret_access_key and aws_account_id (env LIFTLOG_CREDENTIALS_FILE)
  --tls-cert FILE     serve HTTPS with this PEM certificate chain (env LIFTLOG_TLS_CERT); needs --tls-key
  --tls-key FILE      the certificate's PEM private key (env LIFTLOG_TLS_KEY)
  --default-region R  region for admin calls that name none (default us-east-1)
  --retention-days N  delete events older than N days, hourly, in small batches (default 0: keep forever;
                      env LIFTLOG_RETENTION_DAYS)
  --max-page-size N   largest page any call returns; larger Limits are clamped (default 1000)
  --public-url URL    base URL for the log URLs the server hands out (default: the request's Host)
  --clock MODE        the service clock: real (default), scaled (real time times --clock-speed) or manual
                      (moves only through POST /_liftlog/clock); env LIFTLOG_CLOCK
  --clock-speed N     service seconds per wall second for --clock scaled (default 60; alone it implies scaled)
  --stage-seconds S   lifecycle stage lengths in seconds, e.g. downloading=60,building=120 (env
                      LIFTLOG_STAGE_SECONDS); stages and their defaults:
${stageDefaults()}
  --coalesce-window N repeats of an event within N seconds of its first occurrence raise its Count (default ${DEFAULT_COALESCE_WINDOW_SECONDS})
  --log-level L       least severe log lines written: ${LOG_LEVELS.join(", ")} (default info: one line per
                      request; env LIFTLOG_LOG_LEVEL). JSON lines, readable ones on a terminal
  --verbose           the same as --log-level debug
  --delivery-max-attempts N   failed webhook attempts before a delivery is parked (default ${DEFAULT_DELIVERY.maxAttempts};
                      env LIFTLOG_DELIVERY_MAX_ATTEMPTS)
  --delivery-backoff-cap S    longest wait between two webhook attempts, in seconds (default ${DEFAULT_DELIVERY.backoffCapMs / 1000};
                      env LIFTLOG_DELIVERY_BACKOFF_CAP); waits start at 1 s and double
  --delivery-timeout S        seconds a receiver has to answer one attempt (default ${DEFAULT_DELIVERY.timeoutMs / 1000};
                      env LIFTLOG_DELIVERY_TIMEOUT)
  --feed-heartbeat S  seconds between keep-alive comments on an idle event stream (default ${DEFAULT_FEED.heartbeatSeconds};
                      env LIFTLOG_FEED_HEARTBEAT_SECONDS)
  --feed-recheck S    seconds between a stream's re-reads of the store, a backstop for a missed
                      notification (default ${DEFAULT_FEED.recheckSeconds}; env LIFTLOG_FEED_RECHECK_SECONDS)
  --feed-stall S      seconds a stream's reader may not read before it is cut off to resume later
                      (default ${DEFAULT_FEED.stallSeconds}; env LIFTLOG_FEED_STALL_SECONDS)
                      Each: ${FEED_SECONDS.min} to ${FEED_SECONDS.max} seconds`;

/** The stages and their default lengths, a few per line under the flag's description. */
function stageDefaults(): string {
  const pairs = Object.entries(STAGES).map(([k, v]) => `${k}=${v}`);
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 6) lines.push(`                        ${pairs.slice(i, i + 6).join(" ")}`);
  return lines.join("\n");
}

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  db: { type: "string" },
  "db-pool-size": { type: "string" },
  "admin-token": { type: "string" },
  "allow-open-admin": { type: "boolean" },
  accounts: { type: "string" },
  auth: { type: "string" },
  "credentials-file": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "default-region": { type: "string" },
  "max-page-size": { type: "string" },
  "retention-days": { type: "string" },
  "public-url": { type: "string" },
  clock: { type: "string" },
  "clock-speed": { type: "string" },
  "stage-seconds": { type: "string" },
  "coalesce-window": { type: "string" },
  "log-level": { type: "string" },
  verbose: { type: "boolean" },
  "delivery-max-attempts": { type: "string" },
  "delivery-backoff-cap": { type: "string" },
  "delivery-timeout": { type: "string" },
  "feed-heartbeat": { type: "string" },
  "feed-recheck": { type: "string" },
  "feed-stall": { type: "string" },
} as const;

export async function serve(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: OPTIONS, help: HELP }, args);
  if (!parsed) return 0;
  const { values } = parsed;
  const config = defaultConfig();
  if (values.port !== undefined) config.port = Number(values.port);
  if (values.host !== undefined) config.host = values.host;
  if (values["data-dir"] !== undefined) config.dataDir = values["data-dir"];
  if (values.db !== undefined) config.db = values.db;
  if (values["db-pool-size"] !== undefined) config.dbPoolSize = Number(values["db-pool-size"]);
  if (values["admin-token"] !== undefined) config.adminToken = values["admin-token"];
  if (values["allow-open-admin"]) config.allowOpenAdmin = true;
  if (values.accounts !== undefined) config.accounts = parseAccounts(values.accounts);
  if (values.auth !== undefined) config.auth = parseAuthMode(values.auth);
  if (values["credentials-file"] !== undefined) config.credentialsFile = values["credentials-file"];
  if (values["tls-cert"] !== undefined) config.tlsCert = values["tls-cert"];
  if (values["tls-key"] !== undefined) config.tlsKey = values["tls-key"];
  if (values["default-region"] !== undefined) config.defaultRegion = values["default-region"];
  if (values["max-page-size"] !== undefined) config.maxPageSize = Number(values["max-page-size"]);
  if (values["retention-days"] !== undefined) config.retentionDays = Number(values["retention-days"]);
  if (values["public-url"] !== undefined) config.publicUrl = values["public-url"].replace(/\/+$/, "");
  if (values.verbose) config.logLevel = "debug";
  if (values["log-level"] !== undefined) config.logLevel = parseLogLevel(values["log-level"]);
  if (values["delivery-max-attempts"] !== undefined)
    config.delivery.maxAttempts = parseCount("--delivery-max-attempts", values["delivery-max-attempts"]);
  if (values["delivery-backoff-cap"] !== undefined)
    config.delivery.backoffCapMs = parsePositive("--delivery-backoff-cap", values["delivery-backoff-cap"]) * 1000;
  if (values["delivery-timeout"] !== undefined)
    config.delivery.timeoutMs = parsePositive("--delivery-timeout", values["delivery-timeout"]) * 1000;
  if (values["feed-heartbeat"] !== undefined) config.feed.heartbeatSeconds = parseFeedSeconds("--feed-heartbeat", values["feed-heartbeat"]);
  if (values["feed-recheck"] !== undefined) config.feed.recheckSeconds = parseFeedSeconds("--feed-recheck", values["feed-recheck"]);
  if (values["feed-stall"] !== undefined) config.feed.stallSeconds = parseFeedSeconds("--feed-stall", values["feed-stall"]);
  if (values["clock-speed"] !== undefined) {
    config.clockSpeed = parsePositive("--clock-speed", values["clock-speed"]);
    config.clock = "scaled";
  }
  if (values.clock !== undefined) config.clock = parseClockMode(values.clock);
  if (values["clock-speed"] !== undefined && config.clock !== "scaled") throw new Error("--clock-speed applies to --clock scaled only");
  if (values["stage-seconds"] !== undefined) config.stageSeconds = parseStageSeconds(values["stage-seconds"]);
  if (values["coalesce-window"] !== undefined) config.coalesceWindowSeconds = parsePositive("--coalesce-window", values["coalesce-window"]);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (!(config.retentionDays >= 0)) throw new Error("--retention-days must be 0 (keep forever) or a positive number of days");
  if (!Number.isInteger(config.dbPoolSize) || config.dbPoolSize < 1) throw new Error("--db-pool-size must be a positive integer");
  if (!Number.isInteger(config.maxPageSize) || config.maxPageSize < 1) throw new Error("--max-page-size must be a positive integer");

  // A reader that went away (`liftlog serve | head -1`) must not stop the server or its drain: output is best effort.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  const server = await createLiftlogServer(config);
  const endpoint = await server.listen();
  const clock = server.services.lifecycle.clock;
  const clockNote = clock.mode === "real" ? "" : `, clock: ${clock.mode}${clock.mode === "scaled" ? ` x${clock.speed}` : ""}`;
  say(`liftlog listening on ${endpoint} (data: ${config.db ? redactPassword(config.db) : config.dataDir}${clockNote})`);
  if (!config.adminToken && !isLoopback(config.host)) {
    console.error(`liftlog: warning: the admin API on ${config.host} takes no token (--allow-open-admin): whoever reaches it controls it`);
  }

  await new Promise<void>((resolve) => {
    let draining = false;
    const stop = (signal: NodeJS.Signals) => {
      if (draining) exitNow(signal);
      draining = true;
      say(`liftlog: ${signal}, draining in-flight requests (a second Ctrl-C or SIGTERM exits at once)`);
      void server.close().then(resolve);
    };
    // Registered for every signal, not once: a second one during a long drain must reach exitNow,
    // not Node's default action, which would end the process without a word.
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  say("liftlog: stopped");
  return 0;
}

/** A plain line on stdout, after the log lines written before it. */
function say(line: string): void {
  flushLogLines();
  console.log(line);
}

/**
 * A second signal while draining: exit now, with the shell's status for death by that signal.
 * Nothing acknowledged is lost: a write is answered only after its transaction committed (SQLite
 * WAL with synchronous=FULL, a PostgreSQL COMMIT). A write still in flight was not answered: its
 * transaction is all or nothing (an uncommitted one is rolled back, by SQLite from the WAL on the
 * next open, by PostgreSQL when the connection drops), so its client retries it whole.
 */
function exitNow(signal: NodeJS.Signals): never {
  say(`liftlog: ${signal} while draining: exiting now; requests still in flight get no answer; every write already answered is stored`);
  process.exit(128 + constants.signals[signal]);
}

export function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
