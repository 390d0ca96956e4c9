/**
 * A plain server-sent-events reader for tests of GET /_liftlog/events/stream: real HTTP (fetch),
 * the messages as they arrive, and the comment lines (heartbeats) counted.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describeEvent } from "../interop/fleet-log.js";

export interface StreamEvent {
  EventId: string;
  EventCode: string;
  ResourceId: string;
  Message: string;
  EventTime: number;
  Count: number;
  PreSignedLogUrl?: string;
  FleetId: string;
}

export interface OpenedStream {
  messages: EventSourceMessage[];
  comments: string[];
  /** Waits until at least `n` messages arrived (fails after `timeoutMs`); returns the first `n`. */
  waitFor(n: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export type StreamAnswer = { status: number; stream: OpenedStream } | { status: number; error: { __type: string; message: string } };

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamAnswer> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return { status: res.status, error: (await res.json()) as { __type: string; message: string } };
  }
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  let notify = () => {};
  const parser = createParser({
    onEvent: (m) => {
      messages.push(m);
      notify();
    },
    onComment: (c) => {
      comments.push(c);
      notify();
    },
  });
  const decoder = new TextDecoder();
  const ended = (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Closed by close() or cut by the server: either way the stream is over.
    }
  })();
  const waitFor = async (n: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream: ${messages.length} of ${n} messages after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return messages.slice(0, n);
  };
  return { status: res.status, stream: { messages, comments, waitFor, ended, close: () => controller.abort() } };
}

/** Opens a stream that must open; fails with the server's error otherwise. */
export async function mustOpen(url: string, headers: Record<string, string> = {}): Promise<OpenedStream> {
  const answer = await openStream(url, headers);
  if ("error" in answer) throw new Error(`stream ${url}: ${answer.status} ${JSON.stringify(answer.error)}`);
  return answer.stream;
}

export const eventOf = (m: EventSourceMessage) => JSON.parse(m.data) as StreamEvent;

/** The comparable line (see describeEvent) of a streamed event. */
export const streamLine = (m: EventSourceMessage) => {
  const e = eventOf(m);
  return describeEvent({ ...e, timeMs: Math.round(e.EventTime * 1000), hasLog: e.PreSignedLogUrl !== undefined });
};
