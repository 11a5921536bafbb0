import { ProtocolError, Tag, TRACKER, UPDATE_EVERY, type SwarmComm, type SwarmPayloads } from './protocol.js';
import type { SegmentStore } from './segment-store.js';
import { HoldingsGuess } from './holdings-guess.js';
import type { SourceStrategy } from './strategies/index.js';

/** Where a finished file goes; the harness decides how it is written. */
export type FileSink = (file: string, hashes: readonly string[]) => void;

const NOBODY = -1;
/** Consecutive segments asked of one holder before choosing again. */
const RUN_LENGTH = 8;

/** One wanted file being downloaded. */
class FileDownload {
  hashes: readonly string[] = [];
  members: number[] = [];
  missing = 0;
  obtainedSinceUpdate = 0;
  inFlight = 0;
  refreshing = false;
  /** Who each in-flight segment was asked of, NOBODY when none. */
  askedOf = new Int32Array(0);
  /** Fresh segments are taken in rotated order from `offset`; `issued` counts them. */
  offset = 0;
  issued = 0;
  /** NACKed segments waiting for another holder. */
  retry: number[] = [];
  /** Segments that every known member refused; asked again after a swarm refresh. */
  parked: number[] = [];
  /** Per segment, the members that answered NACK for it. */
  refusedBy = new Map<number, Set<number>>();
  /** Segments obtained so far: the clock of `guess`. */
  obtained = 0;
  guess = new HoldingsGuess(0, 0);

  constructor(readonly name: string) {}

  get started(): boolean {
    return this.hashes.length > 0;
  }

  nextSegment(): number | undefined {
    if (this.retry.length > 0) return this.retry.pop();
    const count = this.hashes.length;
    if (this.issued < count) return (this.offset + this.issued++) % count;
    return undefined;
  }
}

export interface DownloadCounters {
  downloaded: number;
  nacksReceived: number;
  requestsSent: number;
  swarmRequests: number;
  /** Segments obtained from each rank. */
  downloadedFrom: Int32Array;
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
  private inFlight = 0;
  private remainingFiles: number;

  constructor(
    private readonly comm: SwarmComm,
    wanted: readonly string[],
    private readonly store: SegmentStore,
    private readonly strategy: SourceStrategy,
    private readonly pipeline: number,
    private readonly sink: FileSink,
  ) {
    for (const name of wanted) this.files.set(name, new FileDownload(name));
    this.remainingFiles = this.files.size;
    this.counters = {
      downloaded: 0,
      nacksReceived: 0,
      requestsSent: 0,
      swarmRequests: 0,
      downloadedFrom: new Int32Array(comm.size),
    };
  }

  get done(): boolean {
    return this.remainingFiles === 0;
  }

  start(): void {
    if (this.done) {
      this.comm.send(TRACKER, Tag.CLIENT_GOT_ALL_FILES, null);
      return;
    }
    for (const name of this.files.keys()) this.askSwarm(name, true);
  }

  onSwarm(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): void {
    const file = this.files.get(reply.file);
    if (!file) throw new ProtocolError(`swarm reply for ${reply.file}, which this client does not want`);
    file.refreshing = false;
    file.members = this.membersOf(reply);
    if (!file.started) this.begin(file, reply.hashes);
    for (const seed of reply.seeds) file.guess.seed(seed);
    if (file.parked.length > 0) {
      for (const segment of file.parked) file.refusedBy.delete(segment);
      file.retry.push(...file.parked);
      file.parked.length = 0;
    }
    this.pump();
  }

  onReply(holder: number, acked: boolean, reply: SwarmPayloads[typeof Tag.ACK]): void {
    const file = this.files.get(reply.file);
    const index = reply.index;
    if (!file || file.askedOf[index] !== holder) {
      throw new ProtocolError(`${acked ? 'ACK' : 'NACK'} from rank ${holder} for ${reply.file}[${index}], which was not asked of it`);
    }
    file.askedOf[index] = NOBODY;
    file.inFlight--;
    this.inFlight--;
    this.strategy.answered(holder, reply.load);
    file.guess.report(holder, reply.from, reply.held, file.obtained);
    if (acked) this.obtained(file, index, holder);
    else this.refused(file, index, holder);
    this.pump();
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

  private begin(file: FileDownload, hashes: readonly string[] | null): void {
    if (!hashes || hashes.length === 0) throw new ProtocolError(`tracker sent no hashes for ${file.name}`);
    file.hashes = hashes;
    file.missing = hashes.length;
    file.askedOf = new Int32Array(hashes.length).fill(NOBODY);
    // Clients start at different points of the file so that early on they hold different
    // segments and can serve each other instead of all asking the seeds for the same ones.
    const clients = this.comm.size - 1;
    file.offset = Math.floor(((this.comm.rank - 1) * hashes.length) / clients) % hashes.length;
    file.guess = new HoldingsGuess(this.comm.size, hashes.length);
    this.store.addEmpty(file.name, hashes, file.offset);
    this.active.push(file);
  }

  private membersOf(reply: SwarmPayloads[typeof Tag.SWARM_REPLY]): number[] {
    const self = this.comm.rank;
    const members = reply.seeds.concat(reply.peers).filter((rank) => rank !== self);
    return members.sort((a, b) => a - b);
  }

  private obtained(file: FileDownload, index: number, holder: number): void {
    this.store.markHeld(file.name, index);
    file.refusedBy.delete(index);
    this.counters.downloaded++;
    this.counters.downloadedFrom[holder]++;
    file.obtained++;
    file.missing--;
    if (file.missing === 0) {
      this.complete(file);
      return;
    }
    if (++file.obtainedSinceUpdate === UPDATE_EVERY) {
      file.obtainedSinceUpdate = 0;
      this.comm.send(TRACKER, Tag.PEER_UPDATE, { file: file.name });
      if (!file.refreshing) this.askSwarm(file.name, false);
    }
  }

  private refused(file: FileDownload, index: number, holder: number): void {
    this.counters.nacksReceived++;
    let refusers = file.refusedBy.get(index);
    if (!refusers) file.refusedBy.set(index, (refusers = new Set()));
    refusers.add(holder);
    file.retry.push(index);
  }

  private complete(file: FileDownload): void {
    this.active.splice(this.active.indexOf(file), 1);
    this.comm.send(TRACKER, Tag.SINGLE_FILE_DOWNLOAD_COMPLETED, { file: file.name });
    this.sink(file.name, file.hashes);
    if (--this.remainingFiles === 0) this.comm.send(TRACKER, Tag.CLIENT_GOT_ALL_FILES, null);
  }

  private askSwarm(name: string, withHashes: boolean): void {
    const file = this.files.get(name);
    if (file) file.refreshing = true;
    this.counters.swarmRequests++;
    this.comm.send(TRACKER, Tag.SWARM_REQUEST, { file: name, withHashes });
  }

  /** Sends requests, taking files in turn, until the pipeline is full or nothing is askable. */
  private pump(): void {
    let idle = 0;
    while (this.inFlight < this.pipeline && idle < this.active.length) {
      if (this.nextFile >= this.active.length) this.nextFile = 0;
      const file = this.active[this.nextFile++];
      if (this.requestRun(file)) idle = 0;
      else idle++;
    }
  }

  /**
   * Asks one holder for a run of up to RUN_LENGTH segments: messages to one peer then
   * travel in one batch and wake its thread once, which is what makes a pipeline pay.
   */
  private requestRun(file: FileDownload): boolean {
    let holder: number | undefined;
    let sent = 0;
    for (let segment = file.nextSegment(); segment !== undefined; segment = file.nextSegment()) {
      const refusers = file.refusedBy.get(segment);
      if (holder === undefined) {
        const eligible = (member: number): boolean =>
          !refusers?.has(member) && file.guess.mayHold(member, segment, file.obtained);
        holder = this.strategy.choose(file.name, file.members, eligible);
        if (holder === undefined) {
          file.parked.push(segment);
          continue;
        }
      } else if (refusers?.has(holder) || !file.guess.mayHold(holder, segment, file.obtained)) {
        file.retry.push(segment);
        break;
      }
      this.request(file, segment, holder);
      if (++sent === RUN_LENGTH || this.inFlight === this.pipeline) break;
    }
    if (sent > 0) return true;
    if (file.parked.length > 0 && file.inFlight === 0 && !file.refreshing) this.askSwarm(file.name, false);
    return false;
  }

  private request(file: FileDownload, segment: number, holder: number): void {
    file.askedOf[segment] = holder;
    file.inFlight++;
    this.inFlight++;
    this.counters.requestsSent++;
    this.strategy.sent(holder);
    this.comm.send(holder, Tag.SEGMENT_REQUEST, { file: file.name, index: segment, hash: file.hashes[segment] });
  }
}
