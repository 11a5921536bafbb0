/**
 * Hosting one rank, the same on every transport: build its client (`Peer`) or tracker on
 * the comm the transport gives it, under its test fault; hand each finished file to the
 * transport's output sink; keep its timeline; answer what it waits for; and resolve with
 * one end record, which the transport forwards as it is. A client left without any tracker
 * (`NoTrackerLeft`) ends "stranded", with what it has; anything the rank code throws ends
 * it "failed". The host never exits, kills or talks to a harness itself: that is the
 * transport's part.
 */
import type { Pipeline } from '../../ranks/download.js';
import { NoTrackerLeft, Peer } from '../../ranks/peer.js';
import type { ClientFiles, SwarmPayloads } from '../../ranks/protocol.js';
import type { Roles } from '../../ranks/roles.js';
import type { StrategyFactory } from '../../ranks/strategies/index.js';
import { Tracker, type SwarmObserver, type TrackerStart } from '../../ranks/tracker.js';
import type { MailboxComm } from '../comm/local-comm.js';
import type { Mailbox } from '../comm/mailbox.js';
import { summarizeSwarms } from '../run/result.js';
import { Sampler } from '../run/timeline.js';
import {
  failedReport,
  wireReport,
  type DoneReport,
  type FailedReport,
  type StatusReport,
  type StrandedReport,
  type TrackerDoneReport,
  type WireReport,
} from './reports.js';
import { faultAtStart, withTestFault, type ExitEnd, type RankFault } from './test-faults.js';
import { recordDeliveries, type TraceFlush } from '../trace/recorder.js';
import { FileJournal, JournalDamaged } from './tracker-journal.js';

export type { ExitEnd } from './test-faults.js';

/**
 * Writes one finished file and resolves with the output's name. Undefined when the
 * transport drops the file (its rank is dead by now): the timeline does not mark it either.
 */
export type OutputSink = (file: string, hashes: readonly string[]) => Promise<string> | undefined;

interface HostOptions {
  /** The transport's comm for this rank; its counters are the rank's messages in and out. */
  comm: MailboxComm<SwarmPayloads>;
  roles: Roles;
  /** `refuse` and `stall` act on any rank's comm; `crash` and `exit` on a client as it starts. */
  fault?: RankFault | null;
  /** A traced run on a wall clock: where the messages delivered to this rank go (sim/trace/recorder.ts). */
  trace?: TraceFlush;
}

/**
 * Records what is delivered to the rank from its host's making, when the run is traced;
 * `ended` hands over what is held, so that it goes out before the rank's end is told.
 */
function traceOf(options: HostOptions): { ended<T>(end: T): T } {
  const recorder = options.trace && recordDeliveries(options.comm.mailbox, options.comm.rank, options.trace);
  return {
    ended: (end) => {
      recorder?.stop();
      return end;
    },
  };
}

export interface ClientHostOptions extends HostOptions {
  files: ClientFiles;
  /** The transport loads it (sim/strategies/load.ts): a user's module is imported asynchronously. */
  strategy: StrategyFactory;
  /** The run's seed, for a strategy that draws (`random`): virtual time passes its own; default '1'. */
  seed?: string;
  pipeline: Pipeline;
  /** Ask again a segment request unanswered this long (lossy links); default never. */
  requestTimeoutMs?: number;
  /** The upload rate the client announces (virtual time: its link's); default 0, not known. */
  uploadKbps?: number;
  freeRider?: boolean;
  /** Register this long after the start (`--arrivals`); default at once. */
  arriveMs?: number;
  /** Leave this long after finishing (`--seed-time`); default never. */
  seedTimeMs?: number;
  /** The tracker keeps its state on disk (`--tracker-state`): wait for it to come back when it is lost. */
  trackerReturns?: boolean;
  output: OutputSink;
  /** Seconds on the run's clock, for the timeline. */
  clock: () => number;
  /**
   * Default: a sampler keeping 400 rows, whose samples the end report carries. A transport
   * that passes its own sampler reads it itself once the run is over (rows keep coming while
   * the client serves others), and the report carries none: reading thins every row.
   */
  timeline?: Sampler;
}

export interface TrackerHostOptions extends HostOptions {
  start: TrackerStart;
  /** Swarm changes, for the swarm-growth chart: only those made while this tracker serves. */
  observe?: SwarmObserver;
  /** `--tracker-state`: the folder its changes are kept in; a primary starts it empty, a restarted tracker reloads it. */
  stateDir?: string;
}

export type ClientEnd = DoneReport | StrandedReport | FailedReport | ExitEnd;
export type TrackerEnd = TrackerDoneReport | FailedReport;
export type RankEnd = ClientEnd | TrackerEnd;

/** What every transport does with a hosted rank, whichever it is. */
export interface RankHost {
  run(): Promise<RankEnd>;
  /** The stall answer. */
  status(): StatusReport;
  /** Segments obtained so far (0 for a tracker). */
  readonly obtained: number;
  /** Adds a row to the timeline, unless one was added too recently (a forced row always is). */
  sample(force?: boolean): void;
}

/** A client, or a tracker in the role it starts in. */
export type RankHostOptions = (ClientHostOptions & { role: 'client' }) | (Omit<TrackerHostOptions, 'start'> & { role: TrackerStart });

export function hostRank(options: RankHostOptions): RankHost {
  if (options.role === 'client') return new ClientHost(options);
  return new TrackerHost({ ...options, start: options.role });
}

export class ClientHost implements RankHost {
  readonly peer: Peer;
  readonly timeline: Sampler;
  private readonly reads: Mailbox;
  private readonly writes: Promise<string>[] = [];
  /** Rejects when an output cannot be written (disk full, a bad folder): the rank has failed. */
  private readonly writeFailed: Promise<never>;
  private failWrite: (error: unknown) => void = () => undefined;
  private readonly trace: ReturnType<typeof traceOf>;

  constructor(private readonly options: ClientHostOptions) {
    this.trace = traceOf(options);
    const { comm, reads } = withTestFault(options.comm, options.fault);
    this.reads = reads;
    this.timeline = options.timeline ?? new Sampler();
    this.writeFailed = new Promise<never>((_, reject) => (this.failWrite = reject));
    this.writeFailed.catch(() => undefined);
    this.peer = new Peer(comm, options.files, {
      strategy: options.strategy(comm.rank, comm.size, options.seed ?? '1'),
      pipeline: options.pipeline,
      standby: options.roles.standby,
      requestTimeoutMs: options.requestTimeoutMs,
      uploadKbps: options.uploadKbps,
      freeRider: options.freeRider,
      arriveMs: options.arriveMs,
      seedTimeMs: options.seedTimeMs,
      trackerReturns: options.trackerReturns,
      sink: (file, hashes) => this.finished(file, hashes),
    });
  }

  get obtained(): number {
    return this.peer.obtained;
  }

  sample(force = false): void {
    const seconds = this.options.clock();
    if (force || this.timeline.due(seconds)) this.timeline.record(seconds, [this.peer.obtained], force);
  }

  status(): StatusReport {
    return { type: 'status', waiting: this.reads.waiting(), queued: this.reads.queued, detail: this.peer.describe() };
  }

  /** The counters so far, for a client killed before its end. */
  snapshot(): WireReport {
    return wireReport(this.peer.snapshot());
  }

  async run(): Promise<ClientEnd> {
    return this.trace.ended(await this.hosted());
  }

  private async hosted(): Promise<ClientEnd> {
    try {
      const exit = faultAtStart(this.options.fault);
      if (exit) return exit;
      this.sample(true);
      return await Promise.race([this.download(), this.writeFailed]);
    } catch (error) {
      return failedReport(error);
    }
  }

  private async download(): Promise<DoneReport | StrandedReport> {
    let stranded: string | undefined;
    const report = await this.peer.run().catch((error: unknown) => {
      if (!(error instanceof NoTrackerLeft)) throw error;
      stranded = error.message;
      return this.peer.snapshot();
    });
    const outputs = await Promise.all(this.writes);
    const { messagesIn, messagesOut } = this.options.comm;
    const timeline = this.options.timeline ? [] : this.timeline.samples();
    const end = { report: wireReport(report), messagesIn, messagesOut, outputs, timeline };
    return stranded === undefined ? { type: 'done', ...end } : { type: 'stranded', reason: stranded, ...end };
  }

  private finished(file: string, hashes: readonly string[]): void {
    const written = this.options.output(file, hashes);
    if (!written) return;
    // A file done is a moment the timeline must keep.
    this.sample(true);
    written.catch(this.failWrite);
    this.writes.push(written);
  }
}

export class TrackerHost implements RankHost {
  readonly tracker: Tracker;
  private readonly reads: Mailbox;
  readonly obtained = 0;
  private readonly trace: ReturnType<typeof traceOf>;
  private journalFailed: unknown;

  constructor(private readonly options: TrackerHostOptions) {
    this.trace = traceOf(options);
    const { comm, reads } = withTestFault(options.comm, options.fault);
    this.reads = reads;
    const observe = options.observe;
    let journal: FileJournal | undefined;
    try {
      journal = options.stateDir === undefined ? undefined : new FileJournal(options.stateDir, options.start === 'primary');
    } catch (error) {
      this.journalFailed = error;
    }
    const tracker: Tracker = new Tracker(comm, {
      roles: options.roles,
      start: options.start,
      observe: observe && ((...change) => tracker.served && observe(...change)),
      journal,
    });
    this.tracker = tracker;
  }

  sample(): void {
    // A tracker obtains no segments: it has no timeline.
  }

  status(): StatusReport {
    return { type: 'status', waiting: this.reads.waiting(), queued: this.reads.queued, detail: this.tracker.describe() };
  }

  async run(): Promise<TrackerEnd> {
    const tracker = this.tracker;
    try {
      if (this.journalFailed !== undefined) throw journalError(this.options.stateDir ?? '', this.journalFailed);
      await tracker.run();
    } catch (error) {
      return this.trace.ended(failedReport(error));
    }
    const { messagesIn, messagesOut } = this.options.comm;
    const swarms = summarizeSwarms(tracker.state);
    return this.trace.ended({
      type: 'tracker-done',
      served: tracker.served,
      follower: tracker.follower ?? null,
      swarms,
      messagesIn,
      messagesOut,
    } as const);
  }
}

/** Why the state folder could not be opened, naming it. */
function journalError(dir: string, error: unknown): Error {
  if (error instanceof JournalDamaged) return error;
  return new Error(`--tracker-state ${dir}: ${error instanceof Error ? error.message : String(error)}`);
}
