/** What a sweep writes: every run, the spread per strategy, and a chart per figure. */
import { join } from 'node:path';
import { color, type ChartSpec } from '../../reports/charts.js';
import { csv } from '../../reports/csv.js';
import { htmlTable, renderPage } from '../../reports/html.js';
import { ensureDir, writeAtomically } from '../job/files.js';
import type { SweepRow } from './sweep-task.js';

export const FIGURES = [
  { key: 'jain', title: "Jain's index of uploads (1 = even)" },
  { key: 'maxOverMean', title: 'Busiest uploader over the mean' },
  { key: 'completionSeconds', title: 'Last client done (simulated seconds)' },
] as const;

export interface Spread {
  mean: number;
  stddev: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { mean: NaN, stddev: NaN, min: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, stddev: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

export interface StrategySummary {
  strategy: string;
  runs: number;
  failed: number;
  figures: Record<(typeof FIGURES)[number]['key'], Spread>;
}

export function summarize(rows: readonly SweepRow[]): StrategySummary[] {
  const strategies = [...new Set(rows.map((row) => row.strategy))];
  return strategies.map((strategy) => {
    const mine = rows.filter((row) => row.strategy === strategy);
    // A failed run has no figures; the spread is over the runs that finished.
    const finished = mine.filter((row) => row.problem === undefined);
    const figures = Object.fromEntries(
      FIGURES.map(({ key }) => [key, spread(finished.map((row) => row[key]))]),
    ) as StrategySummary['figures'];
    return { strategy, runs: mine.length, failed: mine.filter((row) => !row.ok).length, figures };
  });
}

function figureChart(summaries: readonly StrategySummary[], key: (typeof FIGURES)[number]['key'], title: string): ChartSpec {
  return {
    id: key,
    title,
    width: 800,
    height: 400,
    config: {
      type: 'bar',
      data: {
        labels: summaries.map((s) => s.strategy),
        datasets: [
          { label: 'mean', data: summaries.map((s) => s.figures[key].mean), backgroundColor: color(0) },
          {
            label: 'lowest to highest seed',
            data: summaries.map((s) => [s.figures[key].min, s.figures[key].max]),
            backgroundColor: color(1),
          },
        ],
      },
      options: { animation: false, plugins: { title: { display: true, text: title } } },
    },
  };
}

const round = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : null);

export async function writeSweepReport(dir: string, rows: readonly SweepRow[], summaries: readonly StrategySummary[]): Promise<string[]> {
  await ensureDir(dir);
  const runsCsv = csv(
    ['strategy', 'seed', 'ok', 'jain', 'max_over_mean', 'completion_seconds', 'transfers', 'messages', 'problem'],
    rows.map((r) => [
      r.strategy,
      r.seed,
      r.ok,
      round(r.jain),
      round(r.maxOverMean),
      round(r.completionSeconds),
      r.transfers,
      r.messages,
      r.problem ?? '',
    ]),
  );
  const header = [
    'strategy',
    'runs',
    'failed',
    ...FIGURES.flatMap(({ key }) => [`${key}_mean`, `${key}_stddev`, `${key}_min`, `${key}_max`]),
  ];
  const summaryRows = summaries.map((s) => [
    s.strategy,
    s.runs,
    s.failed,
    ...FIGURES.flatMap(({ key }) => {
      const f = s.figures[key];
      return [round(f.mean), round(f.stddev), round(f.min), round(f.max)];
    }),
  ]);
  await writeAtomically(join(dir, 'runs.csv'), runsCsv);
  await writeAtomically(join(dir, 'summary.csv'), csv(header, summaryRows));
  const charts = FIGURES.map(({ key, title }) => figureChart(summaries, key, title));
  const { writePngs } = await import('../../reports/png.js');
  await writePngs(dir, charts);
  const table = htmlTable(header, summaryRows, 'Per strategy over every seed: mean, standard deviation, lowest, highest');
  await writeAtomically(join(dir, 'index.html'), renderPage('swarmsim sweep', [table], charts));
  return ['runs.csv', 'summary.csv', ...charts.map((chart) => `${chart.id}.png`), 'index.html'];
}
