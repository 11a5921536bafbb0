/**
 * A whole number with thousands separators, as `toLocaleString('en-US')` writes it. Not
 * Intl: its first use loads locale data, ~25 ms on the path of every run's summary.
 */
export function count(value: number): string {
  const whole = Math.round(value);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return whole < 0 ? `-${digits}` : digits;
}

/** The middle value, or the mean of the two middle ones; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Jain's index as the summary and the report say it: beside the best any schedule could reach, when known. */
export function jainText(load: { jain: number; jainBound?: number }): string {
  return `Jain's index ${load.jain.toFixed(3)}${load.jainBound === undefined ? '' : ` of a possible ${load.jainBound.toFixed(3)}`}`;
}
