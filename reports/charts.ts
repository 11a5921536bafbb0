/**
 * Chart specifications: plain, JSON-safe chart.js configurations built from metrics
 * documents. The same specs are drawn to PNG (png.ts) and in the HTML page (html.ts);
 * the few options chart.js wants as functions are added on both sides by hydrate.ts.
 * Many ranks are grouped so that no bar or cell is thinner than a few pixels.
 */
import type { MetricsDocument, RankMetrics, Samples } from './document.js';

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
  config: ChartConfig;
}

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const MUTED = '#c8c8c8';
const WIDE = { width: 1000, height: 500 };
/** At 1000 px, 120 bars leave each about 6 px. */
const MAX_BARS = 120;
const MAX_CELLS = 64;
const MAX_LINES = 20;
const MAX_FILES = 12;
const GRID_POINTS = 120;

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

const clientsOf = (doc: MetricsDocument): RankMetrics[] => doc.ranks.filter((r) => r.role === 'client');

export function axes(x: string, y: string, xType = 'category'): Record<string, unknown> {
  return {
    x: { type: xType, title: { display: true, text: x }, ...(xType === 'linear' ? { min: 0 } : {}) },
    // Every y axis here counts things (segments, clients, members): no fractional ticks.
    y: { type: 'linear', beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: y } },
  };
}

export function options(title: string, scales: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    animation: false,
    responsive: false,
    maintainAspectRatio: false,
    plugins: { title: { display: true, text: title, font: { size: 16 } }, legend: { position: 'bottom' } },
    scales,
    ...extra,
  };
}

/** A chart of the usual wide size. */
export function wideChart(
  id: string,
  title: string,
  type: string,
  data: ChartConfig['data'],
  chartOptions: Record<string, unknown>,
): ChartSpec {
  return { id, title, ...WIDE, config: { type, data, options: chartOptions } };
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

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
  );
}

/** Who served whom: segments by downloader (rows) and uploader (columns), in rank groups when many. */
export function matrixChart(doc: MetricsDocument, title = 'Segments by downloader and uploader'): ChartSpec {
  const groups = groupRanks(
    clientsOf(doc).map((r) => r.rank),
    MAX_CELLS,
  );
  const groupOf = new Map<number, number>();
  groups.forEach((g, i) => g.forEach((rank) => groupOf.set(rank, i)));
  const labels = groups.map(groupLabel);
  const cells = new Map<string, { x: string; y: string; v: number }>();
  for (const [downloader, uploader, segments] of doc.matrix) {
    const y = groupOf.get(downloader);
    const x = groupOf.get(uploader);
    if (x === undefined || y === undefined) continue;
    const key = `${x},${y}`;
    const cell = cells.get(key) ?? { x: labels[x], y: labels[y], v: 0 };
    cell.v += segments;
    cells.set(key, cell);
  }
  const data = [...cells.values()];
  const side = Math.min(900, Math.max(420, groups.length * 14 + 160));
  return {
    id: 'matrix',
    title: 'Who served whom',
    width: side + 60,
    height: side,
    config: {
      type: 'matrix',
      data: {
        datasets: [
          {
            label: 'segments',
            data,
            // Read by hydrate(): cell size and colour scale.
            swarmsimCells: groups.length,
            swarmsimMax: data.reduce((m, c) => Math.max(m, c.v), 0),
            borderWidth: 0,
          },
        ],
      },
      options: options(
        title,
        {
          x: { type: 'category', labels, offset: true, grid: { display: false }, title: { display: true, text: 'uploader rank' } },
          y: { type: 'category', labels, offset: true, grid: { display: false }, title: { display: true, text: 'downloader rank' } },
        },
        { plugins: { title: { display: true, text: title, font: { size: 16 } }, legend: { display: false } } },
      ),
    },
  };
}

/** The value of a step series (rows sorted by time) at time t. */
function valueAt(samples: Samples, t: number, column = 1): number {
  let value = 0;
  for (const row of samples) {
    if (row[0] > t) break;
    value = row[column];
  }
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function endTime(docs: readonly MetricsDocument[]): number {
  let end = 0;
  for (const doc of docs) {
    for (const { samples } of doc.timeline.clients) for (const row of samples) end = Math.max(end, row[0]);
  }
  return end;
}

const grid = (end: number): number[] => Array.from({ length: GRID_POINTS + 1 }, (_, i) => (end * i) / GRID_POINTS);

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

/** Per client, the share of its wanted segments held over time (percentiles when many). */
export function completionChart(doc: MetricsDocument): ChartSpec {
  const wanted = new Map(doc.ranks.map((r) => [r.rank, r.wanted]));
  const timelines = doc.timeline.clients.filter((c) => (wanted.get(c.rank) ?? 0) > 0);
  const percent = (rank: number, held: number): number => (100 * held) / (wanted.get(rank) ?? 1);
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
    const times = grid(endTime([doc]));
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
    options(timelines.length <= MAX_LINES ? 'Completion of each client' : `Completion of ${timelines.length} clients`, {
      ...axes('seconds since start', '% of wanted segments held', 'linear'),
      y: { type: 'linear', min: 0, max: 100, title: { display: true, text: '% of wanted segments held' } },
    }),
  );
}

/** Swarm size per file over time (totals when there are many files). */
export function swarmChart(doc: MetricsDocument): ChartSpec {
  const swarms = doc.timeline.swarms;
  let end = endTime([doc]);
  for (const { samples } of swarms) for (const row of samples) end = Math.max(end, row[0]);
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
    const times = grid(end);
    const total = (column: number): { x: number; y: number }[] =>
      times.map((t) => ({ x: t, y: swarms.reduce((n, s) => n + valueAt(s.samples, t, column), 0) }));
    datasets = [lineDataset('seeds, all files', total(1), 0), lineDataset('peers, all files', total(2), 1)];
  }
  return wideChart(
    'swarms',
    'Swarm growth',
    'line',
    { datasets },
    options(
      swarms.length <= MAX_FILES ? 'Swarm members (seeds + peers) per file' : `Swarm members over ${swarms.length} files`,
      axes('seconds since start', 'swarm members', 'linear'),
    ),
  );
}

function last(samples: Samples, column: number): number {
  return samples.length === 0 ? 0 : samples[samples.length - 1][column];
}

export function runCharts(doc: MetricsDocument): ChartSpec[] {
  return [uploadsChart(doc), matrixChart(doc), completionChart(doc), swarmChart(doc)];
}

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
  );
  const end = endTime(runs.map((r) => r.doc));
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
    options('Clients holding all their wanted files', axes('seconds since start', 'clients finished', 'linear')),
  );
  const swarms: ChartSpec = wideChart(
    'swarms',
    'Swarm growth',
    'line',
    {
      datasets: runs.map(({ label, doc }, i) => {
        const times = grid(end);
        return lineDataset(
          label,
          times.map((t) => ({ x: t, y: doc.timeline.swarms.reduce((n, s) => n + valueAt(s.samples, t, 1) + valueAt(s.samples, t, 2), 0) })),
          i,
          { stepped: false },
        );
      }),
    },
    options('Swarm members over all files', axes('seconds since start', 'swarm members', 'linear')),
  );
  const matrices = runs.map(({ label, doc }, i) => ({ ...matrixChart(doc, `Who served whom: ${label}`), id: `matrix-${i + 1}` }));
  return [uploads, finished, swarms, ...matrices];
}
