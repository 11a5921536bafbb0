/** What a sweep writes: every run, each strategy's figures with their intervals and the best marked, and a chart per figure. */
import { join } from 'node:path';
import { color, options, type ChartSpec } from '../../reports/chart-kit.js';
import { csv } from '../../reports/csv.js';
import { htmlTable, renderPage } from '../../reports/html.js';
import { ensureDir, writeAtomically } from '../job/files.js';
import { FIGURES, type Spread, type StrategySummary } from './compare.js';
import type { SweepRow } from './sweep-task.js';

/** The mark beside a best figure, in the page and in the printed table. */
export const BEST_MARK = '★';
export const BEST_LEGEND = `${BEST_MARK} best, or not told apart from the best (their 95% intervals overlap)`;

/** `0.812 ± 0.024`, the interval's half-width after the sign; a single seed has no interval. */
export function meanWithInterval(figure: Spread, digits: number): string {
  if (figure.n === 0) return 'n/a';
  const mean = figure.mean.toFixed(digits);
  return Number.isFinite(figure.ci95) ? `${mean} ± ${figure.ci95.toFixed(digits)}` : mean;
}

/** One cell per figure, each marked when the strategy is best at it. */
export function figureCells(summary: StrategySummary): string[] {
  return FIGURES.map(
    ({ key, digits }) => `${meanWithInterval(summary.figures[key], digits)}${summary.best.includes(key) ? ` ${BEST_MARK}` : ''}`,
  );
}

export const FIGURE_HEADERS = FIGURES.map(({ label, better }) => `${label}, mean ± 95% CI (${better} is better)`);

/** A bar chart per figure: each strategy's mean and its 95% interval. */
export function sweepCharts(summaries: readonly StrategySummary[]): ChartSpec[] {
  return FIGURES.map((figure) => figureChart(summaries, figure));
}

function figureChart(summaries: readonly StrategySummary[], { key, label, better }: (typeof FIGURES)[number]): ChartSpec {
  const interval = (f: Spread): [number, number] => (Number.isFinite(f.ci95) ? [f.mean - f.ci95, f.mean + f.ci95] : [f.mean, f.mean]);
  return {
    id: key,
    title: label,
    width: 800,
    height: 400,
    caption: `${better === 'higher' ? 'Taller' : 'Shorter'} bars are better; strategies whose orange intervals overlap are not told apart by these seeds.`,
    config: {
      type: 'bar',
      data: {
        labels: summaries.map((s) => s.strategy),
        datasets: [
          { label: 'mean over the seeds', data: summaries.map((s) => s.figures[key].mean), backgroundColor: color(0) },
          { label: '95% confidence interval of the mean', data: summaries.map((s) => interval(s.figures[key])), backgroundColor: color(1) },
        ],
      },
      options: options(`${label}, mean ± 95% CI`, {
        x: { type: 'category', title: { display: true, text: 'strategy' } },
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: label } },
      }),
    },
  };
}

const round = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : null);

function runsCsv(rows: readonly SweepRow[]): string {
  return csv(
    [
      'strategy',
      'seed',
      'ok',
      'jain',
      'max_over_mean',
      'median_completion_seconds',
      'completion_seconds',
      'transfers',
      'messages',
      'problem',
    ],
    rows.map((r) => [
      r.strategy,
      r.seed,
      r.ok,
      round(r.jain),
      round(r.maxOverMean),
      round(r.medianCompletionSeconds),
      round(r.completionSeconds),
      r.transfers,
      r.messages,
      r.problem ?? '',
    ]),
  );
}

/** Machine-readable: every figure's mean, interval, spread and whether it is best. */
function summaryCsv(summaries: readonly StrategySummary[]): string {
  const header = [
    'strategy',
    'runs',
    'failed',
    ...FIGURES.flatMap(({ key }) => ['mean', 'ci95', 'stddev', 'min', 'max', 'best'].map((what) => `${key}_${what}`)),
  ];
  const rows = summaries.map((s) => [
    s.strategy,
    s.runs,
    s.failed,
    ...FIGURES.flatMap(({ key }) => {
      const f = s.figures[key];
      return [round(f.mean), round(f.ci95), round(f.stddev), round(f.min), round(f.max), s.best.includes(key)];
    }),
  ]);
  return csv(header, rows);
}

/** What the best possible spread says beside a sweep's table, when it is known. */
export function boundSentence(jainBound: number | null): string {
  return jainBound === null
    ? ''
    : `Jain's index could reach ${jainBound.toFixed(3)} on this case at best (any schedule, ignoring when segments arrive).`;
}

export async function writeSweepReport(
  dir: string,
  rows: readonly SweepRow[],
  summaries: readonly StrategySummary[],
  jainBound: number | null = null,
): Promise<string[]> {
  await ensureDir(dir);
  await writeAtomically(join(dir, 'runs.csv'), runsCsv(rows));
  await writeAtomically(join(dir, 'summary.csv'), summaryCsv(summaries));
  const charts = sweepCharts(summaries);
  const { writePngs } = await import('../../reports/png.js');
  await writePngs(dir, charts);
  const seeds = Math.max(0, ...summaries.map((s) => s.runs));
  const table = htmlTable(
    ['Strategy', 'Runs correct', ...FIGURE_HEADERS],
    summaries.map((s) => [s.strategy, `${s.runs - s.failed} of ${s.runs}`, ...figureCells(s)]),
    `Per strategy over ${seeds} seeds. ${BEST_LEGEND}. ${boundSentence(jainBound)}`.trim(),
  );
  await writeAtomically(join(dir, 'index.html'), renderPage('swarmsim sweep', [table], charts));
  return ['runs.csv', 'summary.csv', ...charts.map((chart) => `${chart.id}.png`), 'index.html'];
}
