/**
 * Rank 0 on the threads transport: the tracker in the main thread. It can be killed (it
 * is no longer heard, and what it sends goes nowhere) and started again with a new comm;
 * only the live incarnation is ever heard or delivered to.
 */
import type { SwarmPayloads } from '../../../ranks/protocol.js';
import type { Roles } from '../../../ranks/roles.js';
import type { SwarmObserver, Tracker, TrackerStart } from '../../../ranks/tracker.js';
import { MailboxComm, type Post } from '../../comm/local-comm.js';
import { TrackerHost } from '../../rank-host/rank-host.js';
import type { LinkInbox } from '../batched-link.js';
import type { TraceFlush } from '../../trace/recorder.js';

export interface MainThreadTrackerEvents {
  /** The live incarnation finished its run. */
  finished: () => void;
  /** The live incarnation threw. */
  failed: (error: Error) => void;
  /** A traced run: where each life's deliveries go. */
  traced?: TraceFlush;
  /** `--tracker-state`: every life keeps its changes here, and a restarted one reloads them. */
  stateDir?: string;
}

export class MainThreadTracker {
  comm!: MailboxComm<SwarmPayloads>;
  private host!: TrackerHost;
  alive = true;

  constructor(
    private readonly roles: Roles,
    private readonly post: Post,
    private readonly observe: SwarmObserver,
    private readonly events: MainThreadTrackerEvents,
  ) {
    this.start('primary');
  }

  /** Which life this is: 0 until the first restart. */
  private life = 0;
  /** Ranks that may still send what they meant for an earlier life: not heard since the restart. */
  private stale = new Set<number>();

  /** What links from the workers deliver into: the live incarnation's mailbox. */
  readonly inbox: LinkInbox = ((host: MainThreadTracker): LinkInbox => ({
    deliver: (letter) => host.alive && !host.stale.has(letter.source) && host.comm.mailbox.deliver(letter),
    get delivered(): number {
      return host.comm.mailbox.delivered;
    },
    rankLost: (rank, reason) => host.comm.rankLost(rank, reason),
    rankBack: (rank) => host.comm.rankBack(rank),
    backHeard: (rank, life) => life === host.life && host.stale.delete(rank),
  }))(this);

  /** The live incarnation's tracker (or the last one's, once killed). */
  get tracker(): Tracker {
    return this.host.tracker;
  }

  kill(): void {
    this.alive = false;
  }

  /**
   * Starts life `life`, which catches up from the serving tracker, knowing that the
   * `lost` ranks are dead. Until each of `heardFrom` answers the notice that rank 0 is back,
   * what it sends was meant for the earlier life, and is dropped: a rank never hears what
   * was said to its predecessor.
   */
  restart(life: number, heardFrom: readonly number[], lost: readonly number[]): void {
    this.alive = true;
    this.life = life;
    this.stale = new Set(heardFrom);
    this.start('restarted', lost);
  }

  private start(start: TrackerStart, lost: readonly number[] = []): void {
    const comm: MailboxComm<SwarmPayloads> = new MailboxComm<SwarmPayloads>(0, this.roles.size, (dest, tag, payload) => {
      if (this.live(comm)) this.post(dest, tag, payload);
    });
    for (const rank of lost) comm.rankLost(rank, 'lost before this tracker started again');
    this.comm = comm;
    const { traced: trace, stateDir } = this.events;
    this.host = new TrackerHost({ comm, roles: this.roles, start, observe: this.observe, trace, stateDir });
    void this.host.run().then((end) => {
      if (!this.live(comm)) return;
      if (end.type === 'tracker-done') return this.events.finished();
      const error = new Error(end.message);
      error.stack = end.stack;
      this.events.failed(error);
    });
  }

  private live(comm: MailboxComm<SwarmPayloads>): boolean {
    return this.alive && comm === this.comm;
  }
}
