/**
 * The request timeout grows at most to this many times its start: a request lost on a
 * lossy link waits up to two timeouts before it is asked again, and at 64 times a few
 * losses in a row outlasted the 600 simulated seconds after which a run without progress
 * counts as a livelock (2 of 2,000 random fault plans).
 */
const MAX_BACKOFF = 8;

/**
 * How long a request may go unanswered (between one and two of these) before it is asked
 * again, for links that lose messages. Doubled when answers come to requests already given
 * up (once per alarm: the requests one alarm gave up on come back late together), up to
 * MAX_BACKOFF times the start. A fixed timeout shorter than the queue at a busy holder
 * re-sent requests that were only waiting, which lengthened the queue further: the run
 * slowed to a crawl (a 5% lossy link on r16-kseg made 7,000 segments in a minute).
 */
export class RequestTimeout {
  private current: number;
  /** The alarm tick of the latest doubling. */
  private doubledAt = -1;

  constructor(private readonly startMs: number) {
    this.current = startMs;
  }

  get ms(): number {
    return this.current;
  }

  /** An answer came to a request given up on, in the period of alarm `tick`. */
  lateAnswer(tick: number): void {
    if (this.doubledAt === tick) return;
    this.doubledAt = tick;
    this.current = Math.min(2 * this.current, MAX_BACKOFF * this.startMs);
  }
}
