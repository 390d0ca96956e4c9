/**
 * The admin API under /_liftlog/ (contract in DESIGN.md, "Admin API"): JSON in and out, errors in
 * the AWS shape, `Authorization: Bearer <token>` when the server has an admin token.
 */
import type { IncomingMessage } from "node:http";
import { timingSafeEqual, createHash } from "node:crypto";
import { ServiceError, invalidRequest } from "../protocol/errors.js";
import { readBody, readChunks } from "../protocol/http.js";
import type { Services } from "../operations/context.js";
import { IngestBatch, ingestEvents, registerFleet, type IngestEvent } from "../operations/ingest.js";
import { SCENARIOS, describeScenario } from "../fleets/scenarios.js";
import { injectFault } from "../operations/faults.js";
import { decodePathSegment, parseJson } from "./json.js";
import { NdjsonLines } from "./ndjson.js";
import { subscriptionRoute } from "./subscriptions.js";

export const ADMIN_BODY_LIMIT = 32 * 1024 * 1024;
const SUBSCRIPTION_BODY_LIMIT = 64 * 1024;

export interface AdminResponse {
  status: number;
  body: unknown;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export function checkAdminToken(req: IncomingMessage, token: string | undefined): void {
  if (!token) return;
  const header = req.headers.authorization ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : "";
  if (!timingSafeEqual(digest(given), digest(token))) {
    throw new ServiceError(
      "UnauthorizedException",
      "This admin endpoint requires 'Authorization: Bearer <admin token>' (the server's --admin-token).",
      401,
    );
  }
}

/** An NDJSON body, one event a line each naming its fleet, parsed and checked as it arrives and stored whole at its end. */
async function ingestNdjson(services: Services, req: IncomingMessage) {
  const batch = new IngestBatch(services);
  const lines = new NdjsonLines((value) => batch.add(value as IngestEvent));
  await readChunks(req, ADMIN_BODY_LIMIT, (chunk) => lines.push(chunk));
  await lines.end();
  return batch.finish();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export async function handleAdmin(services: Services, req: IncomingMessage, url: URL, health: () => unknown): Promise<AdminResponse> {
  const method = req.method ?? "GET";
  const path = url.pathname;
  const subscriptions = subscriptionRoute(method, path);
  if (subscriptions === "method") throw new ServiceError("UnknownOperationException", `No admin endpoint ${method} ${path}.`, 405);
  if (subscriptions) return { status: 200, body: await subscriptions(services, url, () => readBody(req, SUBSCRIPTION_BODY_LIMIT)) };
  if (path === "/_liftlog/health" && method === "GET") return { status: 200, body: health() };
  if (path === "/_liftlog/fleets" && method === "POST") {
    const body = parseJson(await readBody(req, ADMIN_BODY_LIMIT));
    return { status: 200, body: await registerFleet(services, body as never) };
  }
  if (path === "/_liftlog/events" && method === "POST") {
    if ((req.headers["content-type"] ?? "").startsWith("application/x-ndjson")) {
      return { status: 200, body: await ingestNdjson(services, req) };
    }
    const body = parseJson(await readBody(req, ADMIN_BODY_LIMIT));
    if (!isObject(body) || !Array.isArray(body.Events)) {
      throw invalidRequest('Body must be {"FleetId": "<id or ARN>", "Events": [{"EventCode": ..., "Message": ...}, ...]}.');
    }
    if (body.FleetId !== undefined && typeof body.FleetId !== "string") throw invalidRequest("FleetId must be a string.");
    return {
      status: 200,
      body: await ingestEvents(services, body.Events as IngestEvent[], body.FleetId as string | undefined, {
        Region: body.Region,
        AccountId: body.AccountId,
      }),
    };
  }
  if (path === "/_liftlog/clock" && method === "GET") return { status: 200, body: clockView(services) };
  if (path === "/_liftlog/clock" && method === "POST") {
    await services.lifecycle.setClock(clockChange(parseJson(await readBody(req, ADMIN_BODY_LIMIT))));
    return { status: 200, body: clockView(services) };
  }
  if (path === "/_liftlog/scenarios" && method === "GET") return { status: 200, body: { Scenarios: SCENARIOS.map(describeScenario) } };
  const faults = /^\/_liftlog\/fleets\/(.+)\/faults$/.exec(path);
  if (faults && method === "POST") {
    const body = parseJson(await readBody(req, ADMIN_BODY_LIMIT));
    return { status: 200, body: await injectFault(services, decodePathSegment(faults[1]!), body) };
  }
  throw new ServiceError("UnknownOperationException", `No admin endpoint ${method} ${path}.`, 404);
}

const clockView = (services: Services) => {
  const clock = services.lifecycle.clock;
  return { Now: clock.now() / 1000, Mode: clock.mode, Speed: clock.speed };
};

/** The latest time a timestamp may name (9999-12-31T23:59:59Z), as for ingested events. */
const MAX_EPOCH_SECONDS = 253402300799;

function clockChange(body: unknown): { advanceSeconds?: number; setTimeMs?: number } {
  const usage = 'Body must be {"AdvanceSeconds": <seconds, 0 or more>} or {"SetTime": <epoch seconds>}.';
  if (!isObject(body)) throw invalidRequest(usage);
  const unknown = Object.keys(body).find((k) => k !== "AdvanceSeconds" && k !== "SetTime");
  if (unknown) throw invalidRequest(`Unknown field '${unknown}'. ${usage}`);
  const { AdvanceSeconds: advance, SetTime: set } = body;
  if ((advance === undefined) === (set === undefined)) throw invalidRequest(`Give exactly one of AdvanceSeconds and SetTime. ${usage}`);
  const value = advance ?? set;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_EPOCH_SECONDS) {
    throw invalidRequest(
      `${advance !== undefined ? "AdvanceSeconds" : "SetTime"} must be a number from 0 to ${MAX_EPOCH_SECONDS}, got ${JSON.stringify(value)}. ${usage}`,
    );
  }
  return advance !== undefined ? { advanceSeconds: value } : { setTimeMs: Math.round(value * 1000) };
}
