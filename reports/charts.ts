/**
 * The charts of one run's report: uploads per client, who served whom, completion and
 * swarm growth over time.
 */
import type { MetricsDocument, Samples } from './document.js';
import {
  axes,
  clientsOf,
  countScale,
  groupLabel,
  groupRanks,
  lineDataset,
  MAX_BARS,
  mean,
  MUTED,
  options,
  PALETTE,
  percentile,
  timeOptions,
  wideChart,
  type ChartSpec,
} from './chart-kit.js';
import { matrixChart } from './heat-map.js';
import { endTime, grid, timeAxis, valueAt } from './time-axis.js';

const MAX_LINES = 20;
const MAX_FILES = 12;

/** Uploads per client (grouped when many), the mean over the clients that could serve, Jain's index in the title. */
export function uploadsChart(doc: MetricsDocument): ChartSpec {
  const clients = clientsOf(doc);
  const byRank = new Map(clients.map((r) => [r.rank, r]));
  const groups = groupRanks(
    clients.map((r) => r.rank),
    MAX_BARS,
  );
  const grouped = groups[0]?.length > 1;
  const uploads = groups.map((g) => mean(g.map((rank) => byRank.get(rank)?.uploaded ?? 0)));
  const serving = groups.map((g) => g.some((rank) => byRank.get(rank)?.couldServe));
  const { jain, maxOverMean } = doc.load;
  const title = `Uploads per client: Jain's index ${jain.toFixed(3)}, max/mean ${maxOverMean.toFixed(2)}`;
  return wideChart(
    'uploads',
    'Uploads per client',
    'bar',
    {
      labels: groups.map(groupLabel),
      datasets: [
        {
          type: 'bar',
          label: grouped ? `segments uploaded (mean per group of ${groups[0].length})` : 'segments uploaded',
          data: uploads,
          backgroundColor: serving.map((s) => (s ? PALETTE[0] : MUTED)),
          order: 2,
        },
        {
          type: 'line',
          label: `mean over the ${doc.load.servers.length} clients that could serve`,
          data: uploads.map(() => doc.load.mean),
          borderColor: PALETTE[2],
          backgroundColor: PALETTE[2],
          borderDash: [6, 4],
          pointRadius: 0,
          order: 1,
        },
      ],
    },
    options(title, axes(grouped ? 'client ranks' : 'client rank', 'segments uploaded')),
    'Even bars mean the load was spread evenly; one tall bar is a hot spot, grey bars are clients nobody could ask.',
  );
}

/** Per client, the share of its wanted segments held over time (percentiles when many). */
export function completionChart(doc: MetricsDocument): ChartSpec {
  const wanted = new Map(doc.ranks.map((r) => [r.rank, r.wanted]));
  const timelines = doc.timeline.clients.filter((c) => (wanted.get(c.rank) ?? 0) > 0);
  const percent = (rank: number, held: number): number => (100 * held) / (wanted.get(rank) ?? 1);
  const axis = timeAxis([doc]);
  let datasets: Record<string, unknown>[];
  if (timelines.length <= MAX_LINES) {
    datasets = timelines.map(({ rank, samples }, i) =>
      lineDataset(
        `rank ${rank}`,
        samples.map((row) => ({ x: row[0], y: percent(rank, row[1]) })),
        i,
      ),
    );
  } else {
    const times = grid(axis, endTime([doc]));
    const at = times.map((t) => timelines.map(({ rank, samples }) => percent(rank, valueAt(samples, t))).sort((a, b) => a - b));
    const band = (p: number, label: string, i: number): Record<string, unknown> =>
      lineDataset(
        label,
        times.map((t, k) => ({ x: t, y: percentile(at[k], p) })),
        i,
        { stepped: false },
      );
    datasets = [
      band(0, 'slowest client', 2),
      band(0.1, '10th percentile', 1),
      band(0.5, 'median client', 0),
      band(0.9, '90th percentile', 4),
    ];
  }
  return wideChart(
    'completion',
    'Completion over time',
    'line',
    { datasets },
    timeOptions(timelines.length <= MAX_LINES ? 'Completion of each client' : `Completion of ${timelines.length} clients`, axis, {
      type: 'linear',
      min: 0,
      max: 100,
      title: { display: true, text: '% of wanted segments held' },
    }),
    'Steep lines mean fast downloads; a line that lags far behind the others is a client left waiting.',
  );
}

/** Swarm size per file over time (totals when there are many files). */
export function swarmChart(doc: MetricsDocument): ChartSpec {
  const swarms = doc.timeline.swarms;
  const end = endTime([doc]);
  const axis = timeAxis([doc]);
  let datasets: Record<string, unknown>[];
  if (swarms.length <= MAX_FILES) {
    datasets = swarms.map(({ file, samples }, i) =>
      lineDataset(
        file,
        [...samples.map((row) => ({ x: row[0], y: row[1] + row[2] })), { x: end, y: last(samples, 1) + last(samples, 2) }],
        i,
      ),
    );
  } else {
    const times = grid(axis, end);
    const total = (column: number): { x: number; y: number }[] =>
      times.map((t) => ({ x: t, y: swarms.reduce((n, s) => n + valueAt(s.samples, t, column), 0) }));
    datasets = [lineDataset('seeds, all files', total(1), 0), lineDataset('peers, all files', total(2), 1)];
  }
  return wideChart(
    'swarms',
    'Swarm growth',
    'line',
    { datasets },
    timeOptions(
      swarms.length <= MAX_FILES ? 'Swarm members (seeds + peers) per file' : `Swarm members over ${swarms.length} files`,
      axis,
      countScale('swarm members'),
    ),
    'Lines climb as clients register and finish; a file whose line stays low had few sources to download from.',
  );
}

function last(samples: Samples, column: number): number {
  return samples.length === 0 ? 0 : samples[samples.length - 1][column];
}

export function runCharts(doc: MetricsDocument): ChartSpec[] {
  return [uploadsChart(doc), matrixChart(doc), completionChart(doc), swarmChart(doc)];
}
