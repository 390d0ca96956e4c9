/**
 * The /_liftlog/subscriptions family of the admin API:
 *   POST   /_liftlog/subscriptions                      create -> {"SubscriptionId"}
 *   GET    /_liftlog/subscriptions                      list   -> {"Subscriptions": [...]}
 *   GET    /_liftlog/subscriptions/{id}                 one, with its backlog
 *   DELETE /_liftlog/subscriptions/{id}                 end it (undelivered deliveries go with it)
 *   GET    /_liftlog/subscriptions/{id}/deliveries      ?State=PARKED|PENDING&Limit=&NextToken=
 *   POST   /_liftlog/subscriptions/{id}/redrive         {"DeliveryIds": [...]} (optional) -> {"Redriven": n}
 */
import { createSubscription, deliveryView, requireSubscription, subscriptionView } from "../alerts/subscriptions.js";
import type { Services } from "../operations/context.js";
import { invalidRequest } from "../protocol/errors.js";
import { decodePathSegment as decode, parseJson } from "./json.js";

const PREFIX = "/_liftlog/subscriptions";
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** `body` reads the request body (once). */
export type Route = (services: Services, url: URL, body: () => Promise<Buffer>) => Promise<unknown>;

/** The handler for a path of this family and its method, or undefined when the path is not one of it. */
export function subscriptionRoute(method: string, path: string): Route | "method" | undefined {
  if (path === PREFIX) return method === "POST" ? create : method === "GET" ? list : "method";
  if (!path.startsWith(`${PREFIX}/`)) return undefined;
  const [id = "", tail, ...rest] = path.slice(PREFIX.length + 1).split("/");
  if (id === "" || rest.length > 0) return undefined;
  if (tail === undefined) return method === "GET" ? show(id) : method === "DELETE" ? remove(id) : "method";
  if (tail === "deliveries") return method === "GET" ? deliveries(id) : "method";
  if (tail === "redrive") return method === "POST" ? redrive(id) : "method";
  return undefined;
}

const create: Route = async (services, _url, body) => createSubscription(services, parseJson(await body()));

const list: Route = async (services) => ({ Subscriptions: (await services.store.listSubscriptions()).map(subscriptionView) });

const show =
  (id: string): Route =>
  async (services) =>
    subscriptionView(await requireSubscription(services, decode(id)));

const remove =
  (id: string): Route =>
  async (services) => {
    const subscriptionId = decode(id);
    await requireSubscription(services, subscriptionId);
    await services.store.deleteSubscription(subscriptionId);
    return { SubscriptionId: subscriptionId };
  };

const deliveries =
  (id: string): Route =>
  async (services, url) => {
    const subscriptionId = decode(id);
    await requireSubscription(services, subscriptionId);
    const state = url.searchParams.get("State") ?? "PARKED";
    if (state !== "PARKED" && state !== "PENDING") throw invalidRequest(`State must be PARKED or PENDING, got '${state}'.`);
    const limit = pageLimit(url.searchParams.get("Limit"));
    const token = url.searchParams.get("NextToken");
    const binding = ["SubscriptionDeliveries", subscriptionId, state];
    const afterId = token ? (services.tokens.open(token, binding) as number) : undefined;
    const page = await services.store.listDeliveries(subscriptionId, { parked: state === "PARKED", afterId, limit: limit + 1 });
    const shown = page.slice(0, limit);
    return {
      Deliveries: shown.map(deliveryView),
      ...(page.length > limit ? { NextToken: services.tokens.seal(binding, shown[shown.length - 1]!.deliveryId) } : {}),
    };
  };

const redrive =
  (id: string): Route =>
  async (services, _url, read) => {
    const subscriptionId = decode(id);
    const raw = await read();
    const body = raw.length === 0 ? {} : parseJson(raw);
    const usage = 'Body is empty (re-drive every parked delivery) or {"DeliveryIds": [<DeliveryId>, ...]}.';
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidRequest(usage);
    const { DeliveryIds: ids, ...other } = body as Record<string, unknown>;
    if (Object.keys(other).length > 0) throw invalidRequest(`Unknown field '${Object.keys(other)[0]}'. ${usage}`);
    if (ids !== undefined && (!Array.isArray(ids) || ids.length === 0 || !ids.every((n) => Number.isSafeInteger(n) && n > 0))) {
      throw invalidRequest(`DeliveryIds must be a non-empty list of DeliveryIds (positive integers). ${usage}`);
    }
    await requireSubscription(services, subscriptionId);
    return { Redriven: await services.store.redriveDeliveries(subscriptionId, Date.now(), ids as number[] | undefined) };
  };

function pageLimit(text: string | null): number {
  if (text === null) return DEFAULT_PAGE;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw invalidRequest(`Limit must be a positive integer, got '${text}'.`);
  return Math.min(n, MAX_PAGE);
}
