/**
 * What every chart here is made of: plain, JSON-safe chart.js configurations, so the same
 * spec is drawn to PNG (png.ts) and in the HTML page (html.ts); the few options chart.js
 * wants as functions are added on both sides by hydrate.ts. Many ranks are grouped so that
 * no bar or cell is thinner than a few pixels.
 */
import type { MetricsDocument, RankMetrics } from './document.js';
import { startupOption, timeScale, type TimeAxis } from './time-axis.js';

/** A chart.js configuration that survives JSON.stringify. */
export interface ChartConfig {
  type: string;
  data: { labels?: string[]; datasets: Record<string, unknown>[] };
  options: Record<string, unknown>;
}

export interface ChartSpec {
  id: string;
  title: string;
  width: number;
  height: number;
  /** One line under the chart: what to look for in it. */
  caption: string;
  config: ChartConfig;
}

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const MUTED = '#c8c8c8';
const WIDE = { width: 1000, height: 500 };
/** At 1000 px, 120 bars leave each about 6 px. */
export const MAX_BARS = 120;
export const color = (i: number): string => PALETTE[i % PALETTE.length];

/** Consecutive ranks in groups of equal size, so at most `max` groups remain. */
export function groupRanks(ranks: readonly number[], max: number): number[][] {
  const size = Math.max(1, Math.ceil(ranks.length / max));
  const groups: number[][] = [];
  for (let i = 0; i < ranks.length; i += size) groups.push(ranks.slice(i, i + size));
  return groups;
}

export function groupLabel(group: readonly number[]): string {
  return group.length === 1 ? String(group[0]) : `${group[0]}-${group[group.length - 1]}`;
}

export const clientsOf = (doc: MetricsDocument): RankMetrics[] => doc.ranks.filter((r) => r.role === 'client');

export function axes(x: string, y: string, xType = 'category'): Record<string, unknown> {
  return {
    x: { type: xType, title: { display: true, text: x }, ...(xType === 'linear' ? { min: 0 } : {}) },
    y: countScale(y),
  };
}

export function options(
  title: string,
  scales: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  plugins: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    animation: false,
    responsive: false,
    maintainAspectRatio: false,
    plugins: { title: { display: true, text: title, font: { size: 16 } }, legend: { position: 'bottom' }, ...plugins },
    scales,
    ...extra,
  };
}

/** A chart over time: the x axis from just before the first transfer, the start-up as a band. */
export function timeOptions(title: string, axis: TimeAxis, y: Record<string, unknown>): Record<string, unknown> {
  const chartOptions = options(title, { x: timeScale(axis), y }, {}, startupOption(axis));
  // Room under the title for the band's label, so that it never covers a line.
  if (axis.startup > 0) (chartOptions.plugins as { title: Record<string, unknown> }).title.padding = { top: 10, bottom: 26 };
  return chartOptions;
}

/** A y axis that counts things (segments, clients, members): no fractional ticks. */
export function countScale(text: string): Record<string, unknown> {
  return { type: 'linear', beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text } };
}

/** A chart of the usual wide size. */
export function wideChart(
  id: string,
  title: string,
  type: string,
  data: ChartConfig['data'],
  chartOptions: Record<string, unknown>,
  caption: string,
): ChartSpec {
  return { id, title, ...WIDE, caption, config: { type, data, options: chartOptions } };
}

export const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export function lineDataset(
  label: string,
  points: { x: number; y: number }[],
  i: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'line',
    label,
    data: points,
    borderColor: color(i),
    backgroundColor: color(i),
    pointRadius: 0,
    borderWidth: 2,
    stepped: true,
    ...extra,
  };
}
