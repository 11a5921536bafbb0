import { DownloadActivity, type DownloadCounters, type FileSink, type Pipeline } from './download.js';
import { ProtocolError, Tag, TAG_NAMES, TRACKER, type ClientFiles, type SwarmComm } from './protocol.js';
import { SegmentStore } from './segment-store.js';
import type { SourceStrategy } from './strategies/index.js';
import { UploadActivity } from './upload.js';

export interface PeerOptions {
  strategy: SourceStrategy;
  /** Segment requests kept in flight at most. */
  pipeline: Pipeline;
  sink: FileSink;
}

export interface PeerReport extends DownloadCounters {
  uploaded: number;
  nacksSent: number;
}

/** A client rank: hands its files to the tracker, then downloads and uploads until TERMINATE. */
export class Peer {
  private readonly store = new SegmentStore();
  private readonly upload: UploadActivity;
  private readonly download: DownloadActivity;
  private started = false;

  constructor(
    private readonly comm: SwarmComm,
    private readonly files: ClientFiles,
    options: PeerOptions,
  ) {
    for (const file of files.owned) this.store.addOwned(file);
    this.upload = new UploadActivity(comm, this.store);
    this.download = new DownloadActivity(comm, files.wanted, this.store, options.strategy, options.pipeline, options.sink);
  }

  async run(): Promise<PeerReport> {
    const comm = this.comm;
    comm.send(TRACKER, Tag.INIT, { files: this.files.owned });
    await comm.recv({ source: TRACKER, tag: Tag.INIT_ACK });
    this.started = true;
    this.download.start();
    for (;;) {
      // Handle everything that has arrived, then refill the pipeline, then wait.
      let message = comm.tryRecv();
      if (!message) {
        this.download.pump();
        message = await comm.recv();
      }
      switch (message.tag) {
        case Tag.SEGMENT_REQUEST:
          this.upload.serve(message.source, message.payload);
          break;
        case Tag.ACK:
        case Tag.NACK:
          this.download.onReply(message.source, message.tag === Tag.ACK, message.payload);
          break;
        case Tag.SWARM_REPLY:
          this.download.onSwarm(message.payload);
          break;
        case Tag.TERMINATE:
          if (!this.download.done) throw new ProtocolError('TERMINATE before all wanted files were downloaded');
          return this.report();
        default:
          throw new ProtocolError(`unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${message.source}`);
      }
    }
  }

  /** Segments obtained so far, over all wanted files. */
  get obtained(): number {
    return this.download.counters.downloaded;
  }

  /** What the download activity is waiting for, for stall reports. */
  describe(): string {
    if (!this.started) return 'has not had the go-ahead yet';
    if (this.download.done) return 'all wanted files downloaded; serving until TERMINATE';
    const { shown, total } = this.download.describeInFlight(5);
    const refused = this.download.refusedEverywhere;
    if (total === 0 && refused > 0) return `${refused} segments refused by every swarm member; asking the tracker for the swarm again`;
    if (total === 0) return 'no segment request in flight';
    return `${total} requests in flight: ${shown.join(', ')}${total > shown.length ? ', ...' : ''}`;
  }

  private report(): PeerReport {
    return { ...this.download.counters, uploaded: this.upload.uploaded, nacksSent: this.upload.nacksSent };
  }
}
