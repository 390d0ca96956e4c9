/**
 * A fleet's event log as the fleet view holds it: pages of the real DescribeFleetEvents (newest
 * first, NextToken), the filters the API cannot apply done here, and live events merged in place.
 */
import { DescribeFleetEventsCommand } from "@aws-sdk/client-gamelift";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText, gamelift } from "./api";
import { fromSdk, matches, type EventFilter, type FleetEvent } from "./events";

export interface TimeRange {
  /** Epoch ms, inclusive; absent: open. */
  start?: number;
  end?: number;
}

export interface EventLog {
  /** Every event read so far, newest first (the timeline draws these). */
  all: FleetEvent[];
  /** The events that pass the filter, newest first (the list shows these). */
  shown: FleetEvent[];
  done: boolean;
  loading: boolean;
  error?: string;
}

/** The largest page the server gives (its default maximum); fewer round trips while scrolling far. */
export const PAGE_LIMIT = 1000;

const EMPTY: EventLog = { all: [], shown: [], done: false, loading: false };

/** Where `e` goes in a newest-first list: before the events of its own time (a live event is the newest of them). */
function insertIndex(list: readonly FleetEvent[], e: FleetEvent): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.EventTime > e.EventTime) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `list` with `e` merged: replaced when present (its Count may have grown), else inserted in order. */
function merge(list: FleetEvent[], e: FleetEvent, done: boolean): FleetEvent[] {
  const at = list.findIndex((x) => x.EventId === e.EventId);
  if (at >= 0) return list.map((x, i) => (i === at ? e : x));
  const i = insertIndex(list, e);
  // Older than everything read so far while more pages remain: a later page brings it.
  if (i === list.length && !done) return list;
  return [...list.slice(0, i), e, ...list.slice(i)];
}

export function useEventLog(fleetId: string, range: TimeRange, filter: EventFilter, enabled: boolean) {
  const [log, setLog] = useState<EventLog>(EMPTY);
  const state = useRef({ generation: 0, token: undefined as string | undefined, loading: false, seen: new Set<string>() });
  const key = JSON.stringify([fleetId, range.start, range.end, filter.category, filter.code]);

  useEffect(() => {
    state.current = { generation: state.current.generation + 1, token: undefined, loading: false, seen: new Set() };
    setLog(EMPTY);
  }, [key]);

  const loadMore = useCallback(async () => {
    const s = state.current;
    if (s.loading || !enabled) return;
    s.loading = true;
    const generation = s.generation;
    setLog((l) => ({ ...l, loading: true }));
    try {
      const page = await gamelift().send(
        new DescribeFleetEventsCommand({
          FleetId: fleetId,
          StartTime: range.start !== undefined ? new Date(range.start) : undefined,
          EndTime: range.end !== undefined ? new Date(range.end) : undefined,
          Limit: PAGE_LIMIT,
          NextToken: s.token,
        }),
      );
      if (state.current.generation !== generation) return;
      s.token = page.NextToken;
      // A live event may already have brought an event of this page.
      const fresh = (page.Events ?? []).map(fromSdk).filter((e) => !s.seen.has(e.EventId));
      fresh.forEach((e) => s.seen.add(e.EventId));
      setLog((l) => ({
        all: [...l.all, ...fresh],
        shown: [...l.shown, ...fresh.filter((e) => matches(e, filter))],
        done: !page.NextToken,
        loading: false,
      }));
    } catch (err) {
      if (state.current.generation === generation) setLog((l) => ({ ...l, loading: false, error: errorText(err) }));
    } finally {
      if (state.current.generation === generation) s.loading = false;
    }
    // The filter and range are part of `key`; a change starts a new generation.
  }, [key, enabled]);

  /** A live event: kept when it falls inside the range. */
  const add = useCallback(
    (e: FleetEvent) => {
      if ((range.start !== undefined && e.EventTime < range.start) || (range.end !== undefined && e.EventTime > range.end)) return;
      setLog((l) => {
        const all = merge(l.all, e, l.done);
        // Only an event now held is skipped when a page brings it again.
        if (all !== l.all) state.current.seen.add(e.EventId);
        return { ...l, all, shown: matches(e, filter) ? merge(l.shown, e, l.done) : l.shown };
      });
    },
    [key],
  );

  return { log, loadMore, add };
}
