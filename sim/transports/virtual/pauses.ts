/**
 * Wall milliseconds the scheduler keeps the thread before it lets the event loop turn, so
 * that output writes and the progress display go on. Every rank waits at that point and
 * nothing outside the world affects it, so where it pauses cannot change the run (the
 * world delivers the next instant only once the last rank to block has awaited).
 */
const TURN_MS = 50;
/** Instants between two looks at the clock: reading it is cheap, not free. */
const INSTANTS_PER_CLOCK_READ = 256;

/**
 * When the scheduler lets the event loop turn: every `turnMs` of wall time, looked at
 * every INSTANTS_PER_CLOCK_READ instants (the count goes on across calls: each often
 * delivers one instant and returns), or before every instant when `turnMs` is 0 (for
 * tests); never twice in a row.
 */
export class Pauses {
  private instants = 0;
  private endsAt: number;
  private resuming = false;

  constructor(private readonly turnMs = TURN_MS) {
    this.endsAt = performance.now() + turnMs;
  }

  /** Whether to pause before the next instant. */
  due(): boolean {
    if (this.resuming) {
      this.resuming = false;
      return false;
    }
    if (this.turnMs > 0 && ++this.instants % INSTANTS_PER_CLOCK_READ !== 0) return false;
    return performance.now() >= this.endsAt;
  }

  /** Back from a pause: the next instant is delivered before another. */
  resumed(): void {
    this.endsAt = performance.now() + this.turnMs;
    this.resuming = true;
  }
}
