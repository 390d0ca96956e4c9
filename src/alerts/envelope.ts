/**
 * What a delivery sends: the event in Amazon EventBridge's event envelope, so a handler written for
 * EventBridge events reads it unchanged, signed with the subscription's secret when it has one.
 *
 *   {"version": "0", "id": <EventId>, "detail-type": "GameLift Fleet Event", "source": "aws.gamelift",
 *    "account", "time" (the event's time, ISO 8601), "region", "resources": [<fleet ARN>],
 *    "detail": <the event as DescribeFleetEvents returns it, plus FleetId>}
 */
import { createHmac } from "node:crypto";
import type { Delivery } from "../store/types.js";

export const DETAIL_TYPE = "GameLift Fleet Event";
export const SOURCE = "aws.gamelift";
export const SIGNATURE_HEADER = "X-Liftlog-Signature";

/** `logUrl` mints a fresh PreSignedLogUrl for an event that has a log. */
export function envelope(delivery: Delivery, logUrl: (d: Delivery) => string): Record<string, unknown> {
  const { event, subscription } = delivery;
  return {
    version: "0",
    id: event.eventId,
    "detail-type": DETAIL_TYPE,
    source: SOURCE,
    account: subscription.accountId,
    // EventBridge writes whole seconds; the detail keeps the millisecond EventTime.
    time: new Date(event.eventTimeMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: subscription.region,
    resources: [delivery.fleetArn],
    detail: {
      EventId: event.eventId,
      ResourceId: event.resourceId,
      EventCode: event.eventCode,
      Message: event.message,
      EventTime: event.eventTimeMs / 1000,
      ...(event.hasLog ? { PreSignedLogUrl: logUrl(delivery) } : {}),
      Count: event.count,
      FleetId: event.fleetId,
    },
  };
}

/** `sha256=<hex HMAC-SHA256(secret, body)>` */
export const signature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** The request headers of a delivery; the idempotency key is the same on every attempt. */
export function deliveryHeaders(delivery: Delivery, body: string): Record<string, string> {
  const { subscription, event } = delivery;
  return {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    "User-Agent": "liftlog-webhook/1",
    "Idempotency-Key": `${subscription.subscriptionId}/${event.eventId}`,
    "X-Liftlog-Subscription-Id": subscription.subscriptionId,
    "X-Liftlog-Attempt": String(delivery.attempts + 1),
    ...(subscription.secret !== undefined ? { [SIGNATURE_HEADER]: signature(subscription.secret, body) } : {}),
  };
}
