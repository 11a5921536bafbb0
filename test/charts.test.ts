import { createCanvas, loadImage, type Image } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { groupLabel, groupRanks } from '../reports/chart-kit.js';
import { completionChart, runCharts, swarmChart, uploadsChart } from '../reports/charts.js';
import { compareCharts } from '../reports/compare-charts.js';
import { matrixChart, shareMatrixScale } from '../reports/heat-map.js';
import { heatScale, hydrate, type HydratedConfig } from '../reports/hydrate.js';
import { firstTransferSeconds, timeAxis } from '../reports/time-axis.js';
import { summarize } from '../sim/sweep/compare.js';
import { sweepCharts } from '../sim/sweep/sweep-report.js';
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

  it('time axes start just before the first transfer, and the band says how long start-up took', () => {
    // handMadeDoc: the first client first holds a segment at 0.5 s; the last sample is at 1 + 2/30 s.
    const doc = handMadeDoc([3, 3, 3]);
    expect(firstTransferSeconds([doc])).toBe(0.5);
    const axis = timeAxis([doc]);
    expect(axis.startup).toBe(0.5);
    expect(axis.min).toBeCloseTo(0.46, 10);
    for (const spec of [completionChart(doc), swarmChart(doc)]) {
      const { scales, plugins } = spec.config.options as { scales: { x: { min: number } }; plugins: Record<string, unknown> };
      expect(scales.x.min, spec.id).toBe(axis.min);
      expect(plugins.swarmsimStartup, spec.id).toEqual({ seconds: 0.5, label: 'start-up took 0.5 s' });
    }
  });

  it('time axes start at 0, with no band, when the first transfer is at 0 or there is none', () => {
    const doc = handMadeDoc([3, 3]);
    doc.timeline.clients[0].samples[0] = [0, 1];
    expect(timeAxis([doc])).toEqual({ min: 0, startup: 0 });
    const idle = handMadeDoc([0, 0]);
    expect(firstTransferSeconds([idle])).toBeUndefined();
    const { plugins } = completionChart(idle).config.options as { plugins: Record<string, unknown> };
    expect(plugins.swarmsimStartup).toBeUndefined();
  });

  it('heat map: the colour scale runs from the smallest cell to the largest', () => {
    const cells = datasets(matrixChart(handMadeDoc([1, 5, 2])))[0] as unknown as {
      data: { v: number }[];
      swarmsimMin: number;
      swarmsimMax: number;
    };
    const counts = cells.data.map((c) => c.v);
    expect([cells.swarmsimMin, cells.swarmsimMax]).toEqual([Math.min(...counts), Math.max(...counts)]);
    expect(cells.swarmsimMax).toBeGreaterThan(cells.swarmsimMin);
  });

  it('comparison: every heat map is shaded on one scale, the largest and smallest over all runs', () => {
    const alone = [handMadeDoc([2, 2]), handMadeDoc([30, 1])].map(
      (doc) => datasets(matrixChart(doc))[0] as unknown as Record<string, number>,
    );
    expect(alone.map((d) => d.swarmsimMax)).toEqual([2, 30]);
    const specs = compareCharts([
      { label: 'a', doc: handMadeDoc([2, 2]) },
      { label: 'b', doc: handMadeDoc([30, 1]) },
    ]);
    const scales = specs.filter((s) => s.config.type === 'matrix').map((s) => datasets(s)[0] as unknown as Record<string, number>);
    expect(scales.map((d) => [d.swarmsimMin, d.swarmsimMax])).toEqual([
      [1, 30],
      [1, 30],
    ]);
    // Charts that are not heat maps come back as they were.
    const uploads = compareCharts([{ label: 'a', doc: handMadeDoc([2, 2]) }])[0];
    expect(shareMatrixScale([uploads])).toEqual([uploads]);
  });

  it('every chart has a one-line caption', () => {
    const doc = handMadeDoc([3, 4, 5]);
    const specs = [...runCharts(doc), ...compareCharts([{ label: 'a', doc }])];
    for (const spec of specs) expect(spec.caption, spec.id).toMatch(/^[A-Z][^\n]{20,140}\.$/);
  });

  it('sweep charts are titled with labels a person reads, not column names', () => {
    const row = (strategy: string, seed: number, jain: number) => ({
      strategy,
      seed: String(seed),
      ok: true,
      jain,
      maxOverMean: 1.5,
      medianCompletionSeconds: 2,
      completionSeconds: 3,
      transfers: 10,
      messages: 40 + seed,
    });
    const specs = sweepCharts(summarize([row('a', 1, 0.9), row('a', 2, 0.8), row('b', 1, 0.5), row('b', 2, 0.6)]));
    const titles = specs.map((s) => (s.config.options.plugins as { title: { text: string } }).title.text);
    expect(titles[0]).toBe("Jain's index of uploads (1 = even), mean ± 95% CI");
    for (const [i, title] of titles.entries()) {
      expect(title).not.toMatch(/_|jain|maxOverMean|Seconds/);
      expect(specs[i].caption).toMatch(/(Taller|Shorter) bars are better/);
    }
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

/** A 2D context that records what was written where. */
function recordingChart(cells: { x: number; y: number; width: number; height: number }[], counts: number[]) {
  const texts: { text: string; x: number; y: number }[] = [];
  const ctx = {
    fillStyle: '' as unknown,
    strokeStyle: '' as unknown,
    font: '',
    textAlign: '',
    textBaseline: '',
    lineWidth: 1,
    save: () => {},
    restore: () => {},
    fillRect: () => {},
    strokeRect: () => {},
    fillText: (text: string, x: number, y: number) => texts.push({ text, x, y }),
    measureText: (text: string) => ({ width: 6 * text.length }),
    createLinearGradient: () => ({ addColorStop: () => {} }),
  };
  const chart = {
    ctx,
    chartArea: { left: 50, right: 350, top: 40, bottom: 340 },
    scales: {},
    data: { datasets: [{ data: counts.map((v) => ({ x: '1', y: '1', v })) }] },
    getDatasetMeta: () => ({ data: cells }),
  };
  return { chart, texts };
}

describe('the heat map plugin', () => {
  it('writes a count in each cell big enough for it, and the scale with its two ends', () => {
    const { chart, texts } = recordingChart(
      [
        { x: 50, y: 40, width: 40, height: 30 },
        { x: 90, y: 40, width: 8, height: 8 },
      ],
      [12, 3],
    );
    const plugin = heatScale(3, 12);
    plugin.afterDatasetsDraw?.(chart);
    expect(texts).toEqual([{ text: '12', x: 70, y: 55 }]);
    texts.length = 0;
    plugin.afterDraw?.(chart);
    expect(texts.map((t) => t.text)).toEqual(['segments', '12', '3']);
    // Right of the map, the largest count at the top.
    expect(texts.every((t) => t.x > chart.chartArea.right)).toBe(true);
    expect(texts[1].y).toBeLessThan(texts[2].y);
  });

  it('is added by hydrate to heat maps only, and the start-up band to charts that have one', () => {
    const doc = handMadeDoc([3, 3, 3]);
    const ids = (spec: { config: unknown }): string[] => {
      const config = structuredClone(spec.config) as HydratedConfig;
      hydrate(config);
      return (config.plugins ?? []).map((p) => p.id);
    };
    expect(ids(matrixChart(doc))).toEqual(['swarmsimHeatScale']);
    expect(ids(completionChart(doc))).toEqual(['swarmsimStartup']);
    expect(ids(uploadsChart(doc))).toEqual([]);
  });
});

/** Pixels in a column band of an image that are clearly blue (the heat map's hue). */
async function bluePixels(png: Buffer, fromRight: number, width: number): Promise<number> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(image.width - fromRight, 0, width, image.height);
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i + 2] - data[i] > 40) blue++;
  return blue;
}

describe('the heat map PNG', () => {
  it('draws its colour scale right of the map', async () => {
    const png = await renderPng(matrixChart(handMadeDoc([4, 8, 12, 16])));
    // The scale lies in the room kept right of the map.
    expect(await bluePixels(png, 84, 84)).toBeGreaterThan(500);
  });
});
