// The two charts of a server's view: requests/s and latency (p50, p99) over the last 15 minutes, drawn by uPlot.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Point } from './types.js';

const WINDOW_S = 15 * 60;

/** A chart fed with points as they come. */
export interface Chart {
  set(points: Point[]): void;
  add(point: Point): void;
  destroy(): void;
}

function makeChart(target: HTMLElement, series: { label: string; stroke: string; pick: (p: Point) => number | null }[]): Chart {
  let points: Point[] = [];
  const width = () => Math.max(260, Math.min(target.clientWidth || 420, 640));
  const plot = new uPlot(
    {
      width: width(),
      height: 150,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{ stroke: '#333' }, { stroke: '#333', size: 50 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: false }))],
    },
    [[], ...series.map(() => [])],
    target,
  );
  const draw = () => {
    const cutoff = Date.now() / 1000 - WINDOW_S;
    points = points.filter((p) => p.at / 1000 >= cutoff);
    const values = series.map((s) => points.map((p) => s.pick(p)));
    plot.setData([points.map((p) => p.at / 1000), ...values] as uPlot.AlignedData);
    // What is drawn, readable without pixels (by tests, and by anyone inspecting the page).
    target.dataset.points = String(points.length);
    target.dataset.max = String(Math.max(0, ...values.flat().map((v) => v ?? 0)));
  };
  return {
    set(all) {
      points = all.slice();
      draw();
    },
    add(point) {
      points.push(point);
      draw();
    },
    destroy: () => plot.destroy(),
  };
}

/** Requests/s and latency charts in their two containers. */
export function makeCharts(rps: HTMLElement, latency: HTMLElement): Chart[] {
  return [
    makeChart(rps, [{ label: 'requests/s', stroke: '#1d4ed8', pick: (p) => p.rps }]),
    makeChart(latency, [
      { label: 'p50 ms', stroke: '#047857', pick: (p) => p.p50 },
      { label: 'p99 ms', stroke: '#b45309', pick: (p) => p.p99 },
    ]),
  ];
}
