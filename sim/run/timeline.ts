/** A time series sampled as it is recorded: rows of [seconds, ...values]. */
export type Samples = number[][];

/**
 * Records rows at most once per `minGapSeconds`, except forced rows (the moments that
 * matter, such as a client finishing a file), which are always kept. When more than four
 * times `keep` rows pile up, every other unforced row goes and the gap doubles, so memory
 * stays bounded however long the run. Reading thins to `keep` rows, forced ones included.
 * Rows mostly forced do not thin: the next thinning then waits until they have doubled,
 * so that recording stays O(1) a row (thinning at every row was quadratic).
 */
export class Sampler {
  /**
   * Rows stored flat, `1 + width` numbers each (time, then values): a virtual run keeps up
   * to 4 x `keep` rows for every client at once, and an array per row cost ~70 bytes
   * where a flat double costs 8.
   */
  private flat: number[] = [];
  private forced: boolean[] = [];
  private width = -1;
  private lastTime = -Infinity;
  /** Rows that trigger the next thinning, once forced rows have outgrown four times `keep`. */
  private limit = 0;

  constructor(
    private minGapSeconds = 0.001,
    private readonly keep = 400,
  ) {}

  /** Whether an unforced row at `seconds` would be kept: lets hot callers skip building it. */
  due(seconds: number): boolean {
    return seconds - this.lastTime >= this.minGapSeconds;
  }

  /** Every row of one sampler has as many values as its first. */
  record(seconds: number, values: readonly number[], force = false): void {
    if (!force && seconds - this.lastTime < this.minGapSeconds) return;
    if (this.width < 0) this.width = values.length;
    else if (values.length !== this.width) throw new Error(`a timeline row of ${values.length} values among rows of ${this.width}`);
    this.lastTime = seconds;
    this.flat.push(seconds);
    for (const value of values) this.flat.push(value);
    this.forced.push(force);
    if (this.forced.length > Math.max(4 * this.keep, this.limit)) this.halve();
  }

  samples(): Samples {
    const rows = this.forced.length;
    let forcedCount = 0;
    for (const forced of this.forced) if (forced) forcedCount++;
    const room = Math.max(0, this.keep - forcedCount);
    const unforced = rows - forcedCount;
    // The k-th unforced row kept: evenly spaced, the first and the last among them.
    const target = (k: number): number => (unforced <= room ? k : Math.round((k * (unforced - 1)) / Math.max(1, room - 1)));
    const kept: Samples = [];
    let seen = 0;
    let taken = 0;
    for (let i = 0; i < rows; i++) {
      if (this.forced[i]) {
        kept.push(this.row(i));
        continue;
      }
      if (taken < room && seen === target(taken)) {
        kept.push(this.row(i));
        taken++;
      }
      seen++;
    }
    return kept;
  }

  private row(i: number): number[] {
    const stride = this.width + 1;
    const row: number[] = [];
    for (let at = i * stride; at < (i + 1) * stride; at++) row.push(round(this.flat[at]));
    return row;
  }

  private halve(): void {
    const stride = this.width + 1;
    const flat: number[] = [];
    const forced: boolean[] = [];
    for (let i = 0; i < this.forced.length; i++) {
      // Rows 0, 2, 4, ... stay, and every forced row.
      if (!this.forced[i] && i % 2 === 1) continue;
      for (let at = i * stride; at < (i + 1) * stride; at++) flat.push(this.flat[at]);
      forced.push(this.forced[i]);
    }
    this.flat = flat;
    this.forced = forced;
    this.minGapSeconds *= 2;
    this.limit = 2 * forced.length;
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

/** Seconds from this process's start to `at` (absolute ms, as `now` tells it). */
export function sinceProcessStart(at: number | undefined): number | undefined {
  return at === undefined ? undefined : (at - performance.timeOrigin) / 1000;
}
