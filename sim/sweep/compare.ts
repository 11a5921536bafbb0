/**
 * What a sweep concludes: per strategy and figure, the mean over its seeds with a 95%
 * confidence interval (Student's t, the seeds being independent runs), and which strategy
 * is best. "Best" is the best mean and every strategy whose interval overlaps the best's:
 * with overlapping intervals the seeds run cannot tell them apart, so they tie.
 */
import jStat from 'jstat';
import type { SweepRow } from './sweep-task.js';

export const FIGURES = [
  { key: 'jain', label: "Jain's index of uploads (1 = even)", better: 'higher', digits: 3 },
  { key: 'maxOverMean', label: 'Busiest uploader over the mean', better: 'lower', digits: 2 },
  { key: 'medianCompletionSeconds', label: 'Median client done (simulated s)', better: 'lower', digits: 2 },
  { key: 'completionSeconds', label: 'Last client done (simulated s)', better: 'lower', digits: 2 },
  { key: 'messages', label: 'Messages in all', better: 'lower', digits: 0 },
] as const;

export type FigureKey = (typeof FIGURES)[number]['key'];

export interface Spread {
  /** Seeds the figure is over (runs that finished). */
  n: number;
  mean: number;
  stddev: number;
  /** Half the width of the 95% confidence interval of the mean; NaN with fewer than 2 seeds. */
  ci95: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, stddev: NaN, ci95: NaN, min: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const stddev = n < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const ci95 = n < 2 ? NaN : (jStat.studentt.inv(0.975, n - 1) * stddev) / Math.sqrt(n);
  return { n, mean, stddev, ci95, min: Math.min(...values), max: Math.max(...values) };
}

export interface StrategySummary {
  strategy: string;
  runs: number;
  failed: number;
  figures: Record<FigureKey, Spread>;
  /** The figures this strategy is best at, or tied for best (see the top of this file). */
  best: FigureKey[];
}

export function summarize(rows: readonly SweepRow[]): StrategySummary[] {
  const strategies = [...new Set(rows.map((row) => row.strategy))];
  const summaries = strategies.map((strategy) => {
    const mine = rows.filter((row) => row.strategy === strategy);
    // A failed run has no figures; the spread is over the runs that finished.
    const finished = mine.filter((row) => row.problem === undefined);
    const figures = Object.fromEntries(
      FIGURES.map(({ key }) => [key, spread(finished.map((row) => row[key]))]),
    ) as StrategySummary['figures'];
    return { strategy, runs: mine.length, failed: mine.filter((row) => !row.ok).length, figures, best: [] as FigureKey[] };
  });
  for (const figure of FIGURES) {
    for (const strategy of bestAt(summaries, figure.key, figure.better)) strategy.best.push(figure.key);
  }
  return summaries;
}

/**
 * The best of one figure, ties included. None when there is nothing to compare: one
 * strategy, or too few seeds for an interval (a mean alone says nothing of chance).
 */
function bestAt(summaries: StrategySummary[], key: FigureKey, better: 'higher' | 'lower'): StrategySummary[] {
  const ranked = summaries.filter((s) => Number.isFinite(s.figures[key].ci95));
  if (summaries.length < 2 || ranked.length < summaries.length) return [];
  const sign = better === 'higher' ? 1 : -1;
  const top = ranked.reduce((a, b) => (sign * (b.figures[key].mean - a.figures[key].mean) > 0 ? b : a));
  const { mean, ci95 } = top.figures[key];
  return ranked.filter((s) => Math.abs(s.figures[key].mean - mean) <= s.figures[key].ci95 + ci95);
}
