/** Draws chart specs to PNG: chart.js on @napi-rs/canvas (prebuilt, no system cairo needed). */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import type { ChartSpec } from './charts.js';
import { hydrate } from './hydrate.js';

Chart.register(...registerables, MatrixController, MatrixElement);

const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

export function renderPng(spec: ChartSpec): Buffer {
  const canvas = createCanvas(spec.width, spec.height);
  const config = structuredClone(spec.config);
  hydrate(config);
  // chart.js is typed for the DOM; the skia context implements the same 2D API.
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    ...(config as unknown as ChartConfiguration),
    plugins: [whiteBackground],
  });
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
