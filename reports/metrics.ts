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

/** Gini coefficient: 0 when all equal, (n - 1) / n when one does all. 0 for an all-zero list. */
export function gini(values: readonly number[]): number {
  const n = values.length;
  const sorted = values.slice().sort((a, b) => a - b);
  let sum = 0;
  let weighted = 0;
  sorted.forEach((x, i) => {
    sum += x;
    weighted += (i + 1) * x;
  });
  if (n === 0 || sum === 0) return 0;
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}

/** Standard deviation over the mean (population form); 0 for an empty or all-zero list. */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (mean === 0) return 0;
  const variance = values.reduce((a, x) => a + (x - mean) * (x - mean), 0) / n;
  return Math.sqrt(variance) / mean;
}

/** Uploaded over downloaded; null for a client that downloaded nothing. */
export function shareRatio(uploaded: number, downloaded: number): number | null {
  return downloaded === 0 ? null : uploaded / downloaded;
}

export interface LoadFigures {
  jain: number;
  gini: number;
  maxOverMean: number;
  coefficientOfVariation: number;
  mean: number;
  max: number;
}

export function loadFigures(uploads: readonly number[]): LoadFigures {
  const sum = uploads.reduce((a, b) => a + b, 0);
  return {
    jain: jainIndex(uploads),
    gini: gini(uploads),
    maxOverMean: maxOverMean(uploads),
    coefficientOfVariation: coefficientOfVariation(uploads),
    mean: uploads.length === 0 ? 0 : sum / uploads.length,
    max: uploads.reduce((a, b) => Math.max(a, b), 0),
  };
}
