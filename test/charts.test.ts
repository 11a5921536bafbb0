import { createCanvas, loadImage, type Image } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { groupLabel, groupRanks } from '../reports/chart-kit.js';
import { completionChart, runCharts, swarmChart, uploadsChart } from '../reports/charts.js';
import { compareCharts } from '../reports/compare-charts.js';
import { matrixChart } from '../reports/heat-map.js';
import { renderPng } from '../reports/png.js';
import { handMadeDoc } from './helpers/metrics.js';

type Dataset = { label: string; data: unknown[]; type?: string };
const datasets = (spec: { config: { data: { datasets: Record<string, unknown>[] } } }): Dataset[] =>
  spec.config.data.datasets as unknown as Dataset[];

/** The corner pixel and the share of pixels that are not white. */
function inked(image: Image): { corner: number[]; share: number } {
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) ink++;
  return { corner: [...data.subarray(0, 4)], share: ink / (data.length / 4) };
}

describe('chart figures (golden values, not pixels)', () => {
  it('uploads: one bar per client, the mean line, Jain in the title', () => {
    const spec = uploadsChart(handMadeDoc([10, 20, 30, 40]));
    expect(spec.config.data.labels).toEqual(['1', '2', '3', '4']);
    const [bars, mean] = datasets(spec);
    expect(bars.data).toEqual([10, 20, 30, 40]);
    expect(mean.data).toEqual([25, 25, 25, 25]);
    const title = (spec.config.options.plugins as { title: { text: string } }).title.text;
    expect(title).toBe("Uploads per client: Jain's index 0.833, max/mean 1.60");
  });

  it('uploads at 512 clients: grouped so no bar is thinner than a few pixels', () => {
    const uploads = Array.from({ length: 512 }, (_, i) => (i % 4) * 10);
    const spec = uploadsChart(handMadeDoc(uploads));
    const labels = spec.config.data.labels ?? [];
    expect(labels.length).toBeLessThanOrEqual(120);
    expect(spec.width / labels.length).toBeGreaterThanOrEqual(6);
    expect(labels[0]).toBe('1-5');
    // Each group of 5 holds ranks with uploads 0,10,20,30,0 (and so on): group means.
    expect(datasets(spec)[0].data[0]).toBe(12);
    expect(datasets(spec)[0].label).toBe('segments uploaded (mean per group of 5)');
  });

  it('matrix: cells sum segments, grouped to at most 64 per side', () => {
    const small = matrixChart(handMadeDoc([3, 3, 3]));
    const cells = datasets(small)[0].data as { v: number }[];
    expect(cells.reduce((n, c) => n + c.v, 0)).toBe(9);
    const large = matrixChart(handMadeDoc(Array.from({ length: 512 }, () => 2)));
    const labels = (large.config.options.scales as { x: { labels: string[] } }).x.labels;
    expect(labels.length).toBe(64);
    expect(labels[0]).toBe('1-8');
    expect((datasets(large)[0].data as { v: number }[]).reduce((n, c) => n + c.v, 0)).toBe(1024);
  });

  it('completion: a line per client when few, percentile bands when many', () => {
    expect(datasets(completionChart(handMadeDoc([4, 4, 4]))).map((d) => d.label)).toEqual(['rank 1', 'rank 2', 'rank 3']);
    const many = completionChart(handMadeDoc(Array.from({ length: 100 }, () => 4)));
    expect(datasets(many).map((d) => d.label)).toEqual(['slowest client', '10th percentile', 'median client', '90th percentile']);
    const median = datasets(many)[2].data as { x: number; y: number }[];
    expect(median[0].y).toBe(0);
    expect(median[median.length - 1].y).toBe(100);
  });

  it('swarms: a line per file when few, totals when many', () => {
    expect(datasets(swarmChart(handMadeDoc([2, 2], { files: 3 }))).map((d) => d.label)).toEqual(['file1', 'file2', 'file3']);
    expect(datasets(swarmChart(handMadeDoc([2, 2], { files: 40 }))).map((d) => d.label)).toEqual(['seeds, all files', 'peers, all files']);
  });

  it('comparison: one series per run, and a matrix per run', () => {
    const specs = compareCharts([
      { label: 'a', doc: handMadeDoc([5, 5]) },
      { label: 'b', doc: handMadeDoc([9, 1]) },
    ]);
    expect(specs.map((s) => s.id)).toEqual(['uploads', 'completion', 'swarms', 'matrix-1', 'matrix-2']);
    expect(datasets(specs[0]).map((d) => [d.label, d.data])).toEqual([
      ['a (Jain 1.000)', [5, 5]],
      ['b (Jain 0.610)', [9, 1]],
    ]);
  });

  it('groups ranks evenly and names groups by their ends', () => {
    expect(groupRanks([1, 2, 3, 4, 5], 2).map(groupLabel)).toEqual(['1-3', '4-5']);
    expect(groupRanks([7], 4).map(groupLabel)).toEqual(['7']);
  });
});

describe('PNG charts', () => {
  it.each([6, 512])('decode to the stated size on a white background, with something drawn (%i clients)', async (clients) => {
    const doc = handMadeDoc(Array.from({ length: clients }, (_, i) => 1 + (i % 7)));
    for (const spec of runCharts(doc)) {
      const png = await renderPng(spec);
      const image = await loadImage(png);
      expect([image.width, image.height], spec.id).toEqual([spec.width, spec.height]);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const { corner, share } = inked(image);
      expect(corner, spec.id).toEqual([255, 255, 255, 255]);
      expect(share, spec.id).toBeGreaterThan(0.01);
    }
  });
});
