/** A fleet's event rate over the last hour, five-minute buckets, drawn by ECharts. */
import { useMemo } from "react";
import { Chart, cssColor, type ChartOption } from "./chart";
import type { FleetEvent } from "./events";
import { useColorScheme } from "./theme";

export const SPARK_WINDOW_MS = 60 * 60 * 1000;
const BUCKETS = 12;

/** Events per bucket (Count included) from `now - window` to `now`. */
export function rateBuckets(events: readonly FleetEvent[], now: number): number[] {
  const size = SPARK_WINDOW_MS / BUCKETS;
  const buckets = new Array<number>(BUCKETS).fill(0);
  for (const e of events) {
    const i = Math.floor((e.EventTime - (now - SPARK_WINDOW_MS)) / size);
    if (i >= 0 && i < BUCKETS) buckets[i]! += e.Count;
    else if (i === BUCKETS) buckets[BUCKETS - 1]! += e.Count;
  }
  return buckets;
}

export function Sparkline({ buckets, alert }: { buckets: number[]; alert: boolean }) {
  const scheme = useColorScheme();
  const total = buckets.reduce((a, b) => a + b, 0);
  const option = useMemo<ChartOption>(() => {
    const color = cssColor(alert ? "--error" : "--accent");
    return {
      animation: false,
      grid: { left: 1, right: 1, top: 3, bottom: 1 },
      xAxis: { type: "category", show: false, boundaryGap: false, data: buckets.map((_, i) => i) },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", data: buckets, symbol: "none", lineStyle: { width: 1.5, color }, areaStyle: { color, opacity: 0.18 } }],
    };
    // `scheme` is a dependency because the colours read above change with it.
  }, [buckets, alert, scheme]);
  return <Chart className="sparkline" option={option} label={`${total} events in the last hour`} />;
}
