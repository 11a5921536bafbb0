/** Load-spread figures: pure functions of per-rank counts. */

/** Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all equal, 1/n when one does all. */
export function jainIndex(values: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const x of values) {
    sum += x;
    squares += x * x;
  }
  if (values.length === 0) return 1;
  if (squares === 0) return 1;
  return (sum * sum) / (values.length * squares);
}

/** The largest value over the mean; 1 when all equal. 0 for an empty or all-zero list. */
export function maxOverMean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  let max = 0;
  for (const x of values) {
    sum += x;
    if (x > max) max = x;
  }
  return sum === 0 ? 0 : max / (sum / values.length);
}
