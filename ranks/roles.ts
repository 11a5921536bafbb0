import { TRACKER } from './protocol.js';

/**
 * Who is who in a job: rank 0 is the tracker, ranks 1..clients the clients (rank R reads
 * `in<R>.txt`), and with a standby tracker, one more rank after the last client.
 */
export class Roles {
  /** The standby tracker's rank, when there is one. */
  readonly standby: number | undefined;
  readonly clients: number;

  constructor(
    readonly size: number,
    readonly trackers: 1 | 2,
  ) {
    this.clients = size - trackers;
    this.standby = trackers === 2 ? size - 1 : undefined;
  }

  /** A world of `ranks` input ranks (tracker included) plus the standby, if any. */
  static forJob(ranks: number, trackers: 1 | 2): Roles {
    return new Roles(ranks + trackers - 1, trackers);
  }

  isClient(rank: number): boolean {
    return rank >= 1 && rank <= this.clients;
  }

  isTracker(rank: number): boolean {
    return rank === TRACKER || rank === this.standby;
  }

  /** The other tracker of a pair. */
  peerTracker(rank: number): number | undefined {
    if (this.standby === undefined) return undefined;
    return rank === TRACKER ? this.standby : TRACKER;
  }

  clientRanks(): number[] {
    return Array.from({ length: this.clients }, (_, i) => i + 1);
  }

  describe(rank: number): string {
    if (rank === TRACKER) return this.standby === undefined ? 'rank 0 (tracker)' : 'rank 0 (primary tracker)';
    if (rank === this.standby) return `rank ${rank} (standby tracker)`;
    return `rank ${rank}`;
  }
}
