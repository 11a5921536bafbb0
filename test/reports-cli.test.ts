import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { validateMetrics } from '../sim/run/metrics-file.js';
import { progressFigures, progressLine, showProgress } from '../sim/cli/progress.js';
import { sim } from './helpers/cli.js';
import { fakeTerminal, tempDir } from './helpers/files.js';

const REPORT_FILES = ['files.csv', 'index.html', 'matrix.csv', 'metrics.json', 'metrics.schema.json', 'ranks.csv', 'transfers.csv'];
const PNG_FILES = ['completion.png', 'matrix.png', 'swarms.png', 'uploads.png'];

function scenario(): string {
  const dir = tempDir();
  expect(sim('gen', dir, '--ranks', '6', '--files', '3', '--segments', '20-60', '--wants', '2', '--seed', 'reports').status).toBe(0);
  return dir;
}

const readDoc = (file: string): MetricsDocument => JSON.parse(readFileSync(file, 'utf8')) as MetricsDocument;

describe('sim run reports', () => {
  it('writes <out>/report with a valid metrics.json, CSV, charts and a page', () => {
    const out = tempDir();
    const result = sim('run', scenario(), '--out', out, '--quiet');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`report: ${join(out, 'report', 'index.html')}\n`);
    expect(readdirSync(join(out, 'report')).sort()).toEqual(REPORT_FILES);
    const doc = readDoc(join(out, 'report', 'metrics.json'));
    expect(validateMetrics(doc)).toBe(true);
    expect(doc.ranks.reduce((n, r) => n + r.uploaded, 0)).toBe(doc.run.segmentsTransferred);
    for (const client of doc.timeline.clients) {
      const last = client.samples[client.samples.length - 1];
      expect(last[1]).toBe(doc.ranks[client.rank].wanted);
    }
    const ranksCsv = readFileSync(join(out, 'report', 'ranks.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(ranksCsv[0]).toMatch(/^rank,role,uploaded,downloaded,/);
    expect(ranksCsv).toHaveLength(7);
    const transfers = readFileSync(join(out, 'report', 'transfers.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1);
    expect(transfers.reduce((n, line) => n + Number(line.split(',')[2]), 0)).toBe(doc.run.segmentsTransferred);
  });

  it('sim report redraws the report from metrics.json alone', () => {
    const out = tempDir();
    expect(sim('run', scenario(), '--out', out, '--quiet').status).toBe(0);
    const report = join(out, 'report');
    const metrics = readFileSync(join(report, 'metrics.json'), 'utf8');
    for (const name of readdirSync(report)) if (name !== 'metrics.json') rmSync(join(report, name));
    const result = sim('report', out);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`wrote 7 files to ${report}\n`);
    expect(readdirSync(report).sort()).toEqual(REPORT_FILES);
    expect(readFileSync(join(report, 'metrics.json'), 'utf8')).toBe(metrics);
    // PNGs only when asked, each a real image.
    expect(sim('report', out, '--png').stdout).toBe(`wrote 11 files to ${report}\n`);
    expect(readdirSync(report).sort()).toEqual([...REPORT_FILES, ...PNG_FILES].sort());
    for (const png of PNG_FILES) expect(readFileSync(join(report, png)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('sim report rejects a metrics.json that does not fit the schema', () => {
    const out = tempDir();
    expect(sim('run', scenario(), '--out', out, '--quiet').status).toBe(0);
    const file = join(out, 'report', 'metrics.json');
    const doc = readDoc(file) as unknown as { load: { jain: number } };
    doc.load.jain = 3;
    writeFileSync(file, JSON.stringify(doc));
    const result = sim('report', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: ${file}: does not match the metrics schema: /load/jain must be <= 1\n`);
  });

  it('--strategy a,b runs each on the same inputs and writes the comparison', () => {
    const out = tempDir();
    const result = sim('run', scenario(), '--out', out, '--strategy', 'round-robin,least-loaded', '--png', '--quiet', '--json');
    expect(result.status).toBe(0);
    const { runs } = JSON.parse(result.stdout) as { runs: MetricsDocument[] };
    expect(runs.map((r) => r.run.strategy)).toEqual(['round-robin', 'least-loaded']);
    expect(readdirSync(out).sort()).toEqual(['compare', 'least-loaded', 'round-robin']);
    expect(readdirSync(join(out, 'compare')).sort()).toEqual([
      'compare.csv',
      'completion.png',
      'index.html',
      'matrix-1.png',
      'matrix-2.png',
      'swarms.png',
      'uploads.png',
    ]);
    const table = readFileSync(join(out, 'compare', 'compare.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(table.map((line) => line.split(',')[0])).toEqual(['run', 'round-robin', 'least-loaded']);
    expect(Number(table[2].split(',')[1])).toBeCloseTo(runs[1].load.jain, 3);
  });

  it('sim compare writes a side-by-side report of earlier runs', () => {
    const inputs = scenario();
    const a = tempDir();
    const b = tempDir();
    expect(sim('run', inputs, '--out', a, '--quiet').status).toBe(0);
    expect(sim('run', inputs, '--out', b, '--quiet', '--strategy', 'least-loaded').status).toBe(0);
    const out = join(tempDir(), 'cmp');
    const result = sim('compare', a, join(b, 'report', 'metrics.json'), '--out', out, '--png');
    expect(result.stdout).toBe(`comparison of 2 runs written to ${join(out, 'index.html')}\n`);
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page).toContain('<td>round-robin</td>');
    expect(page).toContain('<td>least-loaded</td>');
    expect(statSync(join(out, 'uploads.png')).size).toBeGreaterThan(1000);
    expect(sim('compare', a).stderr).toBe('sim: compare: needs at least two runs\n');
  });
});

describe('live progress', () => {
  it('prints plain lines while a run goes, and ends cleanly', () => {
    const suiteCase = fileURLToPath(new URL('./suite/r32-kseg', import.meta.url));
    const result = sim('run', suiteCase, '--out', tempDir(), '--progress', 'lines', '--json');
    expect(result.status).toBe(0);
    const wall = (JSON.parse(result.stdout) as MetricsDocument).run.wallSeconds;
    const lines = result.stderr.split('\n').filter(Boolean);
    for (const line of lines) expect(line).toMatch(/^progress: [\d,]+\/93,000 segments \(\d+%\), [\d,]+\/s(, slowest rank \d+ at \d+%)?$/);
    // One line a second: a run that took well over a second printed at least one.
    if (wall > 1.5) expect(lines.length).toBeGreaterThan(0);
  });

  it('figures: done of total, rate, and the slowest unfinished client', () => {
    // Rank 2 is done, so it cannot be the slowest; rank 4 wants nothing.
    const figures = progressFigures([10, 40, 12, 0], [20, 40, 30, 0], 2);
    expect(figures).toEqual({ done: 62, total: 90, perSecond: 31, slowest: { rank: 3, percent: 40 } });
    expect(progressLine(figures)).toBe('progress: 62/90 segments (68%), 31/s, slowest rank 3 at 40%');
  });

  it('draws a bar on a terminal from the ranks’ figures', async () => {
    const { stream, text } = fakeTerminal();
    let polls = 0;
    const stop = showProgress({ progress: () => (polls++, [3, 8]) }, [10, 8], 'bar', stream);
    await new Promise((resolve) => setTimeout(resolve, 700));
    stop();
    expect(polls).toBeGreaterThan(1);
    expect(text()).toContain('11/18 segments');
    expect(text()).toContain('slowest: rank 1 (30%)');
  });
});
