/**
 * A real HTTP receiver for webhook tests: records every request (headers, raw body) and answers
 * with whatever status `respond` says, so a test can make it fail for a while and then recover.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";
import { performance } from "node:perf_hooks";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  envelope: Envelope;
  status: number;
  /** performance.now() when the request's body was in. */
  receivedAt: number;
}

export interface Envelope {
  version: string;
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown> & { EventId: string; EventCode: string; FleetId: string };
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  requests: Received[];
  /** The requests answered 2xx, in arrival order. */
  delivered(): Received[];
  /** The status the next request gets (called with how many came before it). */
  respond: (index: number) => number;
  /** Resolves once `test` holds, checked on each request; rejects after `timeoutMs`. */
  until(test: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: "",
    requests: [],
    delivered: () => receiver.requests.filter((r) => r.status >= 200 && r.status < 300),
    respond: () => 200,
    until: (test, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (test()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms; ${receiver.requests.length} requests so far`));
        }, timeoutMs);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const status = receiver.respond(receiver.requests.length);
      receiver.requests.push({ headers: req.headers, body, envelope: JSON.parse(body) as Envelope, status, receivedAt: performance.now() });
      res.writeHead(status, { "Content-Type": "text/plain" }).end(status < 300 ? "ok" : "not now");
      for (const check of [...waiters]) check();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** What X-Liftlog-Signature must be for this body and secret. */
export const expectedSignature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** POST /_liftlog/subscriptions; returns the SubscriptionId or throws with the error body. */
export async function subscribe(endpoint: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${endpoint}/_liftlog/subscriptions`, { method: "POST", body: JSON.stringify(body) });
  const out = (await res.json()) as { SubscriptionId?: string };
  if (res.status !== 200 || !out.SubscriptionId) throw new Error(`subscribe: ${res.status} ${JSON.stringify(out)}`);
  return out.SubscriptionId;
}

export const eventIds = (received: Received[]) => received.map((r) => r.envelope.detail.EventId);
