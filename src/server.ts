/**
 * Wiring: the store, the clock, the signers and the lifecycle behind one HTTP server.
 *   POST /                   GameLift API (AWS JSON 1.1)
 *   POST /service/GameLift/operation/<Op>   GameLift API (Smithy RPC v2 CBOR)
 *   /_liftlog/...            admin API (DESIGN.md); /_liftlog/metrics in Prometheus' text format
 *   GET /logs/<acct>/<region>/<eventId>?Expires=&Signature=   pre-signed event logs
 *   GET|HEAD anything else   the web console (console-assets.ts)
 * Every response carries x-amzn-RequestId, and every request is counted, timed and logged (one JSON
 * line) under it. SIGTERM: stop accepting, drain in-flight requests, finish webhook attempts in
 * flight, close the store.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { handleAdmin, checkAdminToken } from "./admin/routes.js";
import { checkAdminExposure, databasePath, type LiftlogConfig } from "./config.js";
import { consoleFile, isConsoleRequest, sendConsoleFile } from "./console-assets.js";
import { createClock, type Clock } from "./fleets/clock.js";
import { FleetLifecycle } from "./fleets/lifecycle.js";
import type { Services } from "./operations/context.js";
import { LogUrls } from "./operations/log-urls.js";
import { PageCache } from "./operations/page-cache.js";
import { TokenSigner } from "./operations/tokens.js";
import { API_BODY_LIMIT, apiProtocol, callerContext, handleApiCall, type Protocol } from "./protocol/api.js";
import { loadCredentialsFile } from "./protocol/credentials-file.js";
import { ServiceError, internalError, invalidRequest } from "./protocol/errors.js";
import type { KeyRing } from "./protocol/sigv4.js";
import { ClientGone, readBody, send } from "./protocol/http.js";
import { json11 } from "./protocol/json11.js";
import { SqliteStore } from "./store/sqlite.js";
import { RetentionJob } from "./jobs/retention.js";
import { AppendHub } from "./feed/hub.js";
import { StreamPositions } from "./feed/positions.js";
import { DEFAULT_FEED_SETTINGS, EventStreams } from "./feed/stream.js";
import { PostgresAppendBridge } from "./feed/postgres-notify.js";
import type { Store } from "./store/types.js";
import { UnstorableText } from "./store/text.js";
import { StaleWrite } from "./store/conflicts.js";
import { staleWriteError } from "./operations/stale-write.js";
import { DeliveryWorker } from "./alerts/worker.js";
import { Metrics, timedStore } from "./observability/metrics.js";
import { createLogger, logRequest, type Logger } from "./observability/logger.js";

export const VERSION = "0.1.0";

export interface LiftlogServer {
  services: Services;
  metrics: Metrics;
  log: Logger;
  server: Server;
  /** http://host:port (https:// with TLS) once listening. */
  endpoint: string;
  listen(): Promise<string>;
  /** Stops accepting, waits for in-flight requests, closes the store. */
  close(): Promise<void>;
}

const STREAM_PATH = "/_liftlog/events/stream";

export const isPostgresUrl = (url: string | undefined) => !!url && /^postgres(ql)?:\/\//.test(url);

/** SQLite in the data directory, or PostgreSQL when `db` is a postgres:// URL. */
export async function openStore(config: LiftlogConfig): Promise<Store> {
  if (config.db !== undefined) {
    if (!isPostgresUrl(config.db)) throw new Error(`--db must be a postgres:// or postgresql:// URL, got '${config.db}'`);
    const { PostgresStore } = await import("./store/postgres.js");
    return PostgresStore.open({ connectionString: config.db, poolSize: config.dbPoolSize });
  }
  return new SqliteStore(databasePath(config));
}

export async function createServices(config: LiftlogConfig, store: Store, clock?: Clock): Promise<Services> {
  const serviceClock = clock ?? createClock(config.clock, config.clockSpeed, await store.readClock());
  const hub = new AppendHub();
  hub.watchStore(store);
  return {
    store,
    hub,
    clock: serviceClock,
    tokens: new TokenSigner(await store.secret("pagination-token")),
    logUrls: new LogUrls(await store.secret("log-url")),
    lifecycle: new FleetLifecycle(store, serviceClock, {
      durations: config.stageSeconds,
      coalesceWindowMs: config.coalesceWindowSeconds * 1000,
    }),
    newestPages: new PageCache(),
    maxPageSize: config.maxPageSize,
    defaultScope: { accountId: config.defaultAccount, region: config.defaultRegion },
  };
}

/** What the request log and the request metrics record of one request. */
interface Call {
  requestId: string;
  protocol: string;
  operation: string;
  errorType?: string;
}

export async function createLiftlogServer(config: LiftlogConfig, store?: Store): Promise<LiftlogServer> {
  checkAdminExposure(config);
  const keys = await signingKeys(config);
  const log = createLogger(config.logLevel);
  const baseStore = store ?? (await openStore(config));
  const clock = createClock(config.clock, config.clockSpeed, await baseStore.readClock());
  const metrics = new Metrics(baseStore, clock, () => streams.size);
  const services = await createServices(config, timedStore(baseStore, metrics), clock);
  const deliveries = new DeliveryWorker(services.store, services.logUrls, services.clock, config.delivery, metrics, log);
  // Every append the hub hears of wakes the delivery worker, so a matching event goes out without
  // waiting for the worker's poll.
  services.hub.subscribe({}, () => deliveries.wake());
  const scheme = config.tlsCert ? "https" : "http";
  const started = Date.now();
  const streams = new EventStreams(
    services,
    services.hub,
    new StreamPositions(new TokenSigner(await services.store.secret("feed-position"))),
    {
      ...DEFAULT_FEED_SETTINGS,
      heartbeatMs: config.feed.heartbeatSeconds * 1000,
      recheckMs: config.feed.recheckSeconds * 1000,
      stallMs: config.feed.stallSeconds * 1000,
      settleRetries: config.db !== undefined,
    },
  );
  // Other nodes' appends wake this node's readers (and this node's wake theirs).
  const bridge = config.db !== undefined ? await PostgresAppendBridge.start(config.db, services.hub) : undefined;
  const retention = config.retentionDays > 0 ? new RetentionJob(services.store, services.clock, config.retentionDays) : undefined;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const health = () => ({
    status: "ok",
    version: VERSION,
    store: config.db ? "postgres" : "sqlite",
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse, call: Call) => {
    const { requestId } = call;
    const baseUrl = config.publicUrl ?? `${scheme}://${req.headers.host ?? `${config.host}:${config.port}`}`;
    // Errors outside the API (admin, bad paths) use JSON 1.1's shape.
    let protocol: Protocol = json11;
    try {
      const url = requestUrl(req);
      const api = apiProtocol(req.method, url.pathname);
      if (api) {
        protocol = api;
        call.protocol = protocol.name;
        const operation = protocol.operation(req, url.pathname);
        call.operation = operation;
        const body = await readBody(req, API_BODY_LIMIT);
        const ctx = await callerContext(config, keys, req, url, body, { requestId, baseUrl });
        const out = await handleApiCall(services, ctx, protocol, operation, body, req);
        send(res, 200, protocol.contentType, out, { ...protocol.headers(), "x-amzn-RequestId": requestId });
      } else if (url.pathname.startsWith("/_liftlog/")) {
        call.protocol = "admin";
        call.operation = adminOperation(req.method ?? "GET", url.pathname);
        if (url.pathname !== "/_liftlog/health") checkAdminToken(req, config.adminToken);
        if (url.pathname === STREAM_PATH && req.method === "GET") {
          return await streams.serve(req, res, url.searchParams, { baseUrl, requestId });
        }
        if (url.pathname === "/_liftlog/metrics" && req.method === "GET") {
          send(res, 200, metrics.contentType, await metrics.render(), { "x-amzn-RequestId": requestId });
          return;
        }
        const { status, body } = await handleAdmin(services, req, url, health);
        send(res, status, "application/json", JSON.stringify(body), { "x-amzn-RequestId": requestId });
      } else if (url.pathname.startsWith("/logs/") && req.method === "GET") {
        call.protocol = "logs";
        call.operation = "GetLog";
        serveLog(services, url, requestId, res, log);
      } else {
        const file = isConsoleRequest(req.method) ? await consoleFile(url.pathname) : undefined;
        if (!file) {
          throw new ServiceError(
            "UnknownOperationException",
            `Nothing at ${req.method} ${url.pathname}. The GameLift API is POST / with X-Amz-Target: GameLift.<Operation> (JSON 1.1) or POST /service/GameLift/operation/<Operation> (RPC v2 CBOR). The web console is at GET /.`,
            404,
          );
        }
        call.protocol = "console";
        call.operation = "GetFile";
        sendConsoleFile(res, file, req.method === "HEAD", { "x-amzn-RequestId": requestId });
      }
    } catch (err) {
      if (err instanceof ClientGone) {
        res.destroy();
        return;
      }
      const error =
        err instanceof ServiceError
          ? err
          : err instanceof UnstorableText
            ? invalidRequest(`${err.message}; nothing was stored. Remove the character or escape it.`)
            : err instanceof StaleWrite
              ? staleWriteError(call.operation, err)
              : internalError("The server hit an unexpected error; the request was not applied. Retry, and report it if it persists.");
      call.errorType = error.code;
      if (err instanceof StaleWrite) log.warn({ requestId, written: err.what, errorType: error.code }, "write lost the race on every redo");
      else if (!(err instanceof ServiceError) && !(err instanceof UnstorableText)) log.error({ requestId, err }, "unexpected error");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A refused body (413) may be left unread past readBody's discard limit; let the connection go.
      send(res, error.status, protocol.contentType, protocol.encodeError(error), {
        ...protocol.headers(error),
        "x-amzn-RequestId": requestId,
        ...(error.status === 413 ? { Connection: "close" } : {}),
      });
    }
  };

  const observe = (req: IncomingMessage, res: ServerResponse, call: Call, startedNs: bigint) => {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    const { protocol, operation, errorType } = call;
    // A client that went away before its answer is not a server problem: counted, logged at debug.
    const aborted = !res.writableFinished;
    const status = aborted ? "aborted" : res.statusCode;
    metrics.requests.inc({ operation, protocol, status });
    metrics.requestSeconds.observe({ operation, protocol }, seconds);
    if (errorType) metrics.errors.inc({ operation, protocol, type: errorType });
    logRequest(log, aborted ? "debug" : "info", {
      requestId: call.requestId,
      method: req.method,
      path: pathOf(req.url),
      protocol,
      operation,
      status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(errorType ? { errorType } : {}),
    });
  };

  const server = createHttpServer(config, (req, res) => {
    inFlight++;
    const startedNs = process.hrtime.bigint();
    const call: Call = { requestId: randomUUID(), protocol: "none", operation: "unknown" };
    res.on("close", () => {
      observe(req, res, call, startedNs);
      if (--inFlight === 0) drained?.();
    });
    void handle(req, res, call);
  });
  // Longer than clients keep idle sockets, so a client never reuses one the server is closing ("socket hang up").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const self: LiftlogServer = {
    services,
    metrics,
    log,
    server,
    endpoint: "",
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          const { address, port } = server.address() as AddressInfo;
          self.endpoint = `${scheme}://${address.includes(":") ? `[${address}]` : address}:${port}`;
          retention?.start();
          services.lifecycle.start();
          deliveries.start(config.publicUrl ?? self.endpoint);
          resolve(self.endpoint);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      streams.closeAll();
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      // Nothing is in flight now: what is left are connections waiting for their client to close its
      // side (an event stream's, say), which nothing obliges it to do.
      server.closeAllConnections();
      await closed;
      await retention?.stop();
      await services.lifecycle.stop();
      await bridge?.close();
      await deliveries.stop();
      await services.store.close();
    },
  };
  return self;
}

const ADMIN_ROUTES = new Set(["health", "fleets", "events", "clock", "scenarios", "subscriptions", "metrics"]);
/** Routes whose second path segment is an ID. */
const ID_ROUTES = new Set(["fleets", "subscriptions"]);

/** The admin route a path names, as a metrics label: IDs become {id}, unknown paths one label. */
function adminOperation(method: string, path: string): string {
  const [route = "", second, ...rest] = path.slice("/_liftlog/".length).split("/");
  if (!ADMIN_ROUTES.has(route)) return "unknown";
  const tail = second === undefined ? [] : [ID_ROUTES.has(route) ? "{id}" : second, ...rest];
  return [`${method} /_liftlog/${route}`, ...tail].join("/");
}

/** Plain HTTP, or HTTPS with the configured certificate chain and key (both or neither). */
function createHttpServer(config: LiftlogConfig, listener: RequestListener): Server {
  if (!config.tlsCert && !config.tlsKey) return createServer(listener);
  if (!config.tlsCert || !config.tlsKey) throw new Error("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${flag} ${path}: ${(err as Error).message}`);
    }
  };
  try {
    return createTlsServer({ cert: read("--tls-cert", config.tlsCert), key: read("--tls-key", config.tlsKey) }, listener);
  } catch (err) {
    throw new Error(`--tls-cert/--tls-key: not a usable PEM certificate chain and matching private key (${(err as Error).message})`);
  }
}

/** The keys strict mode verifies signatures with; undefined in the default mode. */
async function signingKeys(config: LiftlogConfig): Promise<KeyRing | undefined> {
  if (config.auth !== "strict") {
    if (config.credentialsFile) throw new Error("--credentials-file applies to --auth strict only");
    return undefined;
  }
  if (!config.credentialsFile) {
    throw new Error("--auth strict needs --credentials-file FILE: the keys (and their accounts) it lets in");
  }
  return loadCredentialsFile(config.credentialsFile);
}

/** The request target without its query. */
function pathOf(target: string | undefined): string | undefined {
  const query = target === undefined ? -1 : target.indexOf("?");
  return query < 0 ? target : target!.slice(0, query);
}

/** The request target as a URL. One no URL parser takes (`GET http://[/`) is a 400, not a crash. */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    throw new ServiceError(
      "UnknownOperationException",
      `Request target ${JSON.stringify(req.url)} is not a valid URL path. The GameLift API is POST / with X-Amz-Target: GameLift.<Operation>.`,
    );
  }
}

function s3Error(code: string, message: string, requestId: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
}

/** A percent-decoded path segment; undefined when its escapes are malformed (`%ZZ`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** GET /logs/<account>/<region>/<eventId>?Expires=&Signature= : the log text, or a 403 in S3's XML error shape. */
function serveLog(services: Services, url: URL, requestId: string, res: ServerResponse, logger: Logger): void {
  const parts = url.pathname.split("/").slice(2).map(decodeSegment);
  const denied = (code: string, message: string, extra = "") =>
    send(res, 403, "application/xml", s3Error(code, message, requestId, extra), { "x-amzn-RequestId": requestId });
  if (parts.length !== 3 || parts.includes(undefined)) return denied("AccessDenied", "Access Denied");
  const [accountId, region, eventId] = parts as [string, string, string];
  const scope = { accountId, region };
  const now = services.clock.now();
  const access = services.logUrls.check(scope, eventId, url.searchParams.get("Expires"), url.searchParams.get("Signature"), now);
  if (!access.ok) {
    if (access.reason === "expired") {
      const expires = new Date(access.expires! * 1000).toISOString();
      return denied(
        "AccessDenied",
        "Request has expired",
        `<Expires>${expires}</Expires><ServerTime>${new Date(now).toISOString()}</ServerTime>`,
      );
    }
    return denied("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
  }
  void services.store.getEventLog(scope, eventId).then(
    (log) => {
      if (!log) return send(res, 404, "application/xml", s3Error("NoSuchKey", "The specified key does not exist.", requestId));
      send(res, 200, "text/plain; charset=utf-8", log.log, { "x-amzn-RequestId": requestId });
    },
    (err) => {
      logger.error({ requestId, err }, "cannot read an event log");
      send(res, 500, "application/xml", s3Error("InternalError", "We encountered an internal error. Please try again.", requestId));
    },
  );
}
