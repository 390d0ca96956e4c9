/**
 * The fleet's states as bands and its failures as marks over a time range, drawn by ECharts. The
 * legend under the chart says the same in words (and is what keyboard and screen-reader users get).
 */
import { useMemo } from "react";
import { Chart, cssColor, echarts, type ChartOption } from "./chart";
import { isFailure, stateOf, type FleetEvent } from "./events";
import { statusColorVar, useColorScheme } from "./theme";

export interface Band {
  state: string;
  start: number;
  end: number;
}

export interface TimelineModel {
  from: number;
  to: number;
  bands: Band[];
  failures: FleetEvent[];
}

/** Bands and failure marks (oldest first) from events (newest first) within [from, to]. */
export function timelineModel(events: readonly FleetEvent[], from: number, to: number): TimelineModel {
  const bands: Band[] = [];
  const failures: FleetEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    // FLEET_CREATED puts a fleet in NEW (container fleets move on to PENDING at once).
    const state = e.EventCode === "FLEET_CREATED" ? "NEW" : stateOf(e.EventCode);
    if (state) {
      const last = bands[bands.length - 1];
      if (last) last.end = e.EventTime;
      if (!last || last.state !== state) bands.push({ state, start: e.EventTime, end: to });
      else last.end = to;
    } else if (isFailure(e.EventCode) && e.EventTime >= from && e.EventTime <= to) {
      failures.push(e);
    }
  }
  const visible = bands
    .map((b) => ({ ...b, start: Math.max(b.start, from), end: Math.min(b.end, to) }))
    .filter((b) => b.end > b.start || (b.end === b.start && b.start >= from && b.start <= to));
  return { from, to, bands: visible, failures };
}

const time = (ms: number) => new Date(ms).toLocaleString();
const clock = (ms: number) => new Date(ms).toLocaleTimeString();

export function Timeline({ model, onSelect }: { model: TimelineModel; onSelect: (e: FleetEvent) => void }) {
  const scheme = useColorScheme();
  const option = useMemo<ChartOption>(() => {
    const text = cssColor("--fg");
    const muted = cssColor("--muted-fg");
    const error = cssColor("--error");
    return {
      animation: false,
      grid: { left: 70, right: 16, top: 8, bottom: 24 },
      tooltip: { trigger: "item", confine: true },
      dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "weakFilter" }],
      xAxis: {
        type: "time",
        min: model.from,
        max: model.to,
        axisLabel: { color: muted, hideOverlap: true },
        axisLine: { lineStyle: { color: muted } },
        splitLine: { show: false },
      },
      yAxis: {
        type: "category",
        data: ["Failures", "State"],
        axisLabel: { color: text },
        axisTick: { show: false },
        axisLine: { show: false },
      },
      series: [
        {
          id: "states",
          type: "custom",
          encode: { x: [1, 2], y: 0 },
          data: model.bands.map((b) => ({ value: [1, b.start, b.end, b.state], itemStyle: { color: cssColor(statusColorVar(b.state)) } })),
          tooltip: {
            formatter: (p: { value: [number, number, number, string] }) =>
              `<b>${p.value[3]}</b><br/>${time(p.value[1])} – ${time(p.value[2])}`,
          },
          renderItem: (params: unknown, api: RenderApi) => {
            const start = api.coord([api.value(1), 1]);
            const end = api.coord([api.value(2), 1]);
            const height = api.size([0, 1])[1] * 0.6;
            const rect = echarts.graphic.clipRectByRect(
              { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height },
              (params as { coordSys: { x: number; y: number; width: number; height: number } }).coordSys,
            );
            if (!rect) return undefined;
            const label = String(api.value(3));
            return {
              type: "group",
              children: [
                { type: "rect", shape: rect, style: api.style() },
                ...(rect.width > label.length * 8 + 8
                  ? [
                      {
                        type: "text",
                        style: {
                          text: label,
                          x: rect.x + 4,
                          y: rect.y + rect.height / 2,
                          verticalAlign: "middle",
                          fill: "#fff",
                          font: "11px sans-serif",
                        },
                      },
                    ]
                  : []),
              ],
            };
          },
        },
        {
          id: "failures",
          type: "scatter",
          symbol: "triangle",
          symbolSize: 12,
          itemStyle: { color: error },
          data: model.failures.map((e) => ({ value: [e.EventTime, 0], name: e.EventCode })),
          tooltip: {
            formatter: (p: { dataIndex: number }) => {
              const e = model.failures[p.dataIndex]!;
              return `<b>${e.EventCode}</b>${e.Count > 1 ? ` ×${e.Count}` : ""}<br/>${time(e.EventTime)}<br/>${escapeHtml(e.Message).slice(0, 200)}`;
            },
          },
        },
      ],
    };
    // `scheme` is a dependency because the colours read above change with it.
  }, [model, scheme]);

  const last = model.bands[model.bands.length - 1];
  return (
    <section className="timeline" aria-label="Timeline">
      <Chart
        className="timeline-chart"
        option={option}
        label="Fleet states over time as coloured bands, failures as red marks"
        onClick={(p) => p.seriesId === "failures" && onSelect(model.failures[p.dataIndex]!)}
      />
      <div className="timeline-legend">
        <span className="legend-states">
          {model.bands.length === 0 ? (
            <span className="muted">No state changes in this range.</span>
          ) : (
            model.bands.slice(-6).map((b, i) => (
              <span key={i} className="legend-band">
                <i style={{ background: `var(${statusColorVar(b.state)})` }} />
                {b.state} {clock(b.start)}
                {b === last ? "" : `–${clock(b.end)}`}
              </span>
            ))
          )}
        </span>
        <span className="legend-failures">
          {model.failures.length === 0 ? (
            <span className="muted">No failures.</span>
          ) : (
            <>
              <b>
                {model.failures.length} failure{model.failures.length === 1 ? "" : "s"}:
              </b>{" "}
              {model.failures
                .slice(-3)
                .reverse()
                .map((e) => (
                  <button key={e.EventId} className="linklike failure-mark" onClick={() => onSelect(e)}>
                    ▲ {e.EventCode} {clock(e.EventTime)}
                  </button>
                ))}
            </>
          )}
        </span>
      </div>
    </section>
  );
}

interface RenderApi {
  coord(value: [unknown, number]): number[];
  size(value: [number, number]): number[];
  value(dimension: number): number | string;
  style(): Record<string, unknown>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
