import { count } from '../reports/numbers.js';
import { describe, expect, it } from 'vitest';
import { coefficientOfVariation, gini, jainIndex, maxOverMean, shareRatio } from '../reports/metrics.js';
import { loadJob } from '../sim/job/inputs.js';
import { validateMetrics } from '../sim/run/metrics-file.js';
import { servingClients, wantedSegments } from '../sim/job/servers.js';
import { inputText, writeInputs } from './helpers/files.js';
import { handMadeDoc } from './helpers/metrics.js';

describe('load figures', () => {
  it("Jain's index is 1 when all serve equally and 1/n when one serves all", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([12, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12);
  });

  it('Gini is 0 when all equal and (n - 1)/n when one does all', () => {
    expect(gini([4, 4, 4, 4])).toBe(0);
    expect(gini([0, 0, 0, 8])).toBeCloseTo(3 / 4, 12);
    // Mean absolute difference over twice the mean: pairs (1,2),(1,3),(2,3) differ by 1, 2, 1.
    expect(gini([1, 2, 3])).toBeCloseTo((2 * (1 + 2 + 1)) / (2 * 9 * 2), 12);
    expect(gini([])).toBe(0);
  });

  it('max/mean is 1 when all equal and n when one does all', () => {
    expect(maxOverMean([3, 3, 3])).toBe(1);
    expect(maxOverMean([9, 0, 0])).toBe(3);
    expect(maxOverMean([])).toBe(0);
  });

  it('coefficient of variation is the population standard deviation over the mean', () => {
    expect(coefficientOfVariation([2, 2, 2])).toBe(0);
    expect(coefficientOfVariation([1, 3])).toBeCloseTo(0.5, 12);
  });

  it('share ratio is uploaded over downloaded, null for a pure seed', () => {
    expect(shareRatio(30, 60)).toBe(0.5);
    expect(shareRatio(30, 0)).toBeNull();
  });
});

describe('the metrics document', () => {
  const doc = handMadeDoc([10, 20, 30, 40]);

  it('carries load figures over the clients that could serve', () => {
    expect(doc.load.servers).toEqual([1, 2, 3, 4]);
    expect(doc.load.jain).toBeCloseTo(jainIndex([10, 20, 30, 40]), 12);
    expect(doc.load.gini).toBeCloseTo(gini([10, 20, 30, 40]), 12);
    expect(doc.load.mean).toBe(25);
    expect(doc.load.max).toBe(40);
  });

  it('sums uploads and downloads to the same total, and the matrix to both', () => {
    const uploaded = doc.ranks.reduce((n, r) => n + r.uploaded, 0);
    const downloaded = doc.ranks.reduce((n, r) => n + r.downloaded, 0);
    expect(uploaded).toBe(100);
    expect(downloaded).toBe(100);
    expect(doc.matrix.reduce((n, [, , segments]) => n + segments, 0)).toBe(100);
    expect(doc.run.segmentsTransferred).toBe(100);
  });

  it('computes share ratios and completion times per client', () => {
    for (const r of doc.ranks.filter((rank) => rank.role === 'client')) {
      expect(r.shareRatio).toBeCloseTo(r.uploaded / r.downloaded, 12);
      expect(r.completedSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(doc.ranks[0]).toMatchObject({ role: 'tracker', shareRatio: null, completedSeconds: null });
  });

  it('validates against its JSON schema, and a damaged one does not', () => {
    expect(validateMetrics(doc)).toBe(true);
    const damaged = structuredClone(doc) as unknown as { ranks: { uploaded: unknown }[] };
    damaged.ranks[1].uploaded = -1;
    expect(validateMetrics(damaged)).toBe(false);
    expect(validateMetrics({ ...doc, extra: true })).toBe(false);
  });
});

describe('servingClients', () => {
  it('counts owners of wanted files and downloaders that share a file, not bystanders', () => {
    const dir = writeInputs([
      inputText(
        [
          ['a', [1]],
          ['b', [2]],
        ],
        [],
      ),
      inputText([], ['a']),
      inputText([], ['a']),
      inputText([], ['b']),
      inputText([['c', [3]]], []),
    ]);
    const job = loadJob(dir);
    expect(servingClients(job)).toEqual([1, 2, 3]);
    expect(wantedSegments(job)).toEqual([0, 1, 1, 1, 0]);
  });
});

describe('count', () => {
  it('writes whole numbers as toLocaleString en-US does', () => {
    for (const value of [0, 7, 999, 1000, 12345, 1234567, -4321, 1e9 + 7]) expect(count(value)).toBe(value.toLocaleString('en-US'));
  });
});
