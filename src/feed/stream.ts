/**
 * GET /_liftlog/events/stream: a fleet's (or a whole account and region's) events as server-sent
 * events. Each message is `id: <signed position>` and `data: <the event as DescribeFleetEvents
 * shapes it, plus FleetId>`. A reader is woken by the append hub and re-reads from its own position
 * with the store's keyset queries, a page at a time, so:
 *   - a missed or coalesced wake-up delays an event, never loses it (a periodic re-check reads anyway);
 *   - a reader holds at most one page in memory, and reads the next only once the client has taken
 *     the last; a client that takes nothing for `stallMs` is cut off (it resumes from its last id);
 *   - idle readers cost a hub subscription and two timers each.
 * Heartbeat comments keep idle streams open through proxies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { toEvent } from "../operations/fleet-events.js";
import type { RequestContext, Services } from "../operations/context.js";
import { encodeShape } from "../protocol/json11.js";
import { ServiceError } from "../protocol/errors.js";
import type { StoredEvent } from "../store/types.js";
import type { AppendHub } from "./hub.js";
import type { StreamPositions, StreamStart } from "./positions.js";
import { parseStreamRequest, type StreamRequest } from "./request.js";
import { SharedReads } from "./shared-reads.js";

export interface FeedSettings {
  /** How often an idle stream gets a comment line. */
  heartbeatMs: number;
  /** How often every reader re-reads without a wake-up (covers notifications lost between nodes). */
  recheckMs: number;
  /** A client that has not taken the pending output for this long is cut off. */
  stallMs: number;
  /** Events read (and held) per page. */
  pageSize: number;
  /**
   * On PostgreSQL an append may become readable only once older transactions finish: after a
   * wake-up that found nothing, re-read a few times shortly after instead of waiting for the re-check.
   */
  settleRetries: boolean;
}

export const DEFAULT_FEED_SETTINGS: FeedSettings = {
  heartbeatMs: 15_000,
  recheckMs: 5_000,
  stallMs: 30_000,
  pageSize: 100,
  settleRetries: false,
};

const unavailable = () =>
  new ServiceError(
    "ServiceUnavailableException",
    "This server is shutting down; reconnect (with Last-Event-ID) to reach another node or this one once restarted.",
    503,
  );

/** Delays of the re-reads after a wake-up that found nothing (see settleRetries). */
const SETTLE_DELAYS_MS = [20, 50, 100, 200, 400, 800, 1600];

export class EventStreams {
  private readonly open = new Set<StreamReader>();
  private readonly shared: SharedReads;
  private closing = false;

  constructor(
    private readonly services: Services,
    private readonly hub: AppendHub,
    private readonly positions: StreamPositions,
    private readonly settings: FeedSettings,
  ) {
    this.shared = new SharedReads(services.store);
  }

  /** Streams open now (for the metrics). */
  get size(): number {
    return this.open.size;
  }

  /** Validates the request (throwing ServiceError before any byte is sent), then streams until the client leaves. */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    where: { baseUrl: string; requestId: string },
  ): Promise<void> {
    if (this.closing) throw unavailable();
    let gone = false;
    res.once("close", () => (gone = true));
    const request = await parseStreamRequest(this.services, this.positions, query, req.headers);
    // The client may have left while the request was checked: then there is nothing to stream to.
    if (gone) return;
    if (this.closing) throw unavailable();
    // Log URLs in the events are minted for the stream's account and region.
    const ctx: RequestContext = { ...where, scope: request.target.scope };
    const reader = new StreamReader(this.services, this.shared, this.positions, this.settings, request, res, ctx);
    this.open.add(reader);
    const unsubscribe = this.hub.subscribe(request.target, reader.wake);
    res.once("close", () => {
      unsubscribe();
      reader.stop();
      this.open.delete(reader);
    });
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      // The connection ends with the stream: a reconnecting client must not land on a server shutting down.
      Connection: "close",
      "X-Accel-Buffering": "no",
      "x-amzn-RequestId": ctx.requestId,
    });
    res.write(": liftlog event stream\n\n");
    reader.start();
  }

  /** Ends every stream (server shutdown); clients resume elsewhere from their last id. */
  closeAll(): void {
    this.closing = true;
    for (const reader of this.open) reader.end();
  }
}

class StreamReader {
  private position: StreamStart;
  private running = false;
  private again = false;
  private stopped = false;
  /** Set by a wake-up, cleared once it found events or the settle re-reads ran out. */
  private settling = false;
  private settle = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: Services,
    private readonly shared: SharedReads,
    private readonly positions: StreamPositions,
    private readonly settings: FeedSettings,
    private readonly request: StreamRequest,
    private readonly res: ServerResponse,
    private readonly ctx: RequestContext,
  ) {
    this.position = request.start;
  }

  start(): void {
    this.timers.push(setInterval(() => this.heartbeat(), this.settings.heartbeatMs));
    this.timers.push(setInterval(() => this.read(), this.settings.recheckMs));
    this.read();
  }

  /** The hub's listener: something was appended to this stream's fleet or scope. */
  readonly wake = (): void => {
    this.settling = this.settings.settleRetries;
    this.settle = 0;
    this.read();
  };

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.settleTimer);
  }

  end(): void {
    this.stop();
    this.res.end();
  }

  private heartbeat(): void {
    if (!this.res.writableNeedDrain) this.res.write(": heartbeat\n\n");
  }

  /** Runs the read loop, or asks the running one to go round again. */
  private read(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop().finally(() => (this.running = false));
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        if (await this.catchUp()) this.settling = false;
        else if (this.settling) this.scheduleSettle();
      } while (this.again && !this.stopped);
    } catch (err) {
      // The store failed (a lost database connection, say): end the stream; the client resumes from its last id.
      console.error(`[${this.ctx.requestId}] event stream:`, err);
      this.end();
    }
  }

  private scheduleSettle(): void {
    const delay = SETTLE_DELAYS_MS[this.settle++];
    if (delay === undefined) this.settling = false;
    if (delay === undefined || this.stopped) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.read(), delay);
  }

  /** Reads and sends pages until the stream is at the head; returns whether any event was read. */
  private async catchUp(): Promise<boolean> {
    const { store } = this.services;
    const { target } = this.request;
    const limit = this.settings.pageSize;
    let read = false;
    while (!this.stopped) {
      const p = this.position;
      if (p.kind === "replay") {
        const from = p.from ?? { eventTimeMs: p.sinceMs, seq: -1 };
        const page = await store.replayEvents(target.scope, { fleetId: target.fleetId, sinceMs: p.sinceMs, from, head: p.head, limit });
        read ||= page.length > 0;
        for (const e of page) {
          const at = { eventTimeMs: e.eventTimeMs, seq: e.seq };
          this.position = { ...p, from: at };
          if (!(await this.send(e, () => this.message(e, this.positions.replay(target, at, p.head))))) return read;
        }
        // The replay reached the head it started at: everything later arrives live, in append order.
        if (page.length < limit) this.position = { kind: "live", after: p.head };
      } else {
        const { events, through } = await this.shared.readAppended(target.scope, { fleetId: target.fleetId, after: p.after, limit });
        read ||= events.length > 0;
        for (const e of events) {
          this.position = { kind: "live", after: e.position };
          const key = `${this.ctx.baseUrl} ${target.scope.accountId} ${target.scope.region} ${target.fleetId ?? "*"} ${e.position.txid}.${e.position.seq}`;
          if (!(await this.send(e, () => this.shared.message(key, () => this.message(e, this.positions.live(target, e.position))))))
            return read;
        }
        this.position = { kind: "live", after: through };
        if (events.length < limit) return read;
      }
    }
    return read;
  }

  /** Writes one message (unless filtered out); waits while the client is behind. False when the stream ended. */
  private async send(e: StoredEvent, message: () => string): Promise<boolean> {
    if (this.stopped) return false;
    if (this.request.codes && !this.request.codes.has(e.eventCode)) return true;
    if (this.res.write(message())) return true;
    return this.drained();
  }

  /** The SSE message of an event: its position as id, the event as DescribeFleetEvents shapes it plus FleetId. */
  private message(e: StoredEvent, id: string): string {
    const event = encodeShape("Event", toEvent(this.services, this.ctx, e, this.services.clock.now())) as Record<string, unknown>;
    return `id: ${id}\ndata: ${JSON.stringify({ ...event, FleetId: e.fleetId })}\n\n`;
  }

  private drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.res.off("drain", onDrain);
        this.res.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      // Cut off: the client has not taken what it was sent; drop the connection and what is buffered for it.
      const timer = setTimeout(() => {
        done(false);
        this.stop();
        this.res.destroy();
      }, this.settings.stallMs);
      this.res.once("drain", onDrain);
      this.res.once("close", onClose);
    });
  }
}
