import { ProtocolError, Tag, UPDATE_EVERY, type OwnedFile, type SwarmComm, type SwarmPayloads } from './protocol.js';
import type { SegmentStore } from './segment-store.js';
import { FileDownload, NOBODY, vanDerCorput } from './file-download.js';
import { HoldingsGuess } from './holdings-guess.js';
import type { SourceStrategy } from './strategies/index.js';
import type { TrackerLink } from './tracker-link.js';

/** Where a finished file goes; the harness decides how it is written. */
export type FileSink = (file: string, hashes: readonly string[]) => void;

/** Segments asked of one holder in one go, at most, before choosing again. */
const RUN_LENGTH = 8;
/** How many not-yet-requested segments a strategy with costs may choose among. */
const LOOKAHEAD = 16;

/**
 * Requests in flight: a number, or 'auto' for one per 20 segments wanted (between 8 and
 * 256), so small files keep few requests out (load spreads as peers acquire segments) and
 * large ones keep many (fewer thread wake-ups per segment).
 */
export type Pipeline = number | 'auto';
const AUTO_SEGMENTS_PER_REQUEST = 20;
const AUTO_MIN = 8;
const AUTO_MAX = 256;

export interface DownloadCounters {
  downloaded: number;
  nacksReceived: number;
  requestsSent: number;
  swarmRequests: number;
  /** Segments obtained from each rank that served any (a map, so that it does not grow with the job). */
  downloadedFrom: Map<number, number>;
  /** Wanted files given up because some segment had no live holder left. */
  gaveUp: string[];
  /** Replies that came after their request was abandoned (timed out, or its holder lost). */
  lateReplies: number;
}

/**
 * The download activity of one client. It reacts to the messages the peer loop hands it
 * and keeps up to `pipeline` segment requests in flight, each segment asked of one holder
 * at a time. Replies may come back in any order; they are matched by (file, index).
 */
export class DownloadActivity {
  readonly counters: DownloadCounters;
  private readonly files = new Map<string, FileDownload>();
  private readonly active: FileDownload[] = [];
  private nextFile = 0;
  /** Scratch arrays for `FileDownload.fresh` and `SourceStrategy.order`, reused to spare allocations per run. */
  private readonly window: number[] = [];
  private readonly order: number[] = [];
  private inFlight = 0;
  private inFlightLimit: number;
  private segmentsWanted = 0;
  private remainingFiles: number;
  /** Clients the transport reported lost. */
  private readonly lost = new Set<number>();
  /**
   * Losses seen so far. A NACK proves that a holder lacked a segment when it answered; only
   * NACKs to requests sent after the latest loss, to every member of a swarm listed after
   * it, prove that no live client holds the segment (holders never lose segments).
   */
  private lossEpoch = 0;
  /** Alarms so far, when requests time out. */
  private tick = 0;

  constructor(
    private readonly comm: SwarmComm,
    private readonly tracker: TrackerLink,
    wanted: readonly string[],
    private readonly store: SegmentStore,
    private readonly strategy: SourceStrategy,
    private readonly pipeline: Pipeline,
    private readonly sink: FileSink,
    /** A request unanswered for between one and two of these is asked again; undefined: never. */
    private readonly timeoutMs?: number,
  ) {
    for (const name of wanted) this.files.set(name, new FileDownload(name));
    this.remainingFiles = this.files.size;
    this.inFlightLimit = pipeline === 'auto' ? AUTO_MIN : pipeline;
    this.counters = {
      downloaded: 0,
      nacksReceived: 0,
      requestsSent: 0,
      swarmRequests: 0,
      downloadedFrom: new Map(),
      gaveUp: [],
      lateReplies: 0,
    };
  }

  get done(): boolean {
    return this.remainingFiles === 0;
  }

  start(): void {
    if (this.done) {
      this.tracker.send(Tag.CLIENT_GOT_ALL_FILES, null);
      return;
    }
    for (const name of this.files.keys()) this.askSwarm(name, true);
    if (this.timeoutMs !== undefined) this.comm.alarm(this.timeoutMs);
  }

  /**
   * A tracker took over: tell it what this client owns and has finished (it may have missed
   * some of it), and ask it again for every swarm still needed (an answer the lost tracker
   * owed may never come).
   */
  rejoin(owned: OwnedFile[]): void {
    const completed: string[] = [];
    for (const file of this.files.values()) if (file.started && file.missing === 0) completed.push(file.name);
    this.tracker.send(Tag.REJOIN, { owned, completed, gaveUp: this.counters.gaveUp, done: this.done });
    for (const file of this.active) this.askSwarm(file.name, false);
    for (const file of this.files.values()) if (!file.started) this.askSwarm(file.name, true);
  }

  /** The transport reported client `rank` lost: stop asking it, ask others for what it owed. */
  peerLost(rank: number): void {
    if (this.lost.has(rank)) return;
    this.lost.add(rank);
    this.lossEpoch++;
    for (const file of this.active) {
      file.members = file.members.filter((member) => member !== rank);
      file.trustGuess = false;
      file.refusedBy.clear();
      file.retry.push(...file.parked);
      file.parked.length = 0;
      file.askedOf.forEach((holder, index) => {
        if (holder === rank) this.abandon(file, index);
      });
    }
  }

  /** Requests unanswered since the alarm before last are asked again (a message may have been dropped). */
  onAlarm(): void {
    if (this.timeoutMs === undefined || this.done) return;
    const expired = this.tick++;
    for (const file of this.active) {
      file.askedOf.forEach((holder, index) => {
        if (holder !== NOBODY && file.askedTick[index] < expired) this.abandon(file, index);
      });
    }
    this.comm.alarm(this.timeoutMs);
  }

  onSwarm(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): void {
    const file = this.files.get(reply.file);
    if (!file) throw new ProtocolError(`swarm reply for ${reply.file}, which this client does not want`);
    if (file.gaveUp) return;
    file.refreshing = false;
    file.membersEpoch = file.swarmEpoch;
    file.members = this.membersOf(reply);
    // Owners are checked before a run starts, so no hashes means every owner was lost.
    if (!file.started && reply.hashes?.length === 0) {
      this.giveUp(file);
      return;
    }
    if (!file.started) this.begin(file, reply.hashes, reply.peers.indexOf(this.comm.rank));
    for (const seed of reply.seeds) file.guess.seed(seed);
    if (file.parked.length > 0) {
      for (const segment of file.parked) file.refusedBy.delete(segment);
      file.retry.push(...file.parked);
      file.parked.length = 0;
    }
  }

  onReply(holder: number, acked: boolean, reply: SwarmPayloads[typeof Tag.ACK]): void {
    const file = this.files.get(reply.file);
    const index = reply.index;
    if (!file || file.askedOf[index] !== holder) {
      // Once requests can be abandoned, the answer to one may still come.
      if (file && (this.lossEpoch > 0 || this.timeoutMs !== undefined)) {
        this.counters.lateReplies++;
        return;
      }
      throw new ProtocolError(`${acked ? 'ACK' : 'NACK'} from rank ${holder} for ${reply.file}[${index}], which was not asked of it`);
    }
    file.askedOf[index] = NOBODY;
    file.inFlight--;
    this.inFlight--;
    this.strategy.answered(holder, reply.load);
    file.guess.report(holder, reply.from, reply.held, file.obtained);
    if (acked) this.gotSegment(file, index, holder);
    else this.refused(file, index, holder, file.askedEpoch[index] === this.lossEpoch);
  }

  /** Forgets a request in flight and queues its segment to be asked again. */
  private abandon(file: FileDownload, index: number): void {
    this.strategy.abandoned(file.askedOf[index]);
    file.askedOf[index] = NOBODY;
    file.inFlight--;
    this.inFlight--;
    file.retry.push(index);
  }

  /** Segments every known member refused, waiting for a fresh swarm. */
  get refusedEverywhere(): number {
    let parked = 0;
    for (const file of this.files.values()) parked += file.parked.length;
    return parked;
  }

  /** Up to `limit` requests in flight, for stall reports, as `file[index]->rank N`. */
  describeInFlight(limit: number): { shown: string[]; total: number } {
    const shown: string[] = [];
    for (const file of this.files.values()) {
      file.askedOf.forEach((holder, index) => {
        if (holder !== NOBODY && shown.length < limit) shown.push(`${file.name}[${index}]->rank ${holder}`);
      });
    }
    return { shown, total: this.inFlight };
  }

  /** Files whose swarm was asked of the tracker and not yet answered. */
  get swarmsAwaited(): string[] {
    const awaited: string[] = [];
    for (const file of this.files.values())
      if (file.refreshing && !file.gaveUp && (file.missing > 0 || !file.started)) awaited.push(file.name);
    return awaited;
  }

  /** `arrival`: how many downloaders joined the swarm before this client. */
  private begin(file: FileDownload, hashes: readonly string[] | null, arrival: number): void {
    if (!hashes || hashes.length === 0) throw new ProtocolError(`tracker sent no hashes for ${file.name}`);
    file.hashes = hashes;
    file.missing = hashes.length;
    this.segmentsWanted += hashes.length;
    if (this.pipeline === 'auto') {
      const share = Math.ceil(this.segmentsWanted / AUTO_SEGMENTS_PER_REQUEST);
      this.inFlightLimit = Math.min(AUTO_MAX, Math.max(AUTO_MIN, share));
    }
    file.askedOf = new Int32Array(hashes.length).fill(NOBODY);
    file.askedEpoch = new Int32Array(hashes.length);
    if (this.timeoutMs !== undefined) file.askedTick = new Int32Array(hashes.length);
    file.requested = new Uint8Array(hashes.length);
    // Downloaders start at different points of the file so that early on they hold
    // different segments and can serve each other instead of all asking the seeds for the
    // same ones. The k-th to join starts at the k-th point of the van der Corput sequence
    // (0, 1/2, 1/4, 3/4, ...): each newcomer starts in the widest gap left.
    file.offset = Math.floor(vanDerCorput(Math.max(0, arrival)) * hashes.length);
    file.guess = new HoldingsGuess(hashes.length);
    // A file begun after a loss is asked of every member, as one begun before it would be
    // from then on: a guess may rule out the only members whose refusals prove a segment lost.
    file.trustGuess = this.lossEpoch === 0;
    this.store.addEmpty(file.name, hashes, file.offset);
    this.active.push(file);
  }

  private membersOf(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): number[] {
    const self = this.comm.rank;
    const members = reply.seeds.concat(reply.peers).filter((rank) => rank !== self && !this.lost.has(rank));
    return members.sort((a, b) => a - b);
  }

  private gotSegment(file: FileDownload, index: number, holder: number): void {
    this.store.markHeld(file.name, index);
    file.refusedBy.delete(index);
    this.counters.downloaded++;
    this.counters.downloadedFrom.set(holder, (this.counters.downloadedFrom.get(holder) ?? 0) + 1);
    file.obtained++;
    file.missing--;
    if (file.missing === 0) {
      this.complete(file);
      return;
    }
    if (++file.obtainedSinceUpdate === UPDATE_EVERY) {
      file.obtainedSinceUpdate = 0;
      this.tracker.send(Tag.PEER_UPDATE, { file: file.name });
      if (!file.refreshing) this.askSwarm(file.name, false);
    }
  }

  /** `proof`: the request was sent after the latest loss, so the refusal still holds. */
  private refused(file: FileDownload, index: number, holder: number, proof: boolean): void {
    this.counters.nacksReceived++;
    if (!proof) {
      file.retry.push(index);
      return;
    }
    let refusers = file.refusedBy.get(index);
    if (!refusers) file.refusedBy.set(index, (refusers = new Set()));
    refusers.add(holder);
    file.retry.push(index);
  }

  private complete(file: FileDownload): void {
    this.active.splice(this.active.indexOf(file), 1);
    this.tracker.send(Tag.SINGLE_FILE_DOWNLOAD_COMPLETED, { file: file.name });
    this.sink(file.name, file.hashes);
    this.fileEnded();
  }

  /**
   * Some segment has no live holder: no client can finish the file. The segments held stay
   * served; replies still owed are ignored when they come.
   */
  private giveUp(file: FileDownload): false {
    if (file.gaveUp) return false;
    file.gaveUp = true;
    const at = this.active.indexOf(file);
    if (at >= 0) this.active.splice(at, 1);
    file.askedOf.forEach((holder, index) => {
      if (holder !== NOBODY) this.abandon(file, index);
    });
    file.retry.length = 0;
    this.counters.gaveUp.push(file.name);
    this.tracker.send(Tag.FILE_UNAVAILABLE, { file: file.name });
    this.fileEnded();
    return false;
  }

  private fileEnded(): void {
    if (--this.remainingFiles === 0) this.tracker.send(Tag.CLIENT_GOT_ALL_FILES, null);
  }

  /** Members listed after the latest loss, every one of which refused since: proof enough. */
  private provenLost(file: FileDownload, segment: number): boolean {
    return this.lossEpoch > 0 && file.membersEpoch === this.lossEpoch && file.refusedByAll(segment);
  }

  private askSwarm(name: string, withHashes: boolean): void {
    const file = this.files.get(name);
    if (file) {
      // With requests already out, the next reply may answer an older one: keep its epoch.
      if (!file.refreshing) file.swarmEpoch = this.lossEpoch;
      file.refreshing = true;
    }
    this.counters.swarmRequests++;
    this.tracker.send(Tag.SWARM_REQUEST, { file: name, withHashes });
  }

  /**
   * Sends requests, taking files in turn, until the pipeline is full or nothing is
   * askable. The peer calls it once it has handled every message that has arrived, so
   * the slots freed by a batch of replies refill as runs, not one request at a time.
   */
  pump(): void {
    let idle = 0;
    while (this.inFlight < this.inFlightLimit && idle < this.active.length) {
      if (this.nextFile >= this.active.length) this.nextFile = 0;
      const file = this.active[this.nextFile++];
      const files = this.active.length;
      // A file given up leaves the others to look at again: nothing else may wake this client.
      if (this.requestRun(file) || this.active.length < files) idle = 0;
      else idle++;
    }
  }

  /**
   * Asks one holder for a run of up to RUN_LENGTH segments: messages to one peer then
   * travel in one batch and wake its thread once, which is what makes a pipeline pay.
   * NACKed segments go first; then segments never asked for.
   */
  private requestRun(file: FileDownload): boolean {
    if (file.retry.length > 0 && this.requestRetries(file)) return true;
    if (file.gaveUp) return false;
    const window = file.fresh(this.window, LOOKAHEAD);
    const first = this.pickFresh(file, window);
    if (!first) return this.stuck(file);
    const holder = first.holder;
    this.request(file, first.segment, holder);
    let sent = 1;
    const limit = this.runLimit(file);
    for (const segment of window) {
      if (sent >= limit || this.inFlight === this.inFlightLimit) break;
      if (segment === first.segment || !file.askable(holder, segment)) continue;
      this.request(file, segment, holder);
      sent++;
    }
    return true;
  }

  /**
   * The first segment of a fresh run and its holder. A strategy with costs gets the
   * segment, among the next few, whose best holder costs least (so an idle peer serves
   * what it has before a busy seed is asked); otherwise segments go in order.
   */
  private pickFresh(file: FileDownload, window: readonly number[]): { segment: number; holder: number } | undefined {
    const order = this.strategy.order(file.name, file.members, this.order);
    const cost = this.strategy.cost;
    if (!cost) {
      for (const segment of window) {
        const holder = order.find((member) => file.askable(member, segment));
        if (holder !== undefined) return { segment, holder };
      }
      return undefined;
    }
    // Members come cheapest first: the first askable one is a segment's best holder, and no
    // later segment can beat a holder that costs what the cheapest member does.
    const cheapest = order.length > 0 ? cost(order[0]) : 0;
    let bestSegment = -1;
    let bestHolder = -1;
    let bestCost = Infinity;
    for (const segment of window) {
      for (const member of order) {
        const price = cost(member);
        if (price >= bestCost) break;
        if (file.askable(member, segment)) {
          bestSegment = segment;
          bestHolder = member;
          bestCost = price;
          break;
        }
      }
      if (bestCost <= cheapest) break;
    }
    return bestSegment < 0 ? undefined : { segment: bestSegment, holder: bestHolder };
  }

  /**
   * A run never takes more than an even share of what is missing, so a small file is not
   * taken whole from one member when others can serve (PROTOCOL.md, Source choice).
   */
  private runLimit(file: FileDownload): number {
    return Math.max(1, Math.min(RUN_LENGTH, Math.ceil(file.missing / Math.max(1, file.members.length))));
  }

  /** Asks for NACKed segments again, as a run to one holder; false if none could be asked. */
  private requestRetries(file: FileDownload): boolean {
    let holder: number | undefined;
    let sent = 0;
    const limit = this.runLimit(file);
    const order = this.strategy.order(file.name, file.members, this.order);
    while (file.retry.length > 0 && sent < limit && this.inFlight < this.inFlightLimit) {
      const segment = file.retry[file.retry.length - 1];
      if (holder === undefined) {
        holder = order.find((member) => file.askable(member, segment));
        if (holder === undefined) {
          if (this.provenLost(file, segment)) return this.giveUp(file);
          file.parked.push(segment);
          file.retry.pop();
          continue;
        }
      } else if (!file.askable(holder, segment)) {
        break;
      }
      file.retry.pop();
      this.request(file, segment, holder);
      sent++;
    }
    return sent > 0;
  }

  /** Nothing askable now: when nothing is in flight either, only a fresh swarm can help. */
  private stuck(file: FileDownload): false {
    if (this.lossEpoch > 0 && file.membersEpoch === this.lossEpoch && file.members.length === 0) return this.giveUp(file);
    if (file.inFlight === 0 && !file.refreshing && file.missing > 0) this.askSwarm(file.name, false);
    return false;
  }

  private request(file: FileDownload, segment: number, holder: number): void {
    file.askedOf[segment] = holder;
    file.askedEpoch[segment] = this.lossEpoch;
    if (this.timeoutMs !== undefined) file.askedTick[segment] = this.tick;
    file.requested[segment] = 1;
    file.inFlight++;
    this.inFlight++;
    this.counters.requestsSent++;
    this.strategy.sent(file.name, holder);
    this.comm.send(holder, Tag.SEGMENT_REQUEST, { file: file.name, index: segment, hash: file.hashes[segment] });
  }
}
