/** A time series sampled as it is recorded: rows of [seconds, ...values]. */
export type Samples = number[][];

/**
 * Records rows at most once per `minGapSeconds` (a forced row is always kept, for the
 * moments that matter, such as a client finishing) and thins to at most `max` rows when
 * read, keeping the first and the last. Memory stays bounded by the gap, not by the run.
 */
export class Sampler {
  private rows: Samples = [];
  private lastTime = -Infinity;

  constructor(private readonly minGapSeconds = 0.001) {}

  record(seconds: number, values: readonly number[], force = false): void {
    if (!force && seconds - this.lastTime < this.minGapSeconds) return;
    this.lastTime = seconds;
    this.rows.push([seconds, ...values]);
  }

  samples(max = 400): Samples {
    const rows = this.rows;
    if (rows.length <= max) return rows.map((row) => row.map(round));
    const kept: Samples = [];
    for (let i = 0; i < max; i++) kept.push(rows[Math.round((i * (rows.length - 1)) / (max - 1))].map(round));
    return kept;
  }
}

/** Microsecond precision is plenty and keeps metrics.json small. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Seconds since `epochMs`, an absolute time in ms shared by all threads of a run. */
export function secondsSince(epochMs: number): number {
  return (performance.timeOrigin + performance.now() - epochMs) / 1000;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}
