/**
 * Requests in flight: a number, or 'auto' for one per 20 segments wanted (between 8 and
 * 256), so small files keep few requests out (load spreads as peers acquire segments) and
 * large ones keep many (fewer thread wake-ups per segment).
 */
export type Pipeline = number | 'auto';
const AUTO_SEGMENTS_PER_REQUEST = 20;
const AUTO_MIN = 8;
const AUTO_MAX = 256;

/**
 * The segment requests one client has in flight over all its files, and how many it may
 * have. Only `FileDownload` opens and closes requests, so the total is always the sum of
 * its files' own counts.
 */
export class InFlight {
  private count = 0;
  private limit: number;
  private segmentsWanted = 0;
  /** Alarms so far: each request is stamped with it when sent, for its timeout. */
  private alarms = 0;

  constructor(
    private readonly pipeline: Pipeline,
    /** Requests time out (links may lose messages): each is stamped with `tick`. */
    readonly timesOut: boolean,
  ) {
    this.limit = pipeline === 'auto' ? AUTO_MIN : pipeline;
  }

  get total(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.limit;
  }

  get tick(): number {
    return this.alarms;
  }

  /**
   * An alarm rang. Returns the tick it ends: a request stamped with an earlier one was sent
   * before the previous alarm and has expired.
   */
  alarm(): number {
    return this.alarms++;
  }

  /** A download began with `segments` to get; with 'auto' the limit follows the total wanted. */
  wanted(segments: number): void {
    this.segmentsWanted += segments;
    if (this.pipeline === 'auto') {
      const share = Math.ceil(this.segmentsWanted / AUTO_SEGMENTS_PER_REQUEST);
      this.limit = Math.min(AUTO_MAX, Math.max(AUTO_MIN, share));
    }
  }

  opened(): void {
    this.count++;
  }

  closed(requests = 1): void {
    this.count -= requests;
  }
}
