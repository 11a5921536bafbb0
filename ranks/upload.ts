import { Alarms } from './alarms.js';
import { Choke, type SegmentRequest } from './choke.js';
import { Tag, type SwarmComm } from './protocol.js';
import type { SegmentStore } from './segment-store.js';

export interface UploadOptions {
  /** Never uploads: every request is refused, and the holder reports holding nothing. */
  freeRider?: boolean;
  /** When given, this holder chokes (choke.ts); without it, each request is answered at once. */
  priority?: (requester: number) => number;
  /** Shared with the download activity (alarms.ts); default one of its own. */
  alarms?: Alarms;
}

/** The upload activity: answers each segment request with ACK or NACK. */
export class UploadActivity {
  /** Segments served (ACKs sent); reported to requesters as this holder's load. */
  uploaded = 0;
  nacksSent = 0;
  /** Only a client whose strategy ranks requesters chokes: the others answer at once and keep no choke state. */
  private readonly choke: Choke | undefined;
  private left = false;

  constructor(
    private readonly comm: SwarmComm,
    private readonly store: SegmentStore,
    private readonly options: UploadOptions = {},
  ) {
    const priority = options.priority;
    if (priority)
      this.choke = new Choke(priority, options.alarms ?? new Alarms(comm), (requester, request) => this.serve(requester, request));
  }

  /** A request was read: answered now, unless this holder chokes its requester. */
  take(requester: number, request: SegmentRequest): void {
    if (this.choke && !this.left) this.choke.take(requester, request);
    else this.serve(requester, request);
  }

  /** A requester is lost: its waiting requests will never be read, and its slot is free. */
  peerLost(rank: number): void {
    this.choke?.peerLost(rank);
  }

  /**
   * The client left the swarm (`--seed-time`): a request sent before its requester heard so
   * is answered PEER_LEFT, never NACK. A NACK says "I lack it", and a leaver may hold the
   * segment: counted as a refusal, it could let the requester prove a live holder's segment
   * lost (FileDownload.provenLost), where PEER_LEFT starts a new loss epoch instead.
   */
  leave(): void {
    this.left = true;
    for (const { requester, request } of this.choke?.release() ?? []) this.serve(requester, request);
  }

  /** The rechoke (see Choke). */
  onAlarm(): void {
    this.choke?.onAlarm();
  }

  private serve(requester: number, request: SegmentRequest): void {
    if (this.left) return this.comm.send(requester, Tag.PEER_LEFT, { rank: this.comm.rank });
    const { file, index } = request;
    const stored = this.options.freeRider ? undefined : this.store.file(file);
    // ACK only for that segment of that file with that hash.
    const acked = stored !== undefined && stored.held[index] === 1 && stored.hashes[index] === request.hash;
    if (acked) this.uploaded++;
    else this.nacksSent++;
    const from = stored?.from ?? 0;
    const held = stored?.run ?? 0;
    this.comm.send(requester, acked ? Tag.ACK : Tag.NACK, { file, index, load: this.uploaded, from, held });
  }
}
