import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium, SCREENSHOTS } from './helpers/browser.js';
import type { MetricsDocument } from '../reports/document.js';
import { sim } from './helpers/cli.js';
import { tracedRun } from './helpers/replay.js';

/** `sim view` on a fresh traced run: the page's path and the run. */
function viewed(ranks: number, files: number, segments: string, seed: string): { page: string; out: string; doc: MetricsDocument } {
  const run = tracedRun(ranks, files, segments, seed);
  const result = sim('view', run.out);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(`${join(run.out, 'replay.html')}\n`);
  return { page: join(run.out, 'replay.html'), ...run };
}

/** Opens the page, recording every request and every error or warning it logs. */
async function open(browser: Browser, file: string): Promise<{ page: Page; requests: string[]; problems: string[]; url: string }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  const url = pathToFileURL(file).href;
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return { page, requests, problems, url };
}

/** Moves the slider as a user does, returning how long the page took to seek and redraw. */
function seek(page: Page, time: number): Promise<number> {
  return page.$eval(
    '#time',
    (slider, t) => {
      const input = slider as HTMLInputElement;
      const start = performance.now();
      input.value = String(t);
      input.dispatchEvent(new Event('input'));
      return performance.now() - start;
    },
    time,
  );
}

/** The canvas's pixels, as a PNG data URL (a readback through getImageData would make Chromium warn). */
function pixels(page: Page): Promise<string> {
  return page.$eval('#replay', (canvas) => (canvas as HTMLCanvasElement).toDataURL());
}

const dataset = (page: Page, selector: string): Promise<Record<string, string | undefined>> =>
  page.$eval(selector, (element) => ({ ...(element as HTMLElement).dataset }));

/** Clicks the canvas in the middle of row `row` (rows are as the page laid them out). */
async function clickRow(page: Page, row: number): Promise<void> {
  const box = await page.locator('#replay').boundingBox();
  const height = await page.$eval('#replay', (canvas) => (canvas as HTMLCanvasElement).height);
  if (!box) throw new Error('no canvas');
  const rows = Number(await page.$eval('#replay', (canvas) => (canvas as HTMLElement).dataset.rows));
  const rowH = (height - 26) / rows;
  await page.mouse.click(box.x + box.width / 2, box.y + ((20 + (row + 0.5) * rowH) * box.height) / height);
}

/** What rank `rank` did up to `time`, counted from the trace itself. */
function countedFromTrace(trace: string, rank: number, time: number): Record<string, number> {
  const lines = readFileSync(trace, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { t: number; from: number; to: number; tag: string })
    .filter((line) => line.t <= time);
  const count = (tag: string, side: 'from' | 'to'): number => lines.filter((line) => line.tag === tag && line[side] === rank).length;
  return {
    uploaded: count('ACK', 'from'),
    downloaded: count('ACK', 'to'),
    requests: count('SEGMENT_REQUEST', 'from'),
    nacksSent: count('NACK', 'from'),
    nacksReceived: count('NACK', 'to'),
  };
}

const counters = (panel: Record<string, string | undefined>): Record<string, number> =>
  Object.fromEntries(['uploaded', 'downloaded', 'requests', 'nacksSent', 'nacksReceived'].map((key) => [key, Number(panel[key])]));

describe.skipIf(!HAS_CHROMIUM)('the replay page in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('replays 6 ranks: the slider moves the strips, play advances time, a click shows a client at that time', async () => {
    const { page: file, out, doc } = viewed(6, 3, '20-60', 'replay-page');
    const { page, requests, problems, url } = await open(browser, file);
    expect(requests).toEqual([url]);
    const start = await pixels(page);
    expect((await dataset(page, '#replay')).transfers).toBe('0');
    // A time between two events well apart, so the trace's own count is unambiguous.
    const times = readFileSync(join(out, 'trace.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { t: number }).t);
    const gap = times.findIndex((t, i) => i > times.length / 2 && times[i + 1] - t > 1e-3);
    const middle = (times[gap] + times[gap + 1]) / 2;
    await seek(page, middle);
    const atMiddle = await dataset(page, '#replay');
    expect(Number(atMiddle.transfers)).toBeGreaterThan(0);
    expect(Number(atMiddle.transfers)).toBeLessThan(doc.run.segmentsTransferred);
    expect(await pixels(page)).not.toBe(start);
    // Rank 3 is the third row: its counters so far, as the trace has them up to that time.
    await clickRow(page, 2);
    const panel = await dataset(page, '#panel');
    expect(panel.rank).toBe('3');
    expect(counters(panel)).toEqual(countedFromTrace(join(out, 'trace.jsonl'), 3, middle));
    expect(await page.locator('#panel').isVisible()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'replay-6.png'), fullPage: true });
    // At the end: every transfer, and the counters the run itself reported.
    await seek(page, doc.run.wallSeconds);
    expect(Number((await dataset(page, '#replay')).transfers)).toBe(doc.run.segmentsTransferred);
    const end = counters(await dataset(page, '#panel'));
    const r = doc.ranks[3];
    expect(end).toEqual({
      uploaded: r.uploaded,
      downloaded: r.downloaded,
      requests: r.requestsSent,
      nacksSent: r.nacksSent,
      nacksReceived: r.nacksReceived,
    });
    expect(Number((await dataset(page, '#panel')).completed)).toBeCloseTo(r.completedSeconds ?? -1, 5);
    // Play from the start: time moves on by itself.
    await seek(page, 0);
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('replay')?.dataset.time) > 0, null, { timeout: 10_000 });
    await page.click('#play');
    expect(await page.textContent('#play')).toBe('Play');
    expect(Number((await dataset(page, '#replay')).time)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  }, 120_000);

  it('replays 1,000 clients in groups: loads and seeks quickly anywhere in the run', async () => {
    const { page: file, doc } = viewed(1001, 4, '30', 'replay-scale');
    const began = Date.now();
    const { page, requests, problems, url } = await open(browser, file);
    const loadMs = Date.now() - began;
    expect(Number((await dataset(page, '#replay')).rows)).toBeLessThanOrEqual(48);
    // Seeks back and forth over the whole run, the worst case for stepping.
    const spent: number[] = [];
    for (let i = 0; i < 20; i++) spent.push(await seek(page, (i % 2 === 0 ? 1 - i / 40 : i / 40) * doc.run.wallSeconds));
    await seek(page, doc.run.wallSeconds);
    expect(Number((await dataset(page, '#replay')).transfers)).toBe(doc.run.segmentsTransferred);
    await clickRow(page, 0);
    const panel = await dataset(page, '#panel');
    expect(panel.rank).toBe('1');
    expect(Number(panel.downloaded)).toBe(doc.ranks[1].downloaded);
    await seek(page, doc.run.wallSeconds / 2);
    await page.screenshot({ path: join(SCREENSHOTS, 'replay-1000.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    // Generous bounds: the machine is shared; what they catch is work per seek that grows with the whole run.
    expect(loadMs).toBeLessThan(15_000);
    expect(Math.max(...spent)).toBeLessThan(500);
    await page.close();
  }, 180_000);
});
