import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Chart as ChartJs } from 'chart.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCharts } from '../reports/charts.js';
import { renderPage } from '../reports/html.js';
import { runSections } from '../reports/write.js';
import { tempDir } from './helpers/files.js';
import { handMadeDoc } from './helpers/metrics.js';

declare const Chart: typeof ChartJs;

const CHROMIUM = '/usr/bin/chromium';
/** Where CI finds the screenshot it keeps. */
const SCREENSHOTS = fileURLToPath(new URL('../out/screenshots/', import.meta.url));

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
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
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `report-${clients}.png`), fullPage: true });
      await page.close();
    },
    60_000,
  );
});
