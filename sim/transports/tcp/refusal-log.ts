/**
 * Log lines for refused connections, rate-limited: a flood of 4,000 connections is a few
 * lines with counts, not 4,000 lines. The first few are logged as they come; after that one
 * line per interval says how many more there were and the last one's reason.
 */
const LOGGED_AT_ONCE = 5;
const INTERVAL_MS = 5000;

export class RefusalLog {
  private logged = 0;
  private held = 0;
  private last = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: (line: string) => void) {}

  refused(line: string): void {
    if (this.logged < LOGGED_AT_ONCE) {
      this.logged++;
      this.log(line);
      return;
    }
    this.held++;
    this.last = line;
    this.timer ??= setTimeout(() => this.flush(), INTERVAL_MS).unref();
  }

  /** Says what is held now: at an interval's end, and when the network closes. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held === 0) return;
    this.log(
      `${this.held} more ${this.held === 1 ? 'connection' : 'connections'} refused (the last: ${this.last.replace(/^refused a connection /, '')})`,
    );
    this.held = 0;
  }
}
