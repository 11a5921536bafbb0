import { Tag, type SwarmComm, type SwarmPayloads } from './protocol.js';
import type { SegmentStore } from './segment-store.js';

/** The upload activity: answers each segment request with ACK or NACK. */
export class UploadActivity {
  /** Segments served (ACKs sent); reported to requesters as this holder's load. */
  uploaded = 0;
  nacksSent = 0;

  constructor(
    private readonly comm: SwarmComm,
    private readonly store: SegmentStore,
  ) {}

  serve(requester: number, request: SwarmPayloads[typeof Tag.SEGMENT_REQUEST]): void {
    const { file, index } = request;
    const stored = this.store.file(file);
    // ACK only for that segment of that file with that hash.
    const acked = stored !== undefined && stored.held[index] === 1 && stored.hashes[index] === request.hash;
    if (acked) this.uploaded++;
    else this.nacksSent++;
    const from = stored?.from ?? 0;
    const held = stored?.run ?? 0;
    this.comm.send(requester, acked ? Tag.ACK : Tag.NACK, { file, index, load: this.uploaded, from, held });
  }
}
