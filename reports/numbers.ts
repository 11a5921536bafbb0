/**
 * A whole number with thousands separators, as `toLocaleString('en-US')` writes it. Not
 * Intl: its first use loads locale data, ~25 ms on the path of every run's summary.
 */
export function count(value: number): string {
  const whole = Math.round(value);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return whole < 0 ? `-${digits}` : digits;
}
