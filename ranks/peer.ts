import { ALARM, RANK_LOST } from '../sim/comm/comm.js';
import { Alarms } from './alarms.js';
import { DownloadActivity, type DownloadCounters, type FileSink, type Pipeline } from './download.js';
import { ProtocolError, Tag, TAG_NAMES, TRACKER, type ClientFiles, type SwarmComm } from './protocol.js';
import { SegmentStore } from './segment-store.js';
import type { SourceStrategy } from './strategies/index.js';
import { TrackerLink } from './tracker-link.js';
import { UploadActivity } from './upload.js';

export interface PeerOptions {
  strategy: SourceStrategy;
  /** Segment requests kept in flight at most. */
  pipeline: Pipeline;
  sink: FileSink;
  /** The standby tracker's rank, when the job has one. */
  standby?: number;
  /** Ask again a segment request unanswered for this long (for lossy links); default never. */
  requestTimeoutMs?: number;
  /** The upload rate this client announces to the tracker; default 0, not known. */
  uploadKbps?: number;
  /** A client that never uploads (`--free-riders`): it refuses every request. */
  freeRider?: boolean;
  /** Arrive this long after the start (`--arrivals`): the client registers only then. Default 0. */
  arriveMs?: number;
  /** Leave the swarm this long after finishing every wanted file (`--seed-time`); default never. */
  seedTimeMs?: number;
  /**
   * The tracker keeps its state on disk (`--tracker-state`): when the last one is lost, wait
   * for it to say it is back (TRACKER_BACK) instead of giving up.
   */
  trackerReturns?: boolean;
}

export interface PeerReport extends DownloadCounters {
  uploaded: number;
  nacksSent: number;
}

/** Every tracker is lost: nobody can end the job any more. */
export class NoTrackerLeft extends Error {}

/** A client rank: hands its files to the tracker, then downloads and uploads until TERMINATE. */
export class Peer {
  private readonly store = new SegmentStore();
  private readonly upload: UploadActivity;
  private readonly download: DownloadActivity;
  private readonly tracker: TrackerLink;
  private readonly trackers: number[];
  private started = false;
  private arrived = false;
  /** Whether the client will leave (`--seed-time`), has its alarm set, or has left. */
  private departure: 'never' | 'staying' | 'due' | 'left';
  private readonly uploadKbps: number;
  private readonly alarms: Alarms;

  constructor(
    private readonly comm: SwarmComm,
    private readonly files: ClientFiles,
    private readonly options: PeerOptions,
  ) {
    for (const file of files.owned) this.store.addOwned(file);
    this.departure = options.seedTimeMs === undefined ? 'never' : 'staying';
    this.alarms = new Alarms(comm);
    // A free rider announces no rate: a strategy that weighs holders by rate would only collect its refusals.
    this.uploadKbps = options.freeRider ? 0 : Math.max(0, Math.round(options.uploadKbps ?? 0));
    this.trackers = options.standby === undefined ? [TRACKER] : [TRACKER, options.standby];
    this.tracker = new TrackerLink(comm, this.trackers);
    const { strategy } = options;
    const downloadedFrom = (rank: number): number => this.download.counters.downloadedFrom.get(rank) ?? 0;
    this.upload = new UploadActivity(comm, this.store, {
      alarms: this.alarms,
      freeRider: options.freeRider,
      // A free rider refuses at once: making a requester wait for a slot only to be refused helps nobody.
      priority:
        options.freeRider || !strategy.uploadPriority
          ? undefined
          : (requester) => strategy.uploadPriority?.(requester, downloadedFrom(requester), comm.now()) ?? 0,
    });
    this.download = new DownloadActivity({
      comm,
      tracker: this.tracker,
      wanted: files.wanted,
      store: this.store,
      strategy: options.strategy,
      pipeline: options.pipeline,
      sink: options.sink,
      timeoutMs: options.requestTimeoutMs,
      alarms: this.alarms,
    });
  }

  async run(): Promise<PeerReport> {
    const comm = this.comm;
    if ((this.options.arriveMs ?? 0) > 0) await this.arrive(this.options.arriveMs ?? 0);
    this.arrived = true;
    await this.register();
    this.started = true;
    this.download.start();
    for (;;) {
      this.stayOrGo();
      // Handle everything that has arrived, then refill the pipeline, then wait.
      let message = comm.tryRecv();
      if (!message) {
        this.download.pump();
        // Pumping may give up the last file: the wait for the next message may be long.
        this.stayOrGo();
        message = await comm.recv();
      }
      switch (message.tag) {
        case Tag.SEGMENT_REQUEST:
          this.upload.take(message.source, message.payload);
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
        case RANK_LOST:
          this.lost(message.source, message.payload.reason);
          break;
        case ALARM:
          for (const owner of this.alarms.fired()) {
            if (owner === 'download') this.download.onAlarm();
            else if (owner === 'leave') this.leave();
            else this.upload.onAlarm();
          }
          break;
        case Tag.PEER_LEFT:
          if (this.departure !== 'left') this.peerGone(message.payload.rank);
          break;
        case Tag.INIT_ACK:
          // A go-ahead repeated by a tracker that took over.
          break;
        case Tag.TRACKER_BACK:
          this.tracker.back(message.source);
          this.rejoin();
          break;
        default:
          throw new ProtocolError(`unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${message.source}`);
      }
    }
  }

  /** Sends the owned files and waits for the go-ahead, turning to the standby if the tracker is lost. */
  private async register(): Promise<void> {
    const comm = this.comm;
    const init = (): void => this.tracker.send(Tag.INIT, { files: this.files.owned, uploadKbps: this.uploadKbps });
    init();
    for (;;) {
      // Only a tracker that may come back sends anything else before the go-ahead.
      const tag = this.options.trackerReturns ? undefined : Tag.INIT_ACK;
      const message = await comm.recv({ source: this.tracker.serving, tag });
      if (message.tag === Tag.INIT_ACK) return;
      if (message.tag === RANK_LOST) {
        if (this.trackerLost(message.source, message.payload.reason)) init();
      } else if (message.tag === Tag.TRACKER_BACK) {
        this.tracker.back(message.source);
        init();
      } else if (message.tag !== ALARM) {
        throw new ProtocolError(`unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${message.source} before the go-ahead`);
      }
    }
  }

  /**
   * Waits out the client's arrival time. The tracker hears first that it comes later, so the
   * go-ahead does not wait for it; nobody else knows of it yet, so only a loss can come.
   */
  private async arrive(ms: number): Promise<void> {
    this.tracker.send(Tag.ARRIVES_LATER, null);
    const due = this.comm.now() + ms;
    this.alarms.set('arrival', ms);
    for (;;) {
      const message = await this.comm.recv();
      if (message.tag === ALARM) {
        if (this.alarms.fired().includes('arrival')) return;
        // A wall-clock timer that fired early by another clock: wait out the rest.
        this.alarms.set('arrival', Math.max(0, due - this.comm.now()));
      } else if (message.tag === RANK_LOST) {
        if (message.source === this.tracker.serving) {
          if (this.trackerLost(message.source, message.payload.reason)) this.tracker.send(Tag.ARRIVES_LATER, null);
        } else if (!this.trackers.includes(message.source)) this.peerGone(message.source);
      } else if (message.tag === Tag.TRACKER_BACK) {
        this.tracker.back(message.source);
        this.tracker.send(Tag.ARRIVES_LATER, null);
      } else {
        throw new ProtocolError(
          `unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${message.source} before this client arrived`,
        );
      }
    }
  }

  /** With `--seed-time`, a client that has every wanted file sets the alarm of its departure. */
  private stayOrGo(): void {
    if (this.departure !== 'staying' || !this.download.done) return;
    this.departure = 'due';
    this.alarms.set('leave', this.options.seedTimeMs ?? 0);
  }

  /** Seeded long enough: the tracker drops this client from every swarm; what is still asked of it is answered PEER_LEFT. */
  private leave(): void {
    this.departure = 'left';
    this.tracker.send(Tag.BYE, null);
    this.upload.leave();
  }

  private lost(rank: number, reason: string): void {
    if (rank === this.tracker.serving) {
      if (this.trackerLost(rank, reason)) this.rejoin();
    } else if (!this.trackers.includes(rank)) this.peerGone(rank);
  }

  /** Tells a tracker that took over, or came back, what this client has done. */
  private rejoin(): void {
    // A client that left has nothing to tell it but that it left.
    if (this.departure === 'left') this.tracker.send(Tag.BYE, null);
    else this.download.rejoin(this.files.owned, this.uploadKbps);
  }

  /** A client lost or left: stop asking it, ask others for what it owed. */
  private peerGone(rank: number): void {
    this.download.peerLost(rank);
    this.upload.peerLost(rank);
  }

  /** True if a live tracker serves now; false while the last one is away and will say when it is back. */
  private trackerLost(rank: number, reason: string): boolean {
    if (this.tracker.failover()) return true;
    if (this.options.trackerReturns) return false;
    throw new NoTrackerLeft(`lost rank ${rank}, the last tracker (${reason})`);
  }

  /** Segments obtained so far, over all wanted files. */
  get obtained(): number {
    return this.download.counters.downloaded;
  }

  /** What the download activity is waiting for, for stall reports. */
  describe(): string {
    if (!this.arrived) return 'has not arrived yet (--arrivals)';
    if (this.options.trackerReturns && this.comm.isLost(this.tracker.serving))
      return `its tracker, rank ${this.tracker.serving}, is lost: waiting for it to say it is back (--tracker-state)`;
    if (!this.started) return 'has not had the go-ahead yet';
    if (this.departure === 'left') return 'left the swarm after seeding (--seed-time); waiting for TERMINATE';
    if (this.download.done) return 'all wanted files downloaded; serving until TERMINATE';
    const { shown, total } = this.download.describeInFlight(5);
    const refused = this.download.refusedEverywhere;
    const awaited = this.download.swarmsAwaited;
    const swarms = awaited.length > 0 ? `; waiting for rank ${this.tracker.serving} to send the swarm of ${awaited.join(', ')}` : '';
    if (total === 0 && refused > 0)
      return `${refused} segments refused by every swarm member${swarms || '; asking the tracker for the swarm again'}`;
    if (total === 0) return `no segment request in flight${swarms}`;
    return `${total} requests in flight: ${shown.join(', ')}${total > shown.length ? ', ...' : ''}${swarms}`;
  }

  /** The counters so far, for a rank that will never finish (killed, or left without a tracker). */
  snapshot(): PeerReport {
    return this.report();
  }

  private report(): PeerReport {
    return { ...this.download.counters, uploaded: this.upload.uploaded, nacksSent: this.upload.nacksSent };
  }
}
