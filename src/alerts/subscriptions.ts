/**
 * Webhook subscriptions through the admin API: checking what a caller asks for, and the JSON views
 * of subscriptions and their deliveries. A subscription is scoped to one account and region; its
 * fleets must exist there (by ID or ARN of that scope).
 */
import { randomUUID } from "node:crypto";
import { enumValues } from "../model/service-model.js";
import { satisfies } from "../model/validate.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { Services } from "../operations/context.js";
import { findFleet } from "../operations/fleet-lookup.js";
import { scopeOf } from "../operations/ingest.js";
import type { Delivery, SubscriptionRecord, SubscriptionSummary } from "../store/types.js";
import { CATEGORY_NAMES, EVENT_CATEGORIES } from "../model/event-categories.js";

const FIELDS = new Set(["Url", "FleetIds", "EventCodes", "Categories", "Region", "AccountId", "Secret"]);
const MAX_URL_LENGTH = 2048;
const MAX_LIST = 100;
const MAX_SECRET_LENGTH = 1024;
const USAGE =
  'Body must be {"Url": "https://...", "FleetIds": [...], "EventCodes": [...], "Categories": [...], "Region": "...", "AccountId": "...", "Secret": "..."}; all but Url are optional.';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The webhook URL: absolute http(s), with a host, no user info (a secret belongs in Secret, not in a URL that listings show). */
export function checkUrl(value: unknown): string {
  if (typeof value !== "string" || value.length === 0)
    throw invalidRequest(`Url is required: the http:// or https:// address to POST events to. ${USAGE}`);
  if (value.length > MAX_URL_LENGTH)
    throw invalidRequest(`Url is ${value.length} characters long; at most ${MAX_URL_LENGTH} are accepted.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(`Url ${JSON.stringify(value)} is not an absolute URL; give one such as https://hooks.example.com/liftlog.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidRequest(`Url must use http or https, not '${url.protocol.slice(0, -1)}'.`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidRequest("Url must not carry a user name or password; set Secret to have deliveries signed instead.");
  }
  return url.href;
}

function stringList(body: Record<string, unknown>, field: string, each: (value: string, where: string) => void): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST) {
    throw invalidRequest(`${field} must be a list of 1 to ${MAX_LIST} strings; leave it out to match every one.`);
  }
  value.forEach((v, i) => {
    if (typeof v !== "string") throw invalidRequest(`${field}[${i}] must be a string, got ${JSON.stringify(v)}.`);
    each(v, `${field}[${i}]`);
  });
  return [...new Set(value as string[])];
}

export async function createSubscription(services: Services, body: unknown): Promise<{ SubscriptionId: string }> {
  if (!isObject(body)) throw invalidRequest(USAGE);
  const unknown = Object.keys(body).find((k) => !FIELDS.has(k));
  if (unknown) throw invalidRequest(`Unknown field '${unknown}'. ${USAGE}`);
  const url = checkUrl(body.Url);
  const scope = scopeOf(services, "", body.Region, body.AccountId);
  const codes = new Set(enumValues("EventCode"));
  const eventCodes = stringList(body, "EventCodes", (code, where) => {
    if (!codes.has(code)) throw invalidRequest(`${where}: '${code}' is not a GameLift EventCode (for example FLEET_STATE_ERROR).`);
  });
  const categories = stringList(body, "Categories", (name, where) => {
    if (!EVENT_CATEGORIES.has(name))
      throw invalidRequest(`${where}: unknown category '${name}'; categories are ${CATEGORY_NAMES.join(", ")}.`);
  });
  const refs = stringList(body, "FleetIds", (ref, where) => {
    if (!satisfies(ref, "FleetIdOrArn"))
      throw invalidRequest(`${where}: ${JSON.stringify(ref)} is not a fleet ID (fleet-...) or fleet ARN.`);
  });
  const fleetIds = refs && (await resolveFleets(services, scope, refs));
  if (
    body.Secret !== undefined &&
    (typeof body.Secret !== "string" || body.Secret.length === 0 || body.Secret.length > MAX_SECRET_LENGTH)
  ) {
    throw invalidRequest(`Secret must be a string of 1 to ${MAX_SECRET_LENGTH} characters: the key deliveries are signed with.`);
  }
  const matchCodes =
    eventCodes || categories
      ? [...new Set([...(eventCodes ?? []), ...(categories ?? []).flatMap((c) => EVENT_CATEGORIES.get(c)!)])]
      : undefined;
  const subscription: SubscriptionRecord = {
    ...scope,
    subscriptionId: `sub-${randomUUID()}`,
    url,
    ...(fleetIds ? { fleetIds } : {}),
    ...(eventCodes ? { eventCodes } : {}),
    ...(categories ? { categories } : {}),
    ...(matchCodes ? { matchCodes } : {}),
    ...(body.Secret !== undefined ? { secret: body.Secret as string } : {}),
    createdMs: Date.now(),
  };
  await services.store.createSubscription(subscription);
  return { SubscriptionId: subscription.subscriptionId };
}

async function resolveFleets(services: Services, scope: SubscriptionRecord | { accountId: string; region: string }, refs: string[]) {
  const ids: string[] = [];
  for (const ref of refs) {
    const fleet = await findFleet(services.store, scope, ref);
    if (!fleet) throw notFound(`Fleet ${ref} not found in account ${scope.accountId}, region ${scope.region}.`);
    ids.push(fleet.fleetId);
  }
  return [...new Set(ids)];
}

export async function requireSubscription(services: Services, subscriptionId: string): Promise<SubscriptionSummary> {
  const found = await services.store.getSubscription(subscriptionId);
  if (!found) throw notFound(`Subscription ${subscriptionId} not found; GET /_liftlog/subscriptions lists them.`);
  return found;
}

/** A subscription as the admin API shows it; the secret itself is never shown. */
export const subscriptionView = (s: SubscriptionSummary) => ({
  SubscriptionId: s.subscriptionId,
  Url: s.url,
  AccountId: s.accountId,
  Region: s.region,
  ...(s.fleetIds ? { FleetIds: s.fleetIds } : {}),
  ...(s.eventCodes ? { EventCodes: s.eventCodes } : {}),
  ...(s.categories ? { Categories: s.categories } : {}),
  Signed: s.secret !== undefined,
  CreationTime: s.createdMs / 1000,
  PendingDeliveries: s.pending,
  ParkedDeliveries: s.parked,
});

export const deliveryView = (d: Delivery) => ({
  DeliveryId: d.deliveryId,
  EventId: d.event.eventId,
  FleetId: d.event.fleetId,
  EventCode: d.event.eventCode,
  EventTime: d.event.eventTimeMs / 1000,
  State: d.parked ? "PARKED" : "PENDING",
  Attempts: d.attempts,
  ...(d.lastError !== undefined ? { LastError: d.lastError } : {}),
  ...(!d.parked && d.attempts > 0 ? { NextAttemptTime: d.nextAttemptMs / 1000 } : {}),
});
