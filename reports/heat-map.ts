/**
 * Who served whom as a heat map (chartjs-chart-matrix): rows are downloaders, columns
 * uploaders, ranks grouped to at most 64 a side. hydrate.ts shades the cells and draws the
 * colour scale from the range recorded here; a comparison puts every map on one scale.
 */
import { clientsOf, groupLabel, groupRanks, options, type ChartSpec } from './chart-kit.js';
import type { MetricsDocument } from './document.js';

const MAX_CELLS = 64;
/** Room right of the heat map for its colour scale (hydrate.ts draws it there). */
const SCALE_ROOM = 84;

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
  const axis = (text: string): Record<string, unknown> => ({
    type: 'category',
    labels,
    offset: true,
    grid: { display: false },
    title: { display: true, text },
  });
  return {
    id: 'matrix',
    title: 'Who served whom',
    width: side + SCALE_ROOM,
    height: side,
    caption: 'Darker cells mean more segments; a dark column is a busy uploader, a row with few cells a client served by few.',
    config: {
      type: 'matrix',
      data: {
        datasets: [
          {
            label: 'segments',
            data,
            // Read by hydrate(): cell size, and the colour scale's ends.
            swarmsimCells: groups.length,
            ...cellRange(data),
            borderWidth: 0,
          },
        ],
      },
      options: options(
        title,
        { x: axis('uploader rank'), y: axis('downloader rank') },
        { layout: { padding: { right: SCALE_ROOM } } },
        { legend: { display: false } },
      ),
    },
  };
}

/** The smallest and largest cell: the ends of the colour scale. */
function cellRange(cells: readonly { v: number }[]): { swarmsimMin: number; swarmsimMax: number } {
  let min = Infinity;
  let max = 0;
  for (const { v } of cells) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { swarmsimMin: Number.isFinite(min) ? min : 0, swarmsimMax: max };
}

/**
 * Puts every heat map on one colour scale, from the smallest cell of any to the largest,
 * so that the same shade means the same count in each. Other charts are left as they are.
 */
export function shareMatrixScale(specs: readonly ChartSpec[]): ChartSpec[] {
  const matrices = specs.flatMap((spec) => (spec.config.type === 'matrix' ? spec.config.data.datasets : []));
  if (matrices.length === 0) return [...specs];
  const min = Math.min(...matrices.map((d) => Number(d.swarmsimMin)));
  const max = Math.max(...matrices.map((d) => Number(d.swarmsimMax)));
  return specs.map((spec) =>
    spec.config.type !== 'matrix'
      ? spec
      : {
          ...spec,
          config: {
            ...spec.config,
            data: { ...spec.config.data, datasets: spec.config.data.datasets.map((d) => ({ ...d, swarmsimMin: min, swarmsimMax: max })) },
          },
        },
  );
}
