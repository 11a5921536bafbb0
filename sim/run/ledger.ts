/**
 * The run ledger: every transport reports what happens to its ranks here (a rank ended
 * with its counters, lost, back, stopped; an output written; every tracker lost), and the
 * ledger alone decides when the run is over, which ranks are lost, which tracker's table
 * is the run's, and what the `RunResult` says. A transport carries messages and starts and
 * kills ranks; it never assembles a result of its own, so the same job with the same faults
 * gives the same result fields on every transport.
 */
import type { Roles } from '../../ranks/roles.js';
import type { Tracker } from '../../ranks/tracker.js';
import { hasFaults, type FaultPlan } from '../faults/plan.js';
import { faultAction, FaultSchedule, type FaultTarget } from '../faults/schedule.js';
import { lostClientCounters, summarizeSwarms, trackerCounters, type RankResult, type RunResult, type TrackerSummary } from './result.js';
import type { Samples } from './timeline.js';

/** How a client ended, as its host reported it. */
export interface ClientEnd {
  counters: RankResult;
  timeline: Samples;
  /** Outputs it wrote, when the transport learns of them from the end report. */
  outputs?: readonly string[];
  /** Set when it stopped because every tracker was lost: why. */
  stranded?: string;
}

/** How a tracker ended: its counters and final table. */
export interface TrackerEnd {
  counters: RankResult;
  served: boolean;
  swarms: TrackerSummary['swarms'];
  /** Restarted, and still waiting to catch up when the job ended. */
  stopped?: boolean;
}

/** The end of a tracker that runs in the harness's own thread, read off the tracker itself. */
export function trackerEndOf(tracker: Tracker, rank: number, messagesIn = 0, messagesOut = 0): TrackerEnd {
  return {
    counters: trackerCounters(messagesIn, messagesOut, rank),
    served: tracker.served,
    swarms: summarizeSwarms(tracker.state),
    stopped: tracker.awaitingCatchUp,
  };
}

/** What the transport adds to the result: the parts only it can see. */
export interface ResultExtras {
  swarmGrowth: RunResult['swarmGrowth'];
  swarmSize?: RunResult['swarmSize'];
  /** Messages lost on lossy links (virtual time). */
  dropped?: number;
}

export class RunLedger {
  private readonly counters: RankResult[];
  private readonly timelines: Samples[];
  private readonly outputs: string[] = [];
  private readonly tables = new Map<number, TrackerSummary>();
  /** Ranks that reported their end (done, stranded, a tracker's table, stopped). */
  private readonly ended = new Set<number>();
  /** Ranks dead now. A rank can be both ended and lost: killed after its part was done. */
  private readonly lost = new Set<number>();
  /** Ended or lost: kept as they change rather than counted, since every end asks how many. */
  private readonly settledRanks = new Set<number>();
  /** How each lost rank was lost, as its transport saw it. */
  private readonly lostHow = new Map<number, string>();
  private noTracker: string | undefined;
  /**
   * Which tracker serves, as the ledger follows it from losses and returns: the primary
   * first, the standby once the primary is lost. A tracker lost before its end says
   * whether it served from this, not from what a transport could still see of it (a
   * process killed over TCP tells nothing), so `served` means the same on every transport.
   */
  private serving: number | undefined = 0;
  private readonly servedThisLife = new Set<number>([0]);
  private readonly waiters: (() => void)[] = [];

  /** The run's timed faults: the transport feeds it segments, its clock and files finished. */
  readonly faults: FaultSchedule;
  private target: FaultTarget | undefined;

  constructor(
    readonly roles: Roles,
    private readonly plan: FaultPlan | undefined,
    clock: () => number,
  ) {
    this.counters = new Array<RankResult>(roles.size);
    this.timelines = Array.from({ length: roles.clients }, () => []);
    const target: FaultTarget = {
      kill: (rank, reason) => this.target?.kill(rank, reason),
      restart: (rank, reason) => this.target?.restart(rank, reason),
    };
    this.faults = new FaultSchedule(plan?.timed ?? [], faultAction(target, clock), clock);
  }

  /** Who carries out the faults as they fire: the transport, once its ranks exist. */
  carryOutFaultsWith(target: FaultTarget): void {
    this.target = target;
  }

  /** Resolves once every rank has ended or is lost. */
  readonly settled = new Promise<void>((resolve) => this.waiters.push(resolve));

  clientEnded(rank: number, end: ClientEnd): void {
    if (this.ended.has(rank)) return;
    this.counters[rank] = end.counters;
    this.timelines[rank - 1] = end.timeline;
    if (end.outputs) this.outputs.push(...end.outputs);
    if (end.stranded !== undefined) this.noTrackerLeft(`rank ${rank} ${end.stranded}`);
    this.end(rank);
  }

  /**
   * A tracker's end and final table. A tracker in the harness's own thread may have been
   * counted as finished already (`rankFinished`), its table read only once the run is over.
   * One lost before its end keeps the empty table its loss left: what a dead process held
   * is not known on every transport, so it is known on none.
   */
  trackerEnded(rank: number, end: TrackerEnd): void {
    if (this.tables.has(rank)) return;
    this.counters[rank] = end.counters;
    const lost = this.lost.has(rank);
    this.tables.set(rank, {
      rank,
      role: this.roleOf(rank),
      served: end.served,
      lost,
      ...(end.stopped && !lost ? { stopped: true } : {}),
      swarms: end.swarms,
    });
    this.end(rank);
  }

  /** A rank's part is over; its counters or table come later (a tracker in the harness's thread). */
  rankFinished(rank: number): void {
    this.end(rank);
  }

  /**
   * A tracker restarted too late to catch up: the serving tracker ended the job without it,
   * so nothing will ever reach it. It is stopped, its table empty and left out of comparisons.
   */
  trackerStopped(rank: number): void {
    this.lost.delete(rank);
    this.counters[rank] = trackerCounters(0, 0, rank);
    this.tables.set(rank, { rank, role: this.roleOf(rank), served: false, lost: false, stopped: true, swarms: [] });
    this.end(rank);
  }

  /**
   * A rank is dead. One lost before its end leaves what the harness saw of it: a client the
   * segments it had obtained, a tracker an empty table. One lost after its end keeps its
   * counters, table and outputs: only its process is gone. `seen` is what the harness saw
   * of it alive: a client's segments obtained.
   */
  rankLost(rank: number, seen: { obtained?: number; reason?: string } = {}): void {
    if (this.lost.has(rank)) return;
    this.lost.add(rank);
    this.settledRanks.add(rank);
    this.lostHow.set(rank, seen.reason ?? 'lost');
    if (this.serving === rank) this.handOver(this.roles.peerTracker(rank));
    const table = this.tables.get(rank);
    if (table) table.lost = true;
    if (!this.ended.has(rank)) {
      if (this.roles.isClient(rank)) this.counters[rank] = lostClientCounters(rank, seen.obtained ?? 0);
      else {
        this.counters[rank] = trackerCounters(0, 0, rank);
        this.tables.set(rank, { rank, role: this.roleOf(rank), served: this.servedThisLife.has(rank), lost: true, swarms: [] });
      }
    }
    this.check();
  }

  /** A restarted tracker is alive again: what its earlier life left no longer counts. */
  rankBack(rank: number): void {
    this.lost.delete(rank);
    // A new life has served nothing yet; it serves at once if no other tracker is left.
    this.servedThisLife.delete(rank);
    if (this.serving === undefined) this.handOver(rank);
    this.ended.delete(rank);
    this.settledRanks.delete(rank);
    this.tables.delete(rank);
    delete this.counters[rank];
  }

  /** Every tracker is lost: nobody can end the job. The first client to find out says why. */
  noTrackerLeft(reason: string): void {
    this.noTracker ??= reason;
  }

  /** Why the run ended without a tracker, if it did. */
  get strandedBy(): string | undefined {
    return this.noTracker;
  }

  /** A client's timeline, when the harness rather than the rank kept it. */
  setTimeline(rank: number, timeline: Samples): void {
    this.timelines[rank - 1] = timeline;
  }

  outputWritten(name: string): void {
    this.outputs.push(name);
  }

  isLost(rank: number): boolean {
    return this.lost.has(rank);
  }

  hasEnded(rank: number): boolean {
    return this.ended.has(rank);
  }

  /** Ended or lost: nothing more is expected of it. */
  isSettled(rank: number): boolean {
    return this.settledRanks.has(rank);
  }

  /** Ranks ended or lost, for the livelock watch: a rank settling is progress. */
  get settledCount(): number {
    return this.settledRanks.size;
  }

  /** Ranks not yet settled but `rank`: a restarted tracker checks whether it is the last one left. */
  othersSettled(rank: number): boolean {
    return this.settledRanks.size - (this.settledRanks.has(rank) ? 1 : 0) === this.roles.size - 1;
  }

  get lostRanks(): number[] {
    return [...this.lost].sort((a, b) => a - b);
  }

  /** The whole result. `counters` a transport could not get from the ranks (a tracker in this thread) it sets first. */
  result(extras: ResultExtras): RunResult {
    const trackers = [...this.tables.values()].sort((a, b) => a.rank - b.rank);
    const serving = this.servingTable(trackers);
    const faulty = hasFaults(this.plan) || this.roles.trackers === 2 || this.lostHow.size > 0;
    return {
      ranks: this.counters,
      swarms: serving?.swarms ?? [],
      outputs: [...this.outputs].sort(),
      progress: this.timelines,
      swarmGrowth: extras.swarmGrowth,
      swarmSize: extras.swarmSize,
      trackers,
      ...(faulty
        ? {
            faults: {
              ...this.faults.outcome(this.lost, this.noTracker),
              ...this.unaskedLosses(),
              ...(extras.dropped !== undefined ? { dropped: extras.dropped } : {}),
            },
          }
        : {}),
    };
  }

  /**
   * The verdict rule: a rank may be lost only because a fault asked for it (a kill or restart
   * that fired, a test fault). Any other loss (a kill from outside, a link that dropped) fails
   * the run, named with how it was lost, even one that came back (`lostHow` keeps them all).
   */
  private unaskedLosses(): { unasked?: { rank: number; reason: string }[] } {
    const asked = new Set([...this.faults.fired.map((fired) => fired.rank), ...(this.plan?.simple.keys() ?? [])]);
    const unasked = [...this.lostHow.keys()].filter((rank) => !asked.has(rank)).sort((a, b) => a - b);
    return unasked.length === 0 ? {} : { unasked: unasked.map((rank) => ({ rank, reason: this.lostHow.get(rank) ?? 'lost' })) };
  }

  setCounters(rank: number, counters: RankResult): void {
    this.counters[rank] = counters;
  }

  /**
   * The table that is the run's: the live tracker that served (it ended the job), else the
   * standby if it served (it took over last), else rank 0's.
   */
  private servingTable(trackers: TrackerSummary[]): TrackerSummary | undefined {
    const served = trackers.filter((table) => table.served);
    return served.find((table) => !table.lost) ?? served.find((table) => table.rank !== 0) ?? served[0] ?? trackers[0];
  }

  private handOver(to: number | undefined): void {
    this.serving = to !== undefined && !this.lost.has(to) ? to : undefined;
    if (this.serving !== undefined) this.servedThisLife.add(this.serving);
  }

  private roleOf(rank: number): TrackerSummary['role'] {
    return rank === 0 ? 'primary' : 'standby';
  }

  private end(rank: number): void {
    this.ended.add(rank);
    this.settledRanks.add(rank);
    this.check();
  }

  private check(): void {
    if (this.settledCount < this.roles.size) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
