import { describe, expect, it } from 'vitest';
import { jainIndex, maxOverMean } from '../reports/metrics.js';
import { loadJob } from '../sim/inputs.js';
import { expectedTransfers, servingClients } from '../sim/servers.js';
import { inputText, writeInputs } from './helpers/files.js';

describe('load figures', () => {
  it("Jain's index is 1 when all serve equally and 1/n when one serves all", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([12, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12);
  });

  it('max/mean is 1 when all equal and n when one does all', () => {
    expect(maxOverMean([3, 3, 3])).toBe(1);
    expect(maxOverMean([9, 0, 0])).toBe(3);
    expect(maxOverMean([])).toBe(0);
  });
});

describe('servingClients', () => {
  it('counts owners of wanted files and downloaders that share a file, not bystanders', () => {
    const dir = writeInputs([
      inputText([['a', [1]], ['b', [2]]], []),
      inputText([], ['a']),
      inputText([], ['a']),
      inputText([], ['b']),
      inputText([['c', [3]]], []),
    ]);
    const job = loadJob(dir);
    expect(servingClients(job)).toEqual([1, 2, 3]);
    expect(expectedTransfers(job)).toBe(3);
  });
});
