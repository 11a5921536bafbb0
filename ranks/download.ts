import { Alarms } from './alarms.js';
import { newDownloadCounters, type DownloadCounters } from './download-counters.js';
import { FileDownload } from './file-download.js';
import { InFlight, type Pipeline } from './in-flight.js';
import { Losses } from './losses.js';
import { ProtocolError, Tag, type OwnedFile, type SwarmComm, type SwarmPayloads } from './protocol.js';
import { RequestRuns } from './request-runs.js';
import { RequestTimeout } from './request-timeout.js';
import { indexIn } from './sorted.js';
import type { SegmentStore } from './segment-store.js';
import type { SourceStrategy } from './strategies/index.js';
import { SEED, UNKNOWN_START } from './swarm-view.js';
import type { TrackerLink } from './tracker-link.js';

export type { DownloadCounters } from './download-counters.js';
export type { Pipeline } from './in-flight.js';

/** Where a finished file goes; the harness decides how it is written. */
export type FileSink = (file: string, hashes: readonly string[]) => void;

export interface DownloadOptions {
  comm: SwarmComm;
  tracker: TrackerLink;
  wanted: readonly string[];
  store: SegmentStore;
  strategy: SourceStrategy;
  pipeline: Pipeline;
  sink: FileSink;
  /** A request unanswered for between one and two of these is asked again; undefined: never. */
  timeoutMs?: number;
  /** Shared with the upload activity (alarms.ts); default one of its own. */
  alarms?: Alarms;
}

/**
 * The download activity of one client. It reacts to the messages the peer loop hands it
 * and keeps up to `pipeline` segment requests in flight, each segment asked of one holder
 * at a time. Replies may come back in any order; they are matched by (file, index).
 */
export class DownloadActivity {
  readonly counters: DownloadCounters = newDownloadCounters();
  private readonly comm: SwarmComm;
  private readonly tracker: TrackerLink;
  private readonly store: SegmentStore;
  private readonly sink: FileSink;
  /** Requests unanswered this long are asked again (lossy links); undefined: never. */
  private readonly timeout: RequestTimeout | undefined;
  private readonly files = new Map<string, FileDownload>();
  /** Files begun and neither finished nor given up, taken in turn by `pump`. */
  private readonly active: FileDownload[] = [];
  private nextFile = 0;
  private remainingFiles: number;
  private readonly losses = new Losses();
  private readonly inFlight: InFlight;
  private readonly runs: RequestRuns;
  private readonly alarms: Alarms;

  constructor(options: DownloadOptions) {
    this.comm = options.comm;
    this.tracker = options.tracker;
    this.store = options.store;
    this.sink = options.sink;
    this.timeout = options.timeoutMs === undefined ? undefined : new RequestTimeout(options.timeoutMs);
    this.alarms = options.alarms ?? new Alarms(options.comm);
    this.inFlight = new InFlight(options.pipeline, options.timeoutMs !== undefined);
    this.runs = new RequestRuns(options.comm, options.strategy, this.inFlight, this.counters);
    for (const name of options.wanted) this.files.set(name, new FileDownload(name, this.losses, this.inFlight));
    this.remainingFiles = this.files.size;
  }

  get done(): boolean {
    return this.remainingFiles === 0;
  }

  start(): void {
    if (this.done) {
      this.tracker.send(Tag.CLIENT_GOT_ALL_FILES, null);
      return;
    }
    for (const file of this.files.values()) this.askSwarm(file, true);
    if (this.timeout) this.setAlarm(this.timeout.ms);
  }

  /**
   * A tracker took over: tell it what this client owns and has finished (it may have missed
   * some of it), and ask it again for every swarm still needed (an answer the lost tracker
   * owed may never come).
   */
  rejoin(owned: OwnedFile[], uploadKbps: number): void {
    const completed: string[] = [];
    for (const file of this.files.values()) if (file.finished) completed.push(file.name);
    this.tracker.send(Tag.REJOIN, { owned, completed, gaveUp: this.counters.gaveUp, done: this.done, uploadKbps });
    for (const file of this.active) this.askSwarm(file, false);
    for (const file of this.files.values()) if (!file.started) this.askSwarm(file, true);
  }

  /** The transport reported client `rank` lost: stop asking it, ask others for what it owed. */
  peerLost(rank: number): void {
    if (!this.losses.add(rank)) return;
    for (const file of this.active) this.runs.abandoned(file.memberLost(rank));
  }

  /** Requests unanswered since the alarm before last are asked again (a message may have been dropped). */
  onAlarm(): void {
    if (!this.timeout || this.done) return;
    const expired = this.inFlight.alarm();
    for (const file of this.active) this.runs.abandoned(file.timedOut(expired));
    this.setAlarm(this.timeout.ms);
  }

  private setAlarm(ms: number): void {
    this.alarms.set('download', ms);
  }

  onSwarm(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): void {
    const file = this.files.get(reply.file);
    if (!file) throw new ProtocolError(`swarm reply for ${reply.file}, which this client does not want`);
    if (file.givenUp) return;
    this.runs.heard(reply);
    const { members, arrivals } = this.membersOf(reply);
    file.listed(members, arrivals);
    if (!file.started) {
      // Owners are checked before a run starts, so no hashes means every owner was lost.
      if (reply.hashes?.length === 0) {
        this.giveUp(file);
        return;
      }
      const mine = indexIn(reply.peers, this.comm.rank);
      this.begin(file, reply.hashes, reply.arrivals[mine] ?? 0);
    }
    file.refreshed(reply.seeds);
  }

  onReply(holder: number, acked: boolean, reply: SwarmPayloads[typeof Tag.ACK]): void {
    const file = this.files.get(reply.file);
    const index = reply.index;
    if (!file || !file.awaits(index, holder)) {
      // Once requests can be abandoned, the answer to one may still come.
      if (file && (this.losses.epoch > 0 || this.timeout)) {
        this.counters.lateReplies++;
        this.timeout?.lateAnswer(this.inFlight.tick);
        return;
      }
      throw new ProtocolError(`${acked ? 'ACK' : 'NACK'} from rank ${holder} for ${reply.file}[${index}], which was not asked of it`);
    }
    file.answered(index, holder, reply.from, reply.held);
    this.runs.answered(holder, reply.load);
    if (acked) {
      this.gotSegment(file, index, holder);
    } else {
      this.counters.nacksReceived++;
      file.refused(index, holder);
    }
  }

  /** Segments every known member refused, waiting for a fresh swarm. */
  get refusedEverywhere(): number {
    let parked = 0;
    for (const file of this.files.values()) parked += file.segmentsParked;
    return parked;
  }

  /** Up to `limit` requests in flight, for stall reports, as `file[index]->rank N`. */
  describeInFlight(limit: number): { shown: string[]; total: number } {
    const shown: string[] = [];
    for (const file of this.files.values()) {
      for (const [index, holder] of file.requestsInFlight()) {
        if (shown.length === limit) break;
        shown.push(`${file.name}[${index}]->rank ${holder}`);
      }
    }
    return { shown, total: this.inFlight.total };
  }

  /** Files whose swarm was asked of the tracker and not yet answered. */
  get swarmsAwaited(): string[] {
    const awaited: string[] = [];
    for (const file of this.files.values()) if (file.awaitingSwarm) awaited.push(file.name);
    return awaited;
  }

  /**
   * Sends requests, taking files in turn, until the pipeline is full or nothing is
   * askable. The peer calls it once it has handled every message that has arrived, so
   * the slots freed by a batch of replies refill as runs, not one request at a time.
   */
  pump(): void {
    let idle = 0;
    while (!this.inFlight.full && idle < this.active.length) {
      if (this.nextFile >= this.active.length) this.nextFile = 0;
      const file = this.active[this.nextFile++];
      const files = this.active.length;
      const turn = this.runs.turn(file);
      if (turn === 'lost') this.giveUp(file);
      else if (turn === 'stuck') this.stuck(file);
      // A file given up leaves the others to look at again: nothing else may wake this client.
      if (turn === 'sent' || this.active.length < files) idle = 0;
      else idle++;
    }
  }

  /** `arrival`: how many downloaders joined the swarm before this client. */
  private begin(file: FileDownload, hashes: readonly string[] | null, arrival: number): void {
    if (!hashes || hashes.length === 0) throw new ProtocolError(`tracker sent no hashes for ${file.name}`);
    const from = file.begin(hashes, arrival);
    this.inFlight.wanted(hashes.length);
    this.store.addEmpty(file.name, hashes, from);
    this.active.push(file);
  }

  /**
   * The members to ask and each one's arrival (SEED for seeds): the reply's seeds
   * and peers, each sorted by rank, merged; this client and lost ones left out.
   */
  private membersOf(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): { members: number[]; arrivals: Int32Array } {
    const self = this.comm.rank;
    const { seeds, peers } = reply;
    const members: number[] = [];
    const arrivals = new Int32Array(seeds.length + peers.length);
    let s = 0;
    let p = 0;
    while (s < seeds.length || p < peers.length) {
      const seed = p === peers.length || (s < seeds.length && seeds[s] < peers[p]);
      const rank = seed ? seeds[s++] : peers[p++];
      if (rank === self || this.losses.has(rank)) continue;
      arrivals[members.length] = seed ? SEED : (reply.arrivals[p - 1] ?? UNKNOWN_START);
      members.push(rank);
    }
    return { members, arrivals: arrivals.subarray(0, members.length) };
  }

  private gotSegment(file: FileDownload, index: number, holder: number): void {
    this.store.markHeld(file.name, index);
    const updateDue = file.arrived(index);
    this.counters.downloaded++;
    this.counters.downloadedFrom.set(holder, (this.counters.downloadedFrom.get(holder) ?? 0) + 1);
    if (file.finished) {
      this.complete(file);
    } else if (updateDue) {
      this.tracker.send(Tag.PEER_UPDATE, { file: file.name });
      if (!file.swarmPending) this.askSwarm(file, false);
    }
  }

  private complete(file: FileDownload): void {
    file.completed();
    this.active.splice(this.active.indexOf(file), 1);
    this.tracker.send(Tag.SINGLE_FILE_DOWNLOAD_COMPLETED, { file: file.name });
    this.sink(file.name, file.hashes);
    this.fileEnded();
  }

  /**
   * Some segment has no live holder: no client can finish the file. The segments held stay
   * served; replies still owed are ignored when they come.
   */
  private giveUp(file: FileDownload): void {
    if (file.givenUp) return;
    const at = this.active.indexOf(file);
    if (at >= 0) this.active.splice(at, 1);
    this.runs.abandoned(file.giveUp());
    this.counters.gaveUp.push(file.name);
    this.tracker.send(Tag.FILE_UNAVAILABLE, { file: file.name });
    this.fileEnded();
  }

  private fileEnded(): void {
    if (--this.remainingFiles === 0) this.tracker.send(Tag.CLIENT_GOT_ALL_FILES, null);
  }

  /** Nothing askable now: when nothing is in flight either, only a fresh swarm can help. */
  private stuck(file: FileDownload): void {
    if (file.nobodyLeft) this.giveUp(file);
    else if (file.needsSwarm) this.askSwarm(file, false);
  }

  private askSwarm(file: FileDownload, withHashes: boolean): void {
    file.swarmRequested();
    this.counters.swarmRequests++;
    this.tracker.send(Tag.SWARM_REQUEST, { file: file.name, withHashes });
  }
}
