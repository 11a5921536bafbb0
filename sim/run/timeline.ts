/** A time series sampled as it is recorded: rows of [seconds, ...values]. */
export type Samples = number[][];

/**
 * Records rows at most once per `minGapSeconds`, except forced rows (the moments that
 * matter, such as a client finishing a file), which are always kept. When more than four
 * times `keep` rows pile up, every other unforced row goes and the gap doubles, so memory
 * stays bounded however long the run. Reading thins to `keep` rows, forced ones included.
 */
export class Sampler {
  private rows: Samples = [];
  private forced: boolean[] = [];
  private lastTime = -Infinity;

  constructor(
    private minGapSeconds = 0.001,
    private readonly keep = 400,
  ) {}

  /** Whether an unforced row at `seconds` would be kept: lets hot callers skip building it. */
  due(seconds: number): boolean {
    return seconds - this.lastTime >= this.minGapSeconds;
  }

  record(seconds: number, values: readonly number[], force = false): void {
    if (!force && seconds - this.lastTime < this.minGapSeconds) return;
    this.lastTime = seconds;
    this.rows.push([seconds, ...values]);
    this.forced.push(force);
    if (this.rows.length > 4 * this.keep) this.halve();
  }

  samples(): Samples {
    const forcedCount = this.forced.filter(Boolean).length;
    const room = Math.max(0, this.keep - forcedCount);
    const unforced = this.rows.length - forcedCount;
    // The k-th unforced row kept: evenly spaced, the first and the last among them.
    const target = (k: number): number => (unforced <= room ? k : Math.round((k * (unforced - 1)) / Math.max(1, room - 1)));
    const kept: Samples = [];
    let seen = 0;
    let taken = 0;
    this.rows.forEach((row, i) => {
      if (this.forced[i]) {
        kept.push(row.map(round));
        return;
      }
      if (taken < room && seen === target(taken)) {
        kept.push(row.map(round));
        taken++;
      }
      seen++;
    });
    return kept;
  }

  private halve(): void {
    const rows: Samples = [];
    const forced: boolean[] = [];
    let odd = false;
    this.rows.forEach((row, i) => {
      odd = !odd;
      if (this.forced[i] || odd) {
        rows.push(row);
        forced.push(this.forced[i]);
      }
    });
    this.rows = rows;
    this.forced = forced;
    this.minGapSeconds *= 2;
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
