/**
 * Time on the charts' x axes. A small run spends most of its wall time starting workers
 * before the first segment moves; an axis from 0 would leave most of a chart empty. So a
 * time axis starts just before the first transfer, and the start-up is shown as a
 * labelled band at its left edge (drawn by hydrate.ts from the `swarmsimStartup` option).
 */
import type { MetricsDocument, Samples } from './document.js';

/** Share of the shown span kept before the first transfer, where the band is drawn. */
const LEAD = 0.06;
const GRID_POINTS = 120;

/** The last time any client or swarm series was sampled. */
export function endTime(docs: readonly MetricsDocument[]): number {
  let end = 0;
  for (const doc of docs) {
    for (const { samples } of doc.timeline.clients) for (const row of samples) end = Math.max(end, row[0]);
    for (const { samples } of doc.timeline.swarms) for (const row of samples) end = Math.max(end, row[0]);
  }
  return end;
}

/** When the first client first held a segment it wanted; undefined if none ever did. */
export function firstTransferSeconds(docs: readonly MetricsDocument[]): number | undefined {
  let first = Infinity;
  for (const doc of docs) {
    for (const { samples } of doc.timeline.clients) {
      const row = samples.find((r) => r[1] > 0);
      if (row) first = Math.min(first, row[0]);
    }
  }
  return Number.isFinite(first) ? first : undefined;
}

/** `0.0087 s`, `1.2 s`, `35 s`: two significant digits, enough for a label. */
export function seconds(value: number): string {
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))} s`;
}

export interface TimeAxis {
  /** Where the axis starts. */
  min: number;
  /** Seconds from the start to the first transfer; 0 when the axis starts at 0. */
  startup: number;
}

/**
 * Starts the axis a little before the first transfer, at a round value so the first tick
 * reads well. An axis whose first transfer is at 0, or that has none, starts at 0.
 */
export function timeAxis(docs: readonly MetricsDocument[]): TimeAxis {
  const first = firstTransferSeconds(docs);
  const end = endTime(docs);
  if (first === undefined || first <= 0 || end <= first) return { min: 0, startup: 0 };
  const lead = ((end - first) * LEAD) / (1 - LEAD);
  const step = 10 ** Math.floor(Math.log10(lead));
  const min = Math.max(0, Math.floor((first - lead) / step) * step);
  return min === 0 ? { min: 0, startup: 0 } : { min, startup: first };
}

/** The x scale of a time chart. */
export function timeScale(axis: TimeAxis, title = 'seconds since start'): Record<string, unknown> {
  // The axis start is rarely a round tick, and labelled with the next tick's digits it reads as a repeat of it.
  const bound = axis.min > 0 ? { ticks: { includeBounds: false } } : {};
  return { type: 'linear', min: axis.min, ...bound, title: { display: true, text: title } };
}

/** Plugin options for the band: none when the axis starts at 0. */
export function startupOption(axis: TimeAxis): Record<string, unknown> {
  return axis.startup > 0 ? { swarmsimStartup: { seconds: axis.startup, label: `start-up took ${seconds(axis.startup)}` } } : {};
}

/** The value of a step series (rows sorted by time) at time t. */
export function valueAt(samples: Samples, t: number, column = 1): number {
  let value = 0;
  for (const row of samples) {
    if (row[0] > t) break;
    value = row[column];
  }
  return value;
}

/** Evenly spaced times over the shown span, for series resampled to a common grid. */
export function grid(axis: TimeAxis, end: number): number[] {
  return Array.from({ length: GRID_POINTS + 1 }, (_, i) => axis.min + ((end - axis.min) * i) / GRID_POINTS);
}
