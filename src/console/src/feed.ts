/**
 * The live event feed (GET /_liftlog/events/stream) read with fetch streaming, because EventSource
 * cannot send the admin token. The client resumes after a dropped connection from the last `id:`.
 */
import { createEventSource } from "eventsource-client";
import { useEffect, useRef, useState } from "react";
import { adminHeaders } from "./api";
import { fromFeed, type FleetEvent } from "./events";

export type FeedState = "connecting" | "live" | "unavailable";
export type FeedEvent = FleetEvent & { FleetId: string };

/**
 * Follows the feed for `query` (FleetId=, or Region= and AccountId=) while mounted; null pauses.
 * `onEvent` sees every event; the returned state says whether the tail is live.
 */
export function useFeed(query: URLSearchParams | null, onEvent: (e: FeedEvent) => void): FeedState {
  const [state, setState] = useState<FeedState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = query?.toString();
  useEffect(() => {
    if (key === undefined) return;
    setState("connecting");
    const source = createEventSource({
      url: `/_liftlog/events/stream?${key}`,
      headers: adminHeaders(),
      onConnect: () => setState("live"),
      onScheduleReconnect: () => setState("unavailable"),
      onMessage: (message) => {
        try {
          const event = fromFeed(JSON.parse(message.data));
          if (event) handler.current(event);
        } catch {
          // A message that is not an event (a comment or keep-alive) carries nothing to show.
        }
      },
    });
    return () => source.close();
  }, [key]);
  return key === undefined ? "unavailable" : state;
}
