/**
 * Wiring: the store, the clock, the signers and the lifecycle behind one HTTP server.
 *   POST /                   GameLift API (AWS JSON 1.1)
 *   POST /service/GameLift/operation/<Op>   GameLift API (Smithy RPC v2 CBOR)
 *   /_liftlog/...            admin API (DESIGN.md)
 *   GET /logs/<acct>/<region>/<eventId>?Expires=&Signature=   pre-signed event logs
 * Every response carries x-amzn-RequestId. SIGTERM: stop accepting, drain in-flight requests,
 * close the store.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { handleAdmin, checkAdminToken } from "./admin/routes.js";
import { checkAdminExposure, databasePath, type LiftlogConfig } from "./config.js";
import { createClock, type Clock } from "./fleets/clock.js";
import { FleetLifecycle } from "./fleets/lifecycle.js";
import type { Services } from "./operations/context.js";
import { LogUrls } from "./operations/log-urls.js";
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

export const VERSION = "0.1.0";

export interface LiftlogServer {
  services: Services;
  server: Server;
  /** http://host:port once listening. */
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
    maxPageSize: config.maxPageSize,
    defaultScope: { accountId: config.defaultAccount, region: config.defaultRegion },
  };
}

export async function createLiftlogServer(config: LiftlogConfig, store?: Store): Promise<LiftlogServer> {
  checkAdminExposure(config);
  const keys = await signingKeys(config);
  const services = await createServices(config, store ?? (await openStore(config)));
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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const baseUrl = config.publicUrl ?? `http://${req.headers.host ?? `${config.host}:${config.port}`}`;
    // Errors outside the API (admin, bad paths) use JSON 1.1's shape.
    let protocol: Protocol = json11;
    try {
      const url = requestUrl(req);
      const api = apiProtocol(req.method, url.pathname);
      if (api) {
        protocol = api;
        const operation = protocol.operation(req, url.pathname);
        const body = await readBody(req, API_BODY_LIMIT);
        const ctx = await callerContext(config, keys, req, url, body, { requestId, baseUrl });
        const out = await handleApiCall(services, ctx, protocol, operation, body, req);
        send(res, 200, protocol.contentType, out, { ...protocol.headers(), "x-amzn-RequestId": requestId });
      } else if (url.pathname.startsWith("/_liftlog/")) {
        if (url.pathname !== "/_liftlog/health") checkAdminToken(req, config.adminToken);
        if (url.pathname === STREAM_PATH && req.method === "GET") {
          return await streams.serve(req, res, url.searchParams, { baseUrl, requestId });
        }
        const { status, body } = await handleAdmin(services, req, url.pathname, health);
        send(res, status, "application/json", JSON.stringify(body), { "x-amzn-RequestId": requestId });
      } else if (url.pathname.startsWith("/logs/") && req.method === "GET") {
        serveLog(services, url, requestId, res);
      } else {
        throw new ServiceError(
          "UnknownOperationException",
          `Nothing at ${req.method} ${url.pathname}. The GameLift API is POST / with X-Amz-Target: GameLift.<Operation> (JSON 1.1) or POST /service/GameLift/operation/<Operation> (RPC v2 CBOR).`,
          404,
        );
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
            : internalError("The server hit an unexpected error; the request was not applied. Retry, and report it if it persists.");
      if (!(err instanceof ServiceError) && !(err instanceof UnstorableText)) console.error(`[${requestId}]`, err);
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

  const server = createServer((req, res) => {
    inFlight++;
    res.on("close", () => {
      if (--inFlight === 0) drained?.();
    });
    void handle(req, res);
  });
  // Longer than clients keep idle sockets, so a client never reuses one the server is closing ("socket hang up").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const self: LiftlogServer = {
    services,
    server,
    endpoint: "",
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          const { address, port } = server.address() as AddressInfo;
          self.endpoint = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
          retention?.start();
          services.lifecycle.start();
          resolve(self.endpoint);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      streams.closeAll();
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeIdleConnections();
      await closed;
      await retention?.stop();
      await services.lifecycle.stop();
      await bridge?.close();
      await services.store.close();
    },
  };
  return self;
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
function serveLog(services: Services, url: URL, requestId: string, res: ServerResponse): void {
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
      console.error(`[${requestId}]`, err);
      send(res, 500, "application/xml", s3Error("InternalError", "We encountered an internal error. Please try again.", requestId));
    },
  );
}
