/** Every fleet of the account and region, unhealthy ones first, live from the feed. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorText, serverNow } from "./api";
import { HEALTH_RANK, type Health } from "./events";
import { useFeed, type FeedEvent } from "./feed";
import { loadFleetRows, withEvent, type FleetRow } from "./fleets-data";
import { Link, navigate } from "./router";
import { useSettings } from "./settings";
import { rateBuckets, Sparkline } from "./sparkline";
import { StatusPill, ago, useKeys } from "./widgets";

const HEALTH_LABEL: Record<Health, string> = {
  error: "ERROR",
  failing: "failing creation",
  "crash-loop": "crash loop",
  warning: "recent failures",
  "in-progress": "creating",
  ok: "healthy",
};

const UNHEALTHY: readonly Health[] = ["error", "failing", "crash-loop"];

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function sortRows(rows: FleetRow[]): FleetRow[] {
  return [...rows].sort(
    (a, b) =>
      HEALTH_RANK[a.verdict.health] - HEALTH_RANK[b.verdict.health] ||
      (b.last?.EventTime ?? 0) - (a.last?.EventTime ?? 0) ||
      (a.attributes.Name ?? "").localeCompare(b.attributes.Name ?? ""),
  );
}

/** The scope feed query (Region + AccountId from the fleets' ARNs). */
function scopeQuery(rows: FleetRow[], region: string): URLSearchParams | null {
  const arn = rows[0]?.attributes.FleetArn;
  if (!arn) return new URLSearchParams({ Region: region });
  return new URLSearchParams({ Region: region, AccountId: arn.split(":")[4] ?? "" });
}

export function FleetsView({ onError }: { onError: (err: unknown) => void }) {
  const { region, accessKeyId } = useSettings();
  const [rows, setRows] = useState<FleetRow[] | null>(null);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState<string>();
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState(0);
  const searchBox = useRef<HTMLInputElement>(null);
  const reloadTimer = useRef<number | undefined>(undefined);

  const reload = useCallback(async () => {
    try {
      const t = await serverNow();
      const loaded = await loadFleetRows(t);
      setNow(t);
      setRows(loaded);
      setError(undefined);
    } catch (err) {
      onError(err);
      setError(errorText(err));
    }
  }, [onError]);

  useEffect(() => {
    setRows(null);
    void reload();
  }, [reload, region, accessKeyId]);

  const onEvent = useCallback(
    (e: FeedEvent) => {
      setNow((n) => Math.max(n, e.EventTime));
      setRows((current) => {
        if (!current) return current;
        const i = current.findIndex((r) => r.attributes.FleetId === e.FleetId);
        if (i < 0 || e.EventCode === "FLEET_DELETED") {
          // A fleet this list does not show yet (or one that went): read the list again, once per burst.
          window.clearTimeout(reloadTimer.current);
          reloadTimer.current = window.setTimeout(() => void reload(), 500);
          return current;
        }
        const next = [...current];
        next[i] = withEvent(current[i]!, e, Math.max(now, e.EventTime));
        return next;
      });
    },
    [reload, now],
  );
  const feed = useFeed(rows ? scopeQuery(rows, region) : null, onEvent);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const all = sortRows(rows ?? []);
    if (!needle) return all;
    return all.filter((r) => r.attributes.Name?.toLowerCase().includes(needle) || r.attributes.FleetId?.toLowerCase().includes(needle));
  }, [rows, search]);

  useKeys({
    "/": () => searchBox.current?.focus(),
    j: () => setSelected((s) => Math.min(s + 1, shown.length - 1)),
    ArrowDown: () => setSelected((s) => Math.min(s + 1, shown.length - 1)),
    k: () => setSelected((s) => Math.max(s - 1, 0)),
    ArrowUp: () => setSelected((s) => Math.max(s - 1, 0)),
    Enter: () => shown[selected] && navigate(`/fleets/${shown[selected].attributes.FleetId}`),
  });

  const unhealthy = (rows ?? []).filter((r) => UNHEALTHY.includes(r.verdict.health));
  const creating = (rows ?? []).filter((r) => r.verdict.health === "in-progress").length;
  const counts = UNHEALTHY.map((h) => [h, unhealthy.filter((r) => r.verdict.health === h).length] as const).filter(([, n]) => n > 0);

  return (
    <main className="page">
      <div className="page-head">
        <h1>Fleets</h1>
        <span className="muted">{region}</span>
        <span className={`live live-${feed}`} title="Live updates from the event feed">
          {feed === "live" ? "● Live" : feed === "connecting" ? "○ Connecting" : "○ Not live"}
        </span>
        <input
          ref={searchBox}
          className="search"
          type="search"
          placeholder="Search by name or ID  ( / )"
          aria-label="Search fleets by name or ID"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setSelected(0);
          }}
        />
      </div>
      {error && <p className="error-box">Could not load fleets: {error}</p>}
      {rows && (
        <p className={`summary ${unhealthy.length ? "summary-bad" : "summary-good"}`} data-testid="fleet-summary">
          {rows.length === 0
            ? `No fleets in ${region}. Create one with the AWS SDK or CLI, or launch a scenario.`
            : unhealthy.length === 0
              ? `No fleet needs attention: ${plural(rows.length, "fleet")}${creating ? `, ${creating} being created` : ""}.`
              : `${unhealthy.length} of ${plural(rows.length, "fleet")} need attention: ${counts.map(([h, n]) => `${n} ${HEALTH_LABEL[h]}`).join(", ")}.`}
        </p>
      )}
      {!rows && !error && <p className="muted">Loading fleets…</p>}
      {rows && rows.length > 0 && (
        <table className="fleets" aria-label="Fleets">
          <thead>
            <tr>
              <th>Status</th>
              <th>Fleet</th>
              <th>Type</th>
              <th>Locations</th>
              <th>Last event</th>
              <th>Events, last hour</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <FleetRowView key={r.attributes.FleetId} row={r} now={now} selected={i === selected} onFocus={() => setSelected(i)} />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function FleetRowView({ row, now, selected, onFocus }: { row: FleetRow; now: number; selected: boolean; onFocus: () => void }) {
  const a = row.attributes;
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: "nearest" });
  }, [selected]);
  const bad = UNHEALTHY.includes(row.verdict.health);
  const buckets = useMemo(() => rateBuckets(row.recent, now), [row.recent, now]);
  return (
    <tr
      ref={ref}
      className={`fleet-row health-${row.verdict.health}${selected ? " selected" : ""}`}
      data-fleet-id={a.FleetId}
      onClick={onFocus}
      aria-selected={selected}
    >
      <td>
        <StatusPill status={a.Status} />
      </td>
      <td>
        <Link to={`/fleets/${a.FleetId}`} className="fleet-name">
          {a.Name}
        </Link>
        <div className="mono muted small">{a.FleetId}</div>
        {row.verdict.reason && (
          <div className={`reason reason-${row.verdict.health}`}>
            {bad ? "⚠ " : ""}
            {HEALTH_LABEL[row.verdict.health]}: {row.verdict.reason}
          </div>
        )}
      </td>
      <td>
        <span className="fleet-kind">{row.kind}</span>
        {a.FleetType ? ` · ${a.FleetType}` : ""}
        {a.InstanceType ? <div className="muted small">{a.InstanceType}</div> : null}
      </td>
      <td className="small">{row.locations.join(", ") || "—"}</td>
      <td>
        {row.last ? (
          <>
            <div className="mono small">{row.last.EventCode}</div>
            <div className="muted small" title={new Date(row.last.EventTime).toLocaleString()}>
              {ago(row.last.EventTime, now)}
            </div>
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td>
        <div className="spark-cell">
          <Sparkline buckets={buckets} alert={bad} />
          <span className="muted small">
            {row.recent.reduce((n, e) => n + e.Count, 0)}
            {row.recentTruncated ? "+" : ""}
          </span>
        </div>
      </td>
    </tr>
  );
}
