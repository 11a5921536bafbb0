/**
 * `sim compare`: the same charts as a run's report with one series per run, and a heat map
 * per run, all on one colour scale so a shade means the same count in each.
 */
import {
  clientsOf,
  color,
  countScale,
  groupLabel,
  groupRanks,
  lineDataset,
  MAX_BARS,
  mean,
  options,
  axes,
  timeOptions,
  wideChart,
  type ChartSpec,
} from './chart-kit.js';
import type { MetricsDocument } from './document.js';
import { matrixChart, shareMatrixScale } from './heat-map.js';
import { endTime, grid, timeAxis, valueAt } from './time-axis.js';

export interface LabelledRun {
  label: string;
  doc: MetricsDocument;
}

/** Side by side: uploads per client, clients finished over time, swarm members, one series per run. */
export function compareCharts(runs: readonly LabelledRun[]): ChartSpec[] {
  const ranks = [...new Set(runs.flatMap(({ doc }) => clientsOf(doc).map((r) => r.rank)))].sort((a, b) => a - b);
  const groups = groupRanks(ranks, Math.floor(MAX_BARS / Math.max(1, runs.length)));
  const uploads: ChartSpec = wideChart(
    'uploads',
    'Uploads per client',
    'bar',
    {
      labels: groups.map(groupLabel),
      datasets: runs.map(({ label, doc }, i) => {
        const byRank = new Map(doc.ranks.map((r) => [r.rank, r.uploaded]));
        return {
          type: 'bar',
          label: `${label} (Jain ${doc.load.jain.toFixed(3)})`,
          data: groups.map((g) => mean(g.map((rank) => byRank.get(rank) ?? 0))),
          backgroundColor: color(i),
        };
      }),
    },
    options('Uploads per client', axes(groups[0]?.length > 1 ? 'client ranks' : 'client rank', 'segments uploaded')),
    'The run whose bars are the most even spread its load best; tall bars are hot spots.',
  );
  const docs = runs.map((r) => r.doc);
  const end = endTime(docs);
  const axis = timeAxis(docs);
  const finished: ChartSpec = wideChart(
    'completion',
    'Clients finished over time',
    'line',
    {
      datasets: runs.map(({ label, doc }, i) => {
        const times = doc.ranks.flatMap((r) => (r.completedSeconds === null ? [] : [r.completedSeconds])).sort((a, b) => a - b);
        const points = [{ x: 0, y: 0 }, ...times.map((t, k) => ({ x: t, y: k + 1 })), { x: end, y: times.length }];
        return lineDataset(label, points, i);
      }),
    },
    timeOptions('Clients holding all their wanted files', axis, countScale('clients finished')),
    'The line that climbs first and steepest finished its clients soonest.',
  );
  const times = grid(axis, end);
  const swarms: ChartSpec = wideChart(
    'swarms',
    'Swarm growth',
    'line',
    {
      datasets: runs.map(({ label, doc }, i) =>
        lineDataset(
          label,
          times.map((t) => ({ x: t, y: doc.timeline.swarms.reduce((n, s) => n + valueAt(s.samples, t, 1) + valueAt(s.samples, t, 2), 0) })),
          i,
          { stepped: false },
        ),
      ),
    },
    timeOptions('Swarm members over all files', axis, countScale('swarm members')),
    'Swarms grow as clients register; a run whose line rises later started serving later.',
  );
  const matrices = runs.map(({ label, doc }, i) => ({ ...matrixChart(doc, `Who served whom: ${label}`), id: `matrix-${i + 1}` }));
  return [uploads, finished, swarms, ...shareMatrixScale(matrices)];
}
