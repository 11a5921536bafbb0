import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Chart as ChartJs } from 'chart.js';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium, SCREENSHOTS } from './helpers/browser.js';
import { runCharts } from '../reports/charts.js';
import { renderPage } from '../reports/html.js';
import { runSections, writeCompareReport } from '../reports/write.js';
import { summarize } from '../sim/sweep/compare.js';
import { writeSweepReport } from '../sim/sweep/sweep-report.js';
import { tempDir } from './helpers/files.js';
import { handMadeDoc } from './helpers/metrics.js';

declare const Chart: typeof ChartJs;

describe.skipIf(!HAS_CHROMIUM)('the HTML report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it.each([6, 512])(
    'draws every chart, logs no error and asks the network for nothing (%i clients)',
    async (clients) => {
      const doc = handMadeDoc(Array.from({ length: clients }, (_, i) => 1 + (i % 5)));
      const charts = runCharts(doc);
      const file = join(tempDir(), 'index.html');
      writeFileSync(file, renderPage('swarmsim run report', runSections(doc), charts));
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url);
      const drawn = await page.evaluate(() =>
        [...document.querySelectorAll('canvas')].map((canvas) => {
          const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
          let ink = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
          return { id: canvas.id, ink };
        }),
      );
      expect(drawn.map((c) => c.id)).toEqual(charts.map((spec) => `chart-${spec.id}`));
      for (const canvas of drawn) expect(canvas.ink, canvas.id).toBeGreaterThan(1000);
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      // Hovering a bar brings up its tooltip; clicking a legend entry hides that series.
      // The whole chart in view, legend included, so the pointer can reach every part of it.
      await page.evaluate(() => document.getElementById('chart-uploads')?.scrollIntoView({ block: 'start' }));
      const box = await page.locator('#chart-uploads').boundingBox();
      const bar = await page.evaluate(() => {
        const chart = Chart.getChart('chart-uploads');
        const element = chart?.getDatasetMeta(0).data[0] as unknown as { x: number; y: number; base: number } | undefined;
        return chart && element ? { x: element.x, y: (element.y + element.base) / 2, width: chart.width } : undefined;
      });
      if (!box || !bar) throw new Error('no uploads chart on the page');
      // Chart coordinates are in the chart's own pixels; the page may show the canvas scaled.
      const scale = box.width / bar.width;
      await page.mouse.move(box.x + bar.x * scale, box.y + bar.y * scale);
      // chart.js handles pointer events on the next animation frame: wait for it.
      await page.waitForFunction(() => (Chart.getChart('chart-uploads')?.tooltip?.getActiveElements().length ?? 0) > 0, null, {
        timeout: 5000,
      });
      const legend = await page.evaluate(() => {
        const item = Chart.getChart('chart-uploads')?.legend?.legendItems?.[0];
        const hitBox = (
          Chart.getChart('chart-uploads')?.legend as unknown as {
            legendHitBoxes: { left: number; top: number; width: number; height: number }[];
          }
        )?.legendHitBoxes?.[0];
        return item && hitBox ? { x: hitBox.left + hitBox.width / 2, y: hitBox.top + hitBox.height / 2 } : undefined;
      });
      if (!legend) throw new Error('no legend on the uploads chart');
      await page.mouse.click(box.x + legend.x * scale, box.y + legend.y * scale);
      await page.waitForFunction(
        () => [0, 1].filter((i) => Chart.getChart('chart-uploads')?.isDatasetVisible(i) === false).length === 1,
        null,
        {
          timeout: 5000,
        },
      );
      await page.screenshot({ path: join(SCREENSHOTS, `report-${clients}.png`), fullPage: true });
      await page.close();
    },
    60_000,
  );

  /** Opens a page at a width and says how it fits: overflow, captions, charts drawn at their shown size. */
  async function layoutAt(file: string, width: number, shot: string) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      figures: [...document.querySelectorAll('figure')].map((figure) => {
        const canvas = figure.querySelector('canvas') as HTMLCanvasElement;
        const chart = Chart.getChart(canvas);
        return {
          id: canvas.id,
          caption: figure.querySelector('figcaption')?.textContent ?? '',
          // Text is readable when the chart is drawn at the size it is shown, not shrunk.
          shownWidth: Math.round(canvas.getBoundingClientRect().width),
          drawnWidth: chart?.width ?? 0,
        };
      }),
      canvases: document.querySelectorAll('canvas').length,
    }));
    await page.screenshot({ path: join(SCREENSHOTS, shot), fullPage: true });
    return { page, layout };
  }

  function expectFits(layout: Awaited<ReturnType<typeof layoutAt>>['layout'], width: number): void {
    expect(layout.scrollWidth).toBe(layout.clientWidth);
    expect(layout.figures).toHaveLength(layout.canvases);
    for (const figure of layout.figures) {
      expect(figure.caption.length, figure.id).toBeGreaterThan(20);
      expect(figure.shownWidth, figure.id).toBeLessThanOrEqual(width);
      expect(Math.abs(figure.shownWidth - figure.drawnWidth), figure.id).toBeLessThanOrEqual(1);
    }
  }

  it('the run report fits 420 px, every chart has a caption, and the heat map its colour scale', async () => {
    const doc = handMadeDoc(Array.from({ length: 40 }, (_, i) => 1 + (i % 5)));
    const file = join(tempDir(), 'index.html');
    writeFileSync(file, renderPage('swarmsim run report', runSections(doc), runCharts(doc)));
    const { page, layout } = await layoutAt(file, 420, 'report-420.png');
    expectFits(layout, 420);
    // The scale: a bar of the map's hue right of the map, and its two ends written beside it.
    const scale = await page.evaluate(() => {
      const chart = Chart.getChart('chart-matrix');
      if (!chart) return undefined;
      const ratio = window.devicePixelRatio;
      const { right, top, bottom } = chart.chartArea;
      const ctx = chart.canvas.getContext('2d') as CanvasRenderingContext2D;
      const { data } = ctx.getImageData((right + 16) * ratio, top * ratio, 12 * ratio, (bottom - top) * ratio);
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 2] - data[i] > 20) blue++;
      const plugins = (chart.config as unknown as { plugins: { id: string }[] }).plugins.map((p) => p.id);
      return { blue, share: blue / (data.length / 4), plugins };
    });
    expect(scale?.plugins).toContain('swarmsimHeatScale');
    expect(scale?.share).toBeGreaterThan(0.5);
    await page.close();
  }, 60_000);

  it('the compare page fits 420 px and shades its heat maps on one scale', async () => {
    const dir = tempDir();
    await writeCompareReport(dir, [
      { label: 'even', doc: handMadeDoc([2, 2, 2]) },
      { label: 'skewed', doc: handMadeDoc([40, 1, 3]) },
    ]);
    const { page, layout } = await layoutAt(join(dir, 'index.html'), 420, 'compare-420.png');
    expectFits(layout, 420);
    const scales = await page.evaluate(() =>
      ['chart-matrix-1', 'chart-matrix-2'].map((id) => {
        const dataset = Chart.getChart(id)?.config.data.datasets[0] as unknown as { swarmsimMax: number; data: { v: number }[] };
        return { max: dataset.swarmsimMax, largest: Math.max(...dataset.data.map((cell) => cell.v)) };
      }),
    );
    expect(scales[0].max).toBe(scales[1].max);
    expect(scales[0].max).toBe(Math.max(scales[0].largest, scales[1].largest));
    expect(scales[0].largest).toBeLessThan(scales[0].max);
    await page.close();
  }, 60_000);

  it.each([1400, 420])(
    'the sweep page fits %i px, with a caption under every chart',
    async (width) => {
      const row = (strategy: string, seed: number, jain: number) => ({
        strategy,
        seed: String(seed),
        ok: true,
        jain,
        maxOverMean: 1.2 + seed / 10,
        medianCompletionSeconds: 3 + seed,
        completionSeconds: 5 + seed,
        transfers: 100,
        messages: 400 + seed,
      });
      const rows = ['round-robin', 'least-loaded', 'random', 'bandwidth', 'rarest-first', 'tit-for-tat'].flatMap((strategy, k) =>
        [1, 2, 3].map((seed) => row(strategy, seed, 0.7 + k / 20 + seed / 100)),
      );
      const dir = tempDir();
      await writeSweepReport(dir, rows, summarize(rows));
      const { page, layout } = await layoutAt(join(dir, 'index.html'), width, `sweep-${width}.png`);
      expectFits(layout, width);
      expect(layout.figures).toHaveLength(5);
      const headers = await page.evaluate(() => [...document.querySelectorAll('th')].map((th) => th.textContent ?? ''));
      expect(headers).toContain("Jain's index of uploads (1 = even), mean ± 95% CI (higher is better)");
      for (const header of headers) expect(header).not.toMatch(/_/);
      await page.close();
    },
    60_000,
  );
});
