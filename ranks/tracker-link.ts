import { Tag, TRACKER, type SwarmComm, type SwarmPayloads } from './protocol.js';

/** What a client sends a tracker. */
type ToTracker =
  | typeof Tag.INIT
  | typeof Tag.SWARM_REQUEST
  | typeof Tag.PEER_UPDATE
  | typeof Tag.SINGLE_FILE_DOWNLOAD_COMPLETED
  | typeof Tag.CLIENT_GOT_ALL_FILES
  | typeof Tag.FILE_UNAVAILABLE
  | typeof Tag.REJOIN
  | typeof Tag.ARRIVES_LATER
  | typeof Tag.BYE;

/** A client's way to the tracker that serves now, and to the other one when it is lost. */
export class TrackerLink {
  serving = TRACKER;

  constructor(
    private readonly comm: SwarmComm,
    /** Every tracker rank: rank 0, and the standby if there is one. */
    private readonly trackers: readonly number[],
  ) {}

  send<T extends ToTracker>(tag: T, payload: SwarmPayloads[T]): void {
    this.comm.send(this.serving, tag, payload);
  }

  /** A tracker restarted from its saved state says it is back: it serves from now on. */
  back(rank: number): void {
    if (this.trackers.includes(rank)) this.serving = rank;
  }

  /**
   * The serving tracker is lost: turn to a tracker the transport does not know to be lost
   * now. The notice may be older than the news: the lost tracker itself may already be
   * back (restarted), and is then the one to turn to if no other lives. False when none does.
   */
  failover(): boolean {
    const alive = (rank: number): boolean => !this.comm.isLost(rank);
    const next = this.trackers.find((rank) => rank !== this.serving && alive(rank)) ?? (alive(this.serving) ? this.serving : undefined);
    if (next === undefined) return false;
    this.serving = next;
    return true;
  }
}
