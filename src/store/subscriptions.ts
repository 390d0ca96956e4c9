/**
 * What both stores share about subscriptions: how a subscription's filter is kept (one JSON column)
 * and which new events it matches. Matching runs inside the append transaction, once per batch.
 */
import type { Delivery, StoredEvent, SubscriptionRecord, SubscriptionSummary } from "./types.js";

/** The filter column: every optional part of a subscription's filter. */
export interface SubscriptionFilter {
  fleetIds?: string[];
  eventCodes?: string[];
  categories?: string[];
  matchCodes?: string[];
}

export function filterOf(s: SubscriptionRecord): SubscriptionFilter {
  const { fleetIds, eventCodes, categories, matchCodes } = s;
  return { fleetIds, eventCodes, categories, matchCodes };
}

export interface SubscriptionColumns {
  subscription_id: string;
  account_id: string;
  region: string;
  url: string;
  secret: string | null;
  created_ms: number | string;
}

export function toSubscription(row: SubscriptionColumns, filter: SubscriptionFilter): SubscriptionRecord {
  return {
    subscriptionId: row.subscription_id,
    accountId: row.account_id,
    region: row.region,
    url: row.url,
    ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
    ...(row.secret !== null ? { secret: row.secret } : {}),
    createdMs: Number(row.created_ms),
  };
}

export const withBacklog = (s: SubscriptionRecord, pending: number | string, parked: number | string): SubscriptionSummary => ({
  ...s,
  pending: Number(pending),
  parked: Number(parked),
});

/** A scope's subscription as matching needs it: sets built once per append. */
export interface Matcher {
  pk: number | string;
  fleets?: Set<string>;
  codes?: Set<string>;
}

export function matcher(pk: number | string, filter: SubscriptionFilter): Matcher {
  return {
    pk,
    ...(filter.fleetIds ? { fleets: new Set(filter.fleetIds) } : {}),
    ...(filter.matchCodes ? { codes: new Set(filter.matchCodes) } : {}),
  };
}

/** Every (subscription, event) pair owed a delivery, events in store order within each subscription. */
export function matchDeliveries(matchers: Matcher[], events: Pick<StoredEvent, "seq" | "fleetId" | "eventCode">[]) {
  const pairs: { subscriptionPk: number | string; seq: number; fleetId: string }[] = [];
  for (const m of matchers) {
    for (const e of events) {
      if (m.fleets && !m.fleets.has(e.fleetId)) continue;
      if (m.codes && !m.codes.has(e.eventCode)) continue;
      pairs.push({ subscriptionPk: m.pk, seq: e.seq, fleetId: e.fleetId });
    }
  }
  return pairs;
}

/** The columns the stores select for a delivery (aliases shared by both dialects); `event` as the store reads an event. */
export const deliveryColumns = (
  event = "f.fleet_id, e.seq, e.event_id, e.resource_id, e.event_code, e.message, e.event_time_ms, e.count, e.has_log",
) => `d.pk AS delivery_id, d.attempts, d.parked, d.next_attempt_ms, d.last_error,
  s.subscription_id, s.account_id, s.region, s.url, s.filter, s.secret, s.created_ms, f.fleet_arn, ${event}`;

export const DELIVERY_COLUMNS = deliveryColumns();

export const DELIVERY_JOINS = `JOIN subscriptions s ON s.pk = d.subscription_pk JOIN events e ON e.seq = d.seq JOIN fleets f ON f.pk = e.fleet_pk`;

export interface DeliveryColumns extends SubscriptionColumns {
  delivery_id: number | string;
  attempts: number;
  parked: number | boolean;
  next_attempt_ms: number | string;
  last_error: string | null;
  fleet_id: string;
  fleet_arn: string;
  seq: number | string;
  event_id: string;
  resource_id: string;
  event_code: string;
  message: string;
  event_time_ms: number | string;
  count: number;
  has_log: number | boolean;
}

export function toDelivery(row: DeliveryColumns, filter: SubscriptionFilter): Delivery {
  return {
    deliveryId: Number(row.delivery_id),
    subscription: toSubscription(row, filter),
    fleetArn: row.fleet_arn,
    event: {
      seq: Number(row.seq),
      eventId: row.event_id,
      fleetId: row.fleet_id,
      resourceId: row.resource_id,
      eventCode: row.event_code,
      message: row.message,
      eventTimeMs: Number(row.event_time_ms),
      count: row.count,
      hasLog: row.has_log === true || row.has_log === 1,
    },
    attempts: row.attempts,
    parked: row.parked === true || row.parked === 1,
    nextAttemptMs: Number(row.next_attempt_ms),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}
