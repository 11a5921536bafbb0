/**
 * Adds to a chart spec what chart.js takes only as functions: matrix cell size and colour,
 * tooltips, and the plugins that draw the heat map's colour scale and counts and a time
 * chart's start-up band. Each function here must stay self-contained, referring to nothing
 * outside this file's functions: html.ts inlines their source (PAGE_FUNCTIONS) into the
 * page, so that both renderers draw the same chart.
 */
interface MatrixPoint {
  x: string;
  y: string;
  v: number;
}

interface CellContext {
  chart: { chartArea?: { width: number; height: number } };
  raw?: MatrixPoint;
}

/** The part of a 2D context the plugins use: the same on a browser canvas and on skia's. */
interface Ctx {
  fillStyle: unknown;
  strokeStyle: unknown;
  font: string;
  textAlign: string;
  textBaseline: string;
  lineWidth: number;
  save(): void;
  restore(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): { addColorStop(offset: number, color: string): void };
}

interface ChartLike {
  ctx: Ctx;
  chartArea: { left: number; right: number; top: number; bottom: number };
  scales: Record<string, { getPixelForValue(value: number): number } | undefined>;
  data: { datasets: { data: unknown[] }[] };
  getDatasetMeta(index: number): { data: { x: number; y: number; width: number; height: number }[] };
}

interface InlinePlugin {
  id: string;
  beforeDatasetsDraw?(chart: ChartLike): void;
  afterDatasetsDraw?(chart: ChartLike): void;
  afterDraw?(chart: ChartLike): void;
}

export type HydratedConfig = {
  type: string;
  data: { datasets: Record<string, unknown>[] };
  options: Record<string, unknown>;
  plugins?: InlinePlugin[];
};

/** A cell's shade: the faintest still visible at the smallest count, solid at `max`. */
export function heatAlpha(v: number, max: number): number {
  return 0.1 + (0.9 * v) / (max > 0 ? max : 1);
}

export function heatColour(v: number, max: number): string {
  return `rgba(78, 121, 167, ${heatAlpha(v, max).toFixed(3)})`;
}

/** The colour scale right of the map (its ends' counts), and each count in its cell where it fits. */
export function heatScale(min: number, max: number): InlinePlugin {
  return {
    id: 'swarmsimHeatScale',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const cells = chart.getDatasetMeta(0).data;
      const points = chart.data.datasets[0].data as MatrixPoint[];
      ctx.save();
      ctx.font = '11px sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      cells.forEach((cell, i) => {
        const text = String(points[i]?.v ?? '');
        if (cell.height < 14 || cell.width < ctx.measureText(text).width + 4) return;
        ctx.fillStyle = heatAlpha(points[i].v, max) > 0.55 ? '#ffffff' : '#222222';
        ctx.fillText(text, cell.x + cell.width / 2, cell.y + cell.height / 2);
      });
      ctx.restore();
    },
    afterDraw(chart) {
      const { ctx, chartArea } = chart;
      const left = chartArea.right + 16;
      const top = chartArea.top + 22;
      const bottom = chartArea.bottom;
      if (bottom - top < 20) return;
      const gradient = ctx.createLinearGradient(0, bottom, 0, top);
      gradient.addColorStop(0, heatColour(min, max));
      gradient.addColorStop(1, heatColour(max, max));
      ctx.save();
      ctx.fillStyle = gradient;
      ctx.fillRect(left, top, 12, bottom - top);
      ctx.strokeStyle = '#999999';
      ctx.lineWidth = 1;
      ctx.strokeRect(left, top, 12, bottom - top);
      ctx.fillStyle = '#444444';
      ctx.font = '12px sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText('segments', left, top - 6);
      ctx.textBaseline = 'top';
      ctx.fillText(String(max), left + 16, top);
      ctx.textBaseline = 'bottom';
      ctx.fillText(String(min), left + 16, bottom);
      ctx.restore();
    },
  };
}

/**
 * A grey band from the axis start to the first transfer, and above it, in the gap the
 * chart leaves under its title (timeOptions in chart-kit.ts), how long start-up took.
 */
export function startupBand(seconds: number, label: string): InlinePlugin {
  return {
    id: 'swarmsimStartup',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales.x;
      if (!x) return;
      const right = Math.min(chartArea.right, x.getPixelForValue(seconds));
      if (right <= chartArea.left) return;
      ctx.save();
      ctx.fillStyle = 'rgba(128, 128, 128, 0.2)';
      ctx.fillRect(chartArea.left, chartArea.top, right - chartArea.left, chartArea.bottom - chartArea.top);
      ctx.font = '12px sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillStyle = '#555555';
      ctx.fillText(label, chartArea.left, chartArea.top - 4);
      ctx.restore();
    },
  };
}

export function hydrate(config: HydratedConfig): void {
  const plugins = (config.options.plugins ?? {}) as Record<string, unknown>;
  const inline: InlinePlugin[] = [];
  const startup = plugins.swarmsimStartup as { seconds: number; label: string } | undefined;
  if (startup) inline.push(startupBand(startup.seconds, startup.label));
  if (config.type === 'matrix') {
    const dataset = config.data.datasets[0];
    const cells = Number(dataset.swarmsimCells) || 1;
    const max = Number(dataset.swarmsimMax) || 0;
    dataset.width = (context: CellContext) => (context.chart.chartArea ? context.chart.chartArea.width / cells - 1 : 0);
    dataset.height = (context: CellContext) => (context.chart.chartArea ? context.chart.chartArea.height / cells - 1 : 0);
    dataset.backgroundColor = (context: CellContext) => heatColour(context.raw?.v ?? 0, max);
    inline.push(heatScale(Number(dataset.swarmsimMin) || 0, max));
    plugins.tooltip = {
      callbacks: {
        title: () => '',
        label: (context: CellContext) =>
          context.raw ? `downloader ${context.raw.y} got ${context.raw.v} segments from uploader ${context.raw.x}` : '',
      },
    };
  }
  config.options.plugins = plugins;
  config.plugins = [...(config.plugins ?? []), ...inline];
}

/** Every function the page needs to hydrate a spec, in the order html.ts inlines them. */
export const PAGE_FUNCTIONS = [heatAlpha, heatColour, heatScale, startupBand, hydrate];
