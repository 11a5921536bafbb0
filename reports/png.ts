/** Draws chart specs to PNG: chart.js on @napi-rs/canvas (prebuilt, no system cairo needed). */
import { join } from 'node:path';
import { writeAtomically } from '../sim/job/files.js';
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import type { ChartSpec } from './chart-kit.js';
import { hydrate, type HydratedConfig } from './hydrate.js';

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

function draw(spec: ChartSpec): { canvas: Canvas; chart: Chart } {
  const canvas = createCanvas(spec.width, spec.height);
  const config: HydratedConfig = structuredClone(spec.config);
  hydrate(config);
  // chart.js is typed for the DOM; the skia context implements the same 2D API.
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    ...(config as unknown as ChartConfiguration),
    plugins: [whiteBackground, ...((config.plugins ?? []) as unknown as Plugin[])],
  });
  return { canvas, chart };
}

/**
 * Draws every chart, then encodes them all at once: encoding, half the cost of a chart,
 * runs on libuv's threads, in parallel and off the main thread. A chart is destroyed (which
 * clears its canvas) only once its PNG is made.
 */
export async function renderPngs(specs: readonly ChartSpec[]): Promise<Buffer[]> {
  const drawn = specs.map(draw);
  try {
    return await Promise.all(drawn.map(({ canvas }) => canvas.encode('png')));
  } finally {
    for (const { chart } of drawn) chart.destroy();
  }
}

export async function renderPng(spec: ChartSpec): Promise<Buffer> {
  const [png] = await renderPngs([spec]);
  return png;
}

/** Writes each chart to `<dir>/<id>.png`; returns the file names. */
export async function writePngs(dir: string, specs: readonly ChartSpec[]): Promise<string[]> {
  const pngs = await renderPngs(specs);
  const names = specs.map((spec) => `${spec.id}.png`);
  await Promise.all(names.map((name, i) => writeAtomically(join(dir, name), pngs[i])));
  return names;
}
