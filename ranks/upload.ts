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
    const acked = this.store.holds(file, index, request.hash);
    if (acked) this.uploaded++;
    else this.nacksSent++;
    const { from, held } = this.store.heldRun(file);
    this.comm.send(requester, acked ? Tag.ACK : Tag.NACK, { file, index, load: this.uploaded, from, held });
  }
}
