import { Tag, TRACKER, type SwarmComm, type SwarmPayloads } from './protocol.js';

/** What a client sends a tracker. */
type ToTracker =
  | typeof Tag.INIT
  | typeof Tag.SWARM_REQUEST
  | typeof Tag.PEER_UPDATE
  | typeof Tag.SINGLE_FILE_DOWNLOAD_COMPLETED
  | typeof Tag.CLIENT_GOT_ALL_FILES
  | typeof Tag.FILE_UNAVAILABLE
  | typeof Tag.REJOIN;

/** A client's way to the tracker that serves now, and to the standby that would take over. */
export class TrackerLink {
  serving = TRACKER;

  constructor(
    private readonly comm: SwarmComm,
    /** The tracker to turn to when the serving one is lost. */
    public standby: number | undefined,
  ) {}

  send<T extends ToTracker>(tag: T, payload: SwarmPayloads[T]): void {
    this.comm.send(this.serving, tag, payload);
  }

  /** The serving tracker is lost: turn to the standby. False when there is none. */
  failover(): boolean {
    if (this.standby === undefined) return false;
    this.serving = this.standby;
    this.standby = undefined;
    return true;
  }
}
