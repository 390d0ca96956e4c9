/**
 * One fleet: its status, the timeline of its states and failures, and its event log (newest first,
 * infinite scroll over DescribeFleetEvents pages, filters, live tail, logs in a side panel). The
 * filters live in the URL, so a link restores the view.
 */
import { DescribeFleetAttributesCommand, type FleetAttributes } from "@aws-sdk/client-gamelift";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorText, gamelift, serverNow } from "./api";
import { ALL_EVENT_CODES, CATEGORIES, categoryOf, healthOf, severityOf, type EventFilter, type FleetEvent } from "./events";
import { useFeed } from "./feed";
import { useEventLog, type EventLog, type TimeRange } from "./fleet-events";
import { isContainerFleet, kindOf } from "./fleet-kind";
import { Link, navigate } from "./router";
import { timelineModel, Timeline } from "./timeline";
import { StatusPill, useKeys } from "./widgets";

/** A deep-link time: epoch seconds or anything Date parses (ISO 8601). */
function parseTime(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  const ms = Number.isFinite(n) ? n * 1000 : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface FleetQuery {
  range: TimeRange;
  filter: EventFilter;
}

export function readQuery(query: URLSearchParams): FleetQuery {
  const code = query.get("code") ?? undefined;
  const category = query.get("category") ?? undefined;
  return {
    range: { start: parseTime(query.get("start")), end: parseTime(query.get("end")) },
    filter: {
      code: code && ALL_EVENT_CODES.includes(code) ? code : undefined,
      category: category && (CATEGORIES as readonly string[]).includes(category) ? category : undefined,
    },
  };
}

function queryString({ range, filter }: FleetQuery): string {
  const q = new URLSearchParams();
  if (range.start !== undefined) q.set("start", new Date(range.start).toISOString());
  if (range.end !== undefined) q.set("end", new Date(range.end).toISOString());
  if (filter.category) q.set("category", filter.category);
  if (filter.code) q.set("code", filter.code);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** datetime-local input value (local time, minutes) from epoch ms, and back. */
const toLocalInput = (ms: number | undefined) => {
  if (ms === undefined) return "";
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).getTime() : undefined);

const PRESETS: { label: string; ms?: number }[] = [
  { label: "All" },
  { label: "1 h", ms: 3600_000 },
  { label: "24 h", ms: 86400_000 },
  { label: "7 d", ms: 7 * 86400_000 },
];

export function FleetView({ fleetId, query, onError }: { fleetId: string; query: URLSearchParams; onError: (err: unknown) => void }) {
  const { range, filter } = useMemo(() => readQuery(query), [query]);
  const [fleet, setFleet] = useState<FleetAttributes>();
  const [container, setContainer] = useState(false);
  const [fleetError, setFleetError] = useState<string>();
  const [now, setNow] = useState<number>();
  const [logEvent, setLogEvent] = useState<FleetEvent>();
  const [selected, setSelected] = useState(0);

  const setQuery = (next: FleetQuery) => navigate(`/fleets/${fleetId}${queryString(next)}`, { replace: true });

  useEffect(() => {
    setFleet(undefined);
    setFleetError(undefined);
    setContainer(false);
    void isContainerFleet(fleetId).then(setContainer);
    gamelift()
      .send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))
      .then(
        (out) => {
          if (out.FleetAttributes?.[0]) setFleet(out.FleetAttributes[0]);
          else setFleetError(`Fleet ${fleetId} was not found in this account and region.`);
        },
        (err) => setFleetError(errorText(err)),
      );
  }, [fleetId]);

  useEffect(() => {
    const tick = () => serverNow().then(setNow, onError);
    void tick();
    const timer = window.setInterval(tick, 15_000);
    return () => window.clearInterval(timer);
  }, [onError]);

  // Live tail only while the range is open-ended; the stream is connected before the first page is
  // read, so nothing appended in between is missed (duplicates are merged by EventId).
  const tailing = range.end === undefined;
  const feedQuery = useMemo(() => (tailing && fleet?.FleetArn ? new URLSearchParams({ FleetId: fleet.FleetArn }) : null), [tailing, fleet]);
  const [feedWaited, setFeedWaited] = useState(false);
  useEffect(() => {
    setFeedWaited(false);
    const timer = window.setTimeout(() => setFeedWaited(true), 1500);
    return () => window.clearTimeout(timer);
  }, [feedQuery]);
  const { log, loadMore, add } = useEventLog(fleetId, range, filter, fleet !== undefined);
  const onEvent = useCallback(
    (e: FleetEvent) => {
      add(e);
      setNow((n) => Math.max(n ?? 0, e.EventTime));
    },
    [add],
  );
  const feed = useFeed(feedQuery, onEvent);
  const ready = fleet !== undefined && (!tailing || feed === "live" || feedWaited);

  const newest = log.all[0]?.EventTime ?? 0;
  const oldest = log.all[log.all.length - 1]?.EventTime;
  const to = range.end ?? Math.max(now ?? Date.now(), newest);
  const from = range.start ?? Math.min(oldest ?? to - 3600_000, to - 60_000);
  const model = useMemo(() => timelineModel(log.all, from, to), [log.all, from, to]);
  // The newest FLEET_STATE_* event read is the fleet's status now (live events keep it current).
  const status = useMemo(
    () => log.all.find((e) => e.EventCode.startsWith("FLEET_STATE_"))?.EventCode.slice(12) ?? fleet?.Status,
    [log.all, fleet],
  );
  const verdict = useMemo(() => healthOf(status, log.all.slice(0, 200)), [status, log.all]);

  const select = (i: number) => setSelected(Math.max(0, Math.min(i, log.shown.length - 1)));
  const jumpTo = (e: FleetEvent) => {
    const i = log.shown.findIndex((x) => x.EventId === e.EventId);
    if (i >= 0) select(i);
    if (e.PreSignedLogUrl) setLogEvent(e);
  };
  useKeys({
    j: () => select(selected + 1),
    ArrowDown: () => select(selected + 1),
    k: () => select(selected - 1),
    ArrowUp: () => select(selected - 1),
    Enter: () => log.shown[selected]?.PreSignedLogUrl && setLogEvent(log.shown[selected]),
    l: () => log.shown[selected]?.PreSignedLogUrl && setLogEvent(log.shown[selected]),
    Escape: () => (logEvent ? setLogEvent(undefined) : navigate("/")),
  });

  if (fleetError) {
    return (
      <main className="page">
        <p>
          <Link to="/">← Fleets</Link>
        </p>
        <p className="error-box">{fleetError}</p>
      </main>
    );
  }

  return (
    <main className={`page fleet-page${logEvent ? " with-panel" : ""}`}>
      <div className="fleet-main">
        <div className="page-head">
          <Link to="/" className="back" title="Back to fleets (Esc)">
            ← Fleets
          </Link>
          <h1>{fleet?.Name ?? fleetId}</h1>
          <StatusPill status={status} />
          <span className="mono muted small">{fleetId}</span>
          <span className="muted small" data-testid="fleet-kind">
            {fleet
              ? `${kindOf(fleet, container)}${fleet.FleetType ? ` · ${fleet.FleetType}` : ""}${fleet.InstanceType ? ` · ${fleet.InstanceType}` : ""}`
              : ""}
          </span>
          <span className={`live live-${tailing ? feed : "unavailable"}`} data-testid="live-state">
            {!tailing
              ? "Range ends in the past: not live"
              : feed === "live"
                ? "● Live"
                : feed === "connecting"
                  ? "○ Connecting"
                  : "○ Not live"}
          </span>
        </div>
        {verdict.cause && (
          <p className={`verdict reason-${verdict.health}`}>
            ⚠ {verdict.cause.EventCode}: {verdict.cause.Message}{" "}
            <button className="linklike" onClick={() => jumpTo(verdict.cause!)}>
              show
            </button>
          </p>
        )}
        <Filters query={{ range, filter }} onChange={setQuery} now={now} />
        <Timeline model={model} onSelect={jumpTo} />
        {!log.done && log.all.length > 0 && (
          <p className="muted small">
            The timeline covers the {log.all.length.toLocaleString()} events read so far; scroll the log for older ones.
          </p>
        )}
        <div className="list-head small muted" aria-live="polite">
          <span data-testid="event-count">
            {log.shown.length.toLocaleString()} event{log.shown.length === 1 ? "" : "s"}
            {log.done ? "" : " so far"}
          </span>
          {filter.code || filter.category ? <span> matching the filter (of {log.all.length.toLocaleString()} read)</span> : null}
          <span className="keys">j/k move · Enter opens log · Esc back</span>
        </div>
        <EventList log={log} ready={ready} loadMore={loadMore} selected={selected} onSelect={setSelected} onLog={setLogEvent} />
      </div>
      {logEvent && <LogPanel event={logEvent} onClose={() => setLogEvent(undefined)} />}
    </main>
  );
}

/**
 * The virtual list of events. Its own component, so scrolling re-renders only the rows; it asks for
 * the next page while the last rows come into view, and keeps the selected row in view.
 */
function EventList({
  log,
  ready,
  loadMore,
  selected,
  onSelect,
  onLog,
}: {
  log: EventLog;
  ready: boolean;
  loadMore: () => Promise<void>;
  selected: number;
  onSelect: (i: number) => void;
  onLog: (e: FleetEvent) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: log.shown.length + 1, // the last row says "loading" or "end"
    getScrollElement: () => list.current,
    estimateSize: () => 64,
    overscan: 12,
    getItemKey: (i) => log.shown[i]?.EventId ?? "end",
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (ready && !log.done && !log.loading && !log.error && lastIndex >= log.shown.length - 100) void loadMore();
  }, [ready, lastIndex, log.shown.length, log.done, log.loading, log.error, loadMore]);
  useEffect(() => {
    if (selected < log.shown.length) virtualizer.scrollToIndex(selected, { align: "auto" });
    // Only a new selection moves the list; new pages or live events leave it where it is.
  }, [selected]);
  return (
    <div className="events" ref={list} role="list" aria-label="Fleet events, newest first" data-testid="event-list">
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const e = log.shown[item.index];
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="event-slot"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              {e ? (
                <EventRow event={e} selected={item.index === selected} onSelect={() => onSelect(item.index)} onLog={() => onLog(e)} />
              ) : (
                <div className="list-end" data-testid="list-end">
                  {log.error ? (
                    <span className="error-box">
                      {log.error} <button onClick={() => void loadMore()}>Retry</button>
                    </span>
                  ) : log.done ? (
                    log.shown.length === 0 ? (
                      "No events match."
                    ) : (
                      "End of events."
                    )
                  ) : (
                    "Loading events…"
                  )}
                </div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function EventRow({
  event: e,
  selected,
  onSelect,
  onLog,
}: {
  event: FleetEvent;
  selected: boolean;
  onSelect: () => void;
  onLog: () => void;
}) {
  return (
    <div
      role="listitem"
      className={`event sev-${severityOf(e.EventCode)}${selected ? " selected" : ""}`}
      data-event-id={e.EventId}
      onClick={onSelect}
    >
      <div className="event-line">
        <time className="mono small" dateTime={new Date(e.EventTime).toISOString()}>
          {new Date(e.EventTime).toLocaleString()}
        </time>
        <span className="code mono">{e.EventCode}</span>
        {e.Count > 1 && (
          <span className="badge" title={`Repeated ${e.Count} times`}>
            ×{e.Count}
          </span>
        )}
        <span className="muted small">{categoryOf(e.EventCode)}</span>
        <span className="mono muted small resource">{e.ResourceId}</span>
        {e.PreSignedLogUrl && (
          <button className="log-button" onClick={onLog}>
            View log
          </button>
        )}
      </div>
      <div className="message">{e.Message}</div>
    </div>
  );
}

function Filters({ query, onChange, now }: { query: FleetQuery; onChange: (q: FleetQuery) => void; now: number | undefined }) {
  const { range, filter } = query;
  const codes = filter.category ? ALL_EVENT_CODES.filter((c) => categoryOf(c) === filter.category) : ALL_EVENT_CODES;
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
      <span className="presets" role="group" aria-label="Time range">
        {PRESETS.map((p) => (
          <button
            key={p.label}
            type="button"
            className={(p.ms === undefined ? range.start === undefined && range.end === undefined : false) ? "active" : ""}
            onClick={() => onChange({ filter, range: p.ms === undefined ? {} : { start: (now ?? Date.now()) - p.ms } })}
          >
            {p.label}
          </button>
        ))}
      </span>
      {(["start", "end"] as const).map((edge) => (
        <label key={edge}>
          {edge === "start" ? "From" : "To"}
          <input
            type="datetime-local"
            aria-label={edge === "start" ? "From" : "To"}
            value={toLocalInput(range[edge])}
            onChange={(e) => onChange({ filter, range: { ...range, [edge]: fromLocalInput(e.target.value) } })}
          />
        </label>
      ))}
      <label>
        Category
        <select
          aria-label="Category"
          value={filter.category ?? ""}
          onChange={(e) => onChange({ range, filter: { category: e.target.value || undefined, code: undefined } })}
        >
          <option value="">All</option>
          {CATEGORIES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Code
        <select
          aria-label="Event code"
          value={filter.code ?? ""}
          onChange={(e) => onChange({ range, filter: { ...filter, code: e.target.value || undefined } })}
        >
          <option value="">All</option>
          {codes.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      {(range.start !== undefined || range.end !== undefined || filter.code || filter.category) && (
        <button type="button" onClick={() => onChange({ range: {}, filter: {} })}>
          Clear
        </button>
      )}
    </form>
  );
}

function LogPanel({ event, onClose }: { event: FleetEvent; onClose: () => void }) {
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setText(undefined);
    setError(undefined);
    fetch(event.PreSignedLogUrl!)
      .then(async (res) => {
        const body = await res.text();
        if (res.ok) setText(body);
        else
          setError(
            `${res.status}: ${/<Message>(.*?)<\/Message>/.exec(body)?.[1] ?? body}. Log links expire after 15 minutes: reload the page for fresh ones.`,
          );
      })
      .catch((err) => setError(errorText(err)));
  }, [event]);
  return (
    <aside className="log-panel" aria-label="Event log">
      <div className="log-head">
        <strong>Log</strong>
        <span className="mono small">{event.EventCode}</span>
        <a href={event.PreSignedLogUrl} target="_blank" rel="noreferrer" className="small">
          raw
        </a>
        <button onClick={onClose} aria-label="Close log (Esc)">
          ✕
        </button>
      </div>
      <div className="muted small">
        {new Date(event.EventTime).toLocaleString()} · {event.ResourceId}
      </div>
      {error ? (
        <p className="error-box">{error}</p>
      ) : text === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <pre data-testid="log-text">{text}</pre>
      )}
    </aside>
  );
}
