/**
 * Adds to a chart spec the options chart.js takes only as functions (matrix cell size and
 * colour, tooltips). It must stay self-contained, with no reference outside its body:
 * html.ts inlines its source into the page so that both renderers draw the same chart.
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

export function hydrate(config: { type: string; data: { datasets: Record<string, unknown>[] }; options: Record<string, unknown> }): void {
  if (config.type !== 'matrix') return;
  for (const dataset of config.data.datasets) {
    const cells = Number(dataset.swarmsimCells) || 1;
    const max = Number(dataset.swarmsimMax) || 1;
    dataset.width = (context: CellContext) => (context.chart.chartArea ? context.chart.chartArea.width / cells - 1 : 0);
    dataset.height = (context: CellContext) => (context.chart.chartArea ? context.chart.chartArea.height / cells - 1 : 0);
    dataset.backgroundColor = (context: CellContext) => `rgba(78, 121, 167, ${(0.1 + (0.9 * (context.raw?.v ?? 0)) / max).toFixed(3)})`;
  }
  const plugins = (config.options.plugins ?? {}) as Record<string, unknown>;
  plugins.tooltip = {
    callbacks: {
      title: () => '',
      label: (context: CellContext) =>
        context.raw ? `downloader ${context.raw.y} got ${context.raw.v} segments from uploader ${context.raw.x}` : '',
    },
  };
  config.options.plugins = plugins;
}
