/** ECharts in React: one chart per element, resized with it, re-themed with the page. */
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { CustomChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, TooltipComponent, DataZoomComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([CustomChart, LineChart, ScatterChart, GridComponent, TooltipComponent, DataZoomComponent, CanvasRenderer]);

export type ChartOption = EChartsCoreOption;
export { echarts };

/** A CSS custom property of the page (the theme's colours), for charts that draw on canvas. */
export const cssColor = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function Chart({
  option,
  className,
  onClick,
  label,
}: {
  option: ChartOption;
  className?: string;
  onClick?: (params: { dataIndex: number; seriesId?: string; data: unknown }) => void;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const instance = echarts.init(ref.current!);
    chart.current = instance;
    instance.on("click", (params) => click.current?.(params as never));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(ref.current!);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);

  return <div ref={ref} className={className} role="img" aria-label={label} />;
}
