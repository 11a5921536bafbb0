/**
 * Progress over TCP, both ends of it: each client reports messages delivered and segments
 * obtained, and when its first segment request went out (once: the start-up a user waits
 * through, as the threads transport measures it); the coordinator keeps them for its
 * watchdog, `segments=` faults and progress line.
 */
import { now } from '../../run/timeline.js';
import type { ClientControl } from './control.js';

type Progress = Extract<ClientControl, { type: 'progress' }>;

/**
 * A client's progress as it reports it: sent on a timer only when it moved, and at once
 * when its first segment request goes out.
 */
export class ProgressReport {
  private sent = '';
  /** Absolute milliseconds (timeline.ts `now`): the coordinator's `performance` clock is not this process's. */
  private firstRequestMs: number | null = null;

  constructor(
    private readonly figures: () => { delivered: number; obtained: number },
    private readonly send: (message: Progress) => void,
  ) {}

  /** A segment request went out: the first one's time is news, sent now. */
  requested(): void {
    if (this.firstRequestMs !== null) return;
    this.firstRequestMs = now();
    this.update();
  }

  /** Sends the progress if it moved; says whether it did. */
  update(): boolean {
    const { delivered, obtained } = this.figures();
    const figures = `${delivered} ${obtained} ${this.firstRequestMs}`;
    if (figures === this.sent) return false;
    this.sent = figures;
    this.send({ type: 'progress', delivered, obtained, firstRequestMs: this.firstRequestMs });
    return true;
  }
}

/** The coordinator's side: every rank's latest figures, and the earliest first request. */
export class RankProgress {
  private readonly delivered: number[];
  private readonly obtained: number[];
  /** Absolute milliseconds; undefined until a client reports one. */
  private firstRequest: number | undefined;

  constructor(size: number) {
    this.delivered = new Array<number>(size).fill(0);
    this.obtained = new Array<number>(size).fill(0);
  }

  take(from: number, { delivered, obtained, firstRequestMs }: Progress): void {
    this.delivered[from] = delivered;
    this.obtained[from] = obtained;
    // Over hosts, the difference of their clocks is in it.
    if (firstRequestMs !== null && (this.firstRequest === undefined || firstRequestMs < this.firstRequest))
      this.firstRequest = firstRequestMs;
  }

  /** A rank's final count, from its end report. */
  ended(rank: number, obtained: number): void {
    this.obtained[rank] = obtained;
  }

  obtainedBy(rank: number): number {
    return this.obtained[rank];
  }

  /** Segments obtained by ranks from..to-1. */
  obtainedOf(from: number, to: number): number[] {
    return this.obtained.slice(from, to);
  }

  totalObtained(): number {
    return this.obtained.reduce((a, b) => a + b, 0);
  }

  totalDelivered(): number {
    return this.delivered.reduce((a, b) => a + b, 0);
  }

  get firstRequestAt(): number | undefined {
    return this.firstRequest;
  }
}
