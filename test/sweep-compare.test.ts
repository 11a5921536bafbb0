import type { MetricsDocument } from '../reports/document.js';
import { escapeHtml } from '../reports/html.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spread, summarize } from '../sim/sweep/compare.js';
import type { SweepRow } from '../sim/sweep/sweep-task.js';
import { sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';

/** A row whose every figure is `value`, but Jain's index, which is `jain`. */
function row(strategy: string, seed: number, jain: number, value = 1): SweepRow {
  return {
    strategy,
    seed: String(seed),
    ok: true,
    jain,
    maxOverMean: value,
    medianCompletionSeconds: value,
    completionSeconds: value,
    transfers: 10,
    messages: value,
  };
}

describe("a sweep's comparison", () => {
  it("gives the mean with Student's t interval over the seeds", () => {
    // s = 1, t(0.975, 2) = 4.302653, so the half-width is 4.302653 / sqrt(3).
    const figure = spread([1, 2, 3]);
    expect(figure.mean).toBe(2);
    expect(figure.stddev).toBe(1);
    expect(figure.ci95).toBeCloseTo(4.302653 / Math.sqrt(3), 5);
    // With 30 seeds the factor is t(0.975, 29) = 2.045230.
    const thirty = spread(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 0 : 2)));
    expect(thirty.ci95).toBeCloseTo((2.04523 * thirty.stddev) / Math.sqrt(30), 5);
    expect(spread([5]).ci95).toBeNaN();
  });

  it('marks the best mean, ties where intervals overlap, and lower as better where it is', () => {
    const rows = [
      ...[0.9, 0.91, 0.92].map((jain, i) => row('a', i, jain, 3)),
      ...[0.905, 0.915, 0.925].map((jain, i) => row('b', i, jain, 2)),
      ...[0.5, 0.51, 0.52].map((jain, i) => row('c', i, jain, 2 + i * 0.01)),
    ];
    const [a, b, c] = summarize(rows);
    expect(a.best).toEqual(['jain']);
    // b and c overlap on every lower-is-better figure; a's 3 is far from both.
    expect(b.best).toEqual(['jain', 'maxOverMean', 'medianCompletionSeconds', 'completionSeconds', 'messages']);
    expect(c.best).toEqual(['maxOverMean', 'medianCompletionSeconds', 'completionSeconds', 'messages']);
  });

  it('marks nothing with one seed, or one strategy: there is nothing to tell apart', () => {
    expect(summarize([row('a', 1, 0.9), row('b', 1, 0.5)]).flatMap((s) => s.best)).toEqual([]);
    expect(summarize([row('a', 1, 0.9), row('a', 2, 0.8)])[0].best).toEqual([]);
  });

  it('is printed and written by sim sweep, with labels a person reads', () => {
    const out = join(tempDir(), 'sweep');
    const result = sim('sweep', 'test/suite/r08-small', '--strategy', 'all', '--seeds', '1..5', '--out', out, '--quiet');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^strategy +correct +Jain's index +max\/mean +median done \(s\) +last done \(s\) +messages$/m);
    expect(result.stdout).toMatch(/^least-loaded +5\/5 +0\.\d{3} ± 0\.\d{3} ★/m);
    expect(result.stdout).toMatch(/★ best, or not told apart from the best/);
    // The case's best possible spread, the same as a run of it reports.
    const bound = (
      JSON.parse(
        sim('run', 'test/suite/r08-small', '--transport', 'virtual', '--out', tempDir(), '--json', '--no-report').stdout,
      ) as MetricsDocument
    ).load.jainBound;
    const sentence = `Jain's index could reach ${bound?.toFixed(3)} on this case at best (any schedule, ignoring when segments arrive).`;
    expect(result.stdout).toContain(`\n${sentence}\nreport: `);
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page).toContain(escapeHtml(sentence));
    expect(page).toContain('Jain&#39;s index of uploads (1 = even), mean ± 95% CI (higher is better)');
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8').split('\n');
    expect(summary[0]).toContain('jain_mean,jain_ci95,jain_stddev,jain_min,jain_max,jain_best');
    // A header, one line per built-in strategy, and the last line's end.
    expect(summary).toHaveLength(8);
  });
});
