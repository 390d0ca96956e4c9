/**
 * Following fleet events live: liftlog's event stream (`GET /_liftlog/events/stream`, server-sent
 * events) when the endpoint has it, else polling `DescribeFleetEvents` (the real GameLift has no
 * stream), behind one async iterator. Resumes after errors and restarts from the last position
 * delivered, with backoff, and never yields an event twice.
 */
import { DescribeFleetEventsCommand, GameLiftClient, type DescribeFleetEventsCommandOutput, type Event } from "@aws-sdk/client-gamelift";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One followed event: the event as `DescribeFleetEvents` returns it, plus its fleet and position. */
export interface FollowedEvent extends Event {
  FleetId: string;
  /**
   * Where this event sits in the stream: pass it as `after` to resume right after it (in another
   * process, on another server node, after a restart). Absent when following by polling.
   */
  position?: string;
}

export interface FollowOptions {
  /**
   * The liftlog server's base URL (`http://127.0.0.1:4580`). Absent: follow by polling
   * `DescribeFleetEvents` through `client` (that is how it works against Amazon GameLift).
   */
  endpoint?: string;
  /** A fleet ID or ARN. Absent: every fleet of the account and region (stream only). */
  fleetId?: string;
  /** Region and account of the fleets (stream: the server's defaults when absent; polling: the client's region). */
  region?: string;
  accountId?: string;
  /** Only these event codes (e.g. `["FLEET_STATE_ACTIVE", "FLEET_STATE_ERROR"]`). */
  eventCodes?: readonly string[];
  /** First replay the events from this time on, oldest first, then go live. Default: only events from now on. */
  since?: Date;
  /** Resume right after this event: a `position` a previous follow yielded. Takes precedence over `since`. */
  after?: string;
  /** The server's admin token (`liftlog serve --admin-token`), when it has one. */
  adminToken?: string;
  /** Aborting ends the iteration quietly (`for await` finishes); the connection or poll in flight is cancelled. */
  signal?: AbortSignal;
  /** The GameLift client used for polling; default: one for `endpoint` and `region`, with the SDK's default credentials. */
  client?: GameLiftClient;
  /** "auto" (default): the stream, or polling where the endpoint has no stream (404). "stream" or "poll" force one. */
  mode?: "auto" | "stream" | "poll";
  /** Polling: time between polls (default 2000 ms). */
  pollIntervalMs?: number;
  /**
   * Polling: how far before the newest event seen each poll looks again (default 60000 ms), to catch
   * events stored late with an earlier EventTime. Events older than that when stored are missed.
   */
  pollOverlapMs?: number;
  /** Delay before the first retry after an error (default 500 ms); it doubles up to `maxRetryDelayMs` (default 30000 ms). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A stream silent (not even a heartbeat) for this long is considered dead and reopened (default 45000 ms). */
  idleTimeoutMs?: number;
  /** Told when the follower connects, retries or falls back to polling (for a status line). */
  onStatus?: (status: FollowStatus) => void;
}

export type FollowStatus =
  | { state: "connected"; mode: "stream" | "poll" }
  | { state: "retrying"; error: Error; delayMs: number }
  | { state: "fallback"; reason: string };

/** An error retrying cannot fix (a bad fleet, filter, position or token): the iteration rejects with it. */
export class FollowError extends Error {
  override name = "FollowError";
  constructor(
    message: string,
    /** The AWS error code (`NotFoundException`, `InvalidRequestException`, ...), when the server sent one. */
    readonly code?: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A connection that ended or failed in a way worth retrying. */
class Retryable extends Error {}

/** The endpoint answered, but has no event stream. */
class NoStream extends Error {}

/**
 * Follows fleet events: an endless async iterator of events as they are stored, oldest first.
 *
 * @example Tail a fleet until Ctrl-C, printing each event once:
 * ```ts
 * import { followFleetEvents } from "liftlog/client";
 *
 * const controller = new AbortController();
 * process.once("SIGINT", () => controller.abort());
 * for await (const e of followFleetEvents({ endpoint: "http://127.0.0.1:4580", fleetId, signal: controller.signal })) {
 *   console.log(e.EventTime?.toISOString(), e.EventCode, e.Message);
 *   savePosition(e.position); // resume later with { after: position }
 * }
 * ```
 *
 * Errors: network failures, 5xx, throttling, a server restart or a stream the server ended are
 * retried with backoff (reported through `onStatus`), resuming after the last event yielded.
 * A request the server rejects (unknown fleet, bad filter, forged position, wrong admin token)
 * rejects the iteration with a FollowError.
 */
export async function* followFleetEvents(options: FollowOptions): AsyncGenerator<FollowedEvent, void, undefined> {
  const mode = options.mode ?? "auto";
  if (mode !== "poll" && options.endpoint !== undefined) {
    try {
      yield* followStream(options);
      return;
    } catch (err) {
      if (!(err instanceof NoStream) || mode === "stream") throw err instanceof NoStream ? new FollowError(err.message) : err;
      options.onStatus?.({ state: "fallback", reason: err.message });
    }
  }
  yield* followByPolling(options);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/** Exponential backoff with jitter, reset by progress. */
class Backoff {
  private attempt = 0;
  constructor(private readonly options: FollowOptions) {}

  reset(): void {
    this.attempt = 0;
  }

  async wait(error: Error): Promise<void> {
    const base = this.options.retryDelayMs ?? 500;
    const delayMs = Math.round(Math.min(this.options.maxRetryDelayMs ?? 30_000, base * 2 ** this.attempt++) * (0.75 + Math.random() / 2));
    this.options.onStatus?.({ state: "retrying", error, delayMs });
    await sleep(delayMs, this.options.signal);
  }
}

async function* followStream(options: FollowOptions): AsyncGenerator<FollowedEvent, void, undefined> {
  const backoff = new Backoff(options);
  let position = options.after;
  let everConnected = false;
  while (!options.signal?.aborted) {
    try {
      for await (const message of openStream(options, position, () => {
        everConnected = true;
        options.onStatus?.({ state: "connected", mode: "stream" });
      })) {
        const event = toFollowed(message);
        position = event.position;
        backoff.reset();
        yield event;
      }
      // The server ended the stream (shutdown, or this reader fell behind): reconnect from the last position.
      if (!options.signal?.aborted) await backoff.wait(new Retryable("the server ended the stream"));
    } catch (err) {
      if (options.signal?.aborted) return;
      if (err instanceof NoStream && everConnected) {
        // Had a stream before: a 404 now is a node without it (mid-upgrade, say); keep trying.
        await backoff.wait(err);
        continue;
      }
      if (!(err instanceof Retryable)) throw err;
      await backoff.wait(err);
    }
  }
}

function streamUrl(options: FollowOptions, position: string | undefined): string {
  const url = new URL("/_liftlog/events/stream", options.endpoint);
  if (options.fleetId !== undefined) url.searchParams.set("FleetId", options.fleetId);
  if (options.region !== undefined) url.searchParams.set("Region", options.region);
  if (options.accountId !== undefined) url.searchParams.set("AccountId", options.accountId);
  if (options.eventCodes?.length) url.searchParams.set("EventCodes", options.eventCodes.join(","));
  if (position === undefined && options.since !== undefined) url.searchParams.set("since", String(options.since.getTime() / 1000));
  return url.toString();
}

/** One connection: the stream's messages until it ends. Throws Retryable, NoStream or FollowError. */
async function* openStream(
  options: FollowOptions,
  position: string | undefined,
  connected: () => void,
): AsyncGenerator<EventSourceMessage> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  let idle: NodeJS.Timeout | undefined;
  const idleMs = options.idleTimeoutMs ?? 45_000;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(abort, idleMs);
  };
  try {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (options.adminToken !== undefined) headers.Authorization = `Bearer ${options.adminToken}`;
    if (position !== undefined) headers["Last-Event-ID"] = position;
    touch();
    let res: Response;
    try {
      res = await fetch(streamUrl(options, position), { headers, signal: controller.signal });
    } catch (err) {
      throw new Retryable(`cannot reach ${options.endpoint}: ${(err as Error).message}`);
    }
    await checkResponse(res);
    connected();
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => messages.push(m) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        touch();
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (messages.length > 0) yield messages.shift()!;
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw new Retryable(`the stream broke: ${(err as Error).message}`);
    }
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener("abort", abort);
    controller.abort();
  }
}

async function checkResponse(res: Response): Promise<void> {
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && type.startsWith("text/event-stream")) return;
  const text = await res.text().catch(() => "");
  let body: { __type?: string; message?: string; Message?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not an AWS JSON error body: described by status below.
  }
  const code = body.__type ?? res.headers.get("x-amzn-errortype") ?? undefined;
  const message = body.message ?? body.Message ?? (text.slice(0, 200) || res.statusText);
  if (res.status === 404 || res.status === 405 || (res.status === 403 && code !== "UnauthorizedException") || res.ok) {
    throw new NoStream(`${res.url} has no event stream (HTTP ${res.status}${code ? ` ${code}` : ""})`);
  }
  if (res.status >= 500 || res.status === 429 || res.status === 408) throw new Retryable(`HTTP ${res.status}: ${message}`);
  throw new FollowError(`${code ?? `HTTP ${res.status}`}: ${message}`, code, res.status);
}

function toFollowed(message: EventSourceMessage): FollowedEvent {
  const data = JSON.parse(message.data) as Omit<FollowedEvent, "EventTime"> & { EventTime: number };
  return { ...data, EventTime: new Date(Math.round(data.EventTime * 1000)), ...(message.id ? { position: message.id } : {}) };
}

/**
 * Polling: each poll reads the fleet's newest events from a little before the newest one seen
 * (newest-first pages, as GameLift returns them) and yields those not seen yet, oldest first.
 */
async function* followByPolling(options: FollowOptions): AsyncGenerator<FollowedEvent, void, undefined> {
  const fleetId = options.fleetId;
  if (fleetId === undefined) throw new FollowError("Following by polling needs a fleetId: DescribeFleetEvents reads one fleet.");
  const client =
    options.client ?? new GameLiftClient({ ...(options.region ? { region: options.region } : {}), endpoint: options.endpoint });
  const overlapMs = options.pollOverlapMs ?? 60_000;
  const codes = options.eventCodes ? new Set(options.eventCodes) : undefined;
  const backoff = new Backoff(options);
  /** Events already yielded (or already there when following began), by ID, with their EventTime. */
  const seen = new Map<string, number>();
  let newestMs = options.since?.getTime();
  let first = options.since === undefined;
  let connected = false;
  while (!options.signal?.aborted) {
    let events: Event[];
    try {
      events = await readSince(client, fleetId, newestMs === undefined ? undefined : newestMs - overlapMs, first, options.signal);
    } catch (err) {
      if (options.signal?.aborted) return;
      if (!retryableSdkError(err)) throw new FollowError((err as Error).message, (err as { name?: string }).name);
      await backoff.wait(err as Error);
      continue;
    }
    if (!connected) options.onStatus?.({ state: "connected", mode: "poll" });
    connected = true;
    backoff.reset();
    for (const e of events.reverse()) {
      const timeMs = e.EventTime?.getTime() ?? 0;
      if (seen.has(e.EventId!) || (options.since && timeMs < options.since.getTime())) continue;
      seen.set(e.EventId!, timeMs);
      newestMs = Math.max(newestMs ?? timeMs, timeMs);
      // The log as it was when following began is history, not news.
      if (first || (codes && !codes.has(e.EventCode!))) continue;
      yield { ...e, FleetId: fleetId };
    }
    first = false;
    for (const [id, timeMs] of seen) if (newestMs !== undefined && timeMs < newestMs - overlapMs) seen.delete(id);
    await sleep(options.pollIntervalMs ?? 2000, options.signal);
  }
}

/** The fleet's events at or after `startMs`, newest first; on the first poll of a live follow only the newest page. */
async function readSince(
  client: GameLiftClient,
  fleetId: string,
  startMs: number | undefined,
  newestPageOnly: boolean,
  signal?: AbortSignal,
): Promise<Event[]> {
  const events: Event[] = [];
  let token: string | undefined;
  do {
    const page: DescribeFleetEventsCommandOutput = await client.send(
      new DescribeFleetEventsCommand({
        FleetId: fleetId,
        ...(startMs !== undefined ? { StartTime: new Date(startMs) } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
      { abortSignal: signal },
    );
    events.push(...(page.Events ?? []));
    token = newestPageOnly ? undefined : page.NextToken;
  } while (token);
  return events;
}

function retryableSdkError(err: unknown): boolean {
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: string; name?: string };
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true; // no response: the network
  return e.$retryable !== undefined || e.$fault === "server" || status >= 500 || status === 429 || e.name === "ThrottlingException";
}
